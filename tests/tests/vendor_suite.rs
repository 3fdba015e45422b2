//! One end-to-end suite for every shipped vendor, run twice: against `auth-sim` (written
//! by hand from the vendors' documents) and against the mock vendor `auth-mock` serves
//! from the vendor's own description. The same scenarios pass on both: the description
//! and the documents agree on what a client meets, and the mock is a faithful stand-in
//! for a vendor a user describes themselves. The CSRF-first web login of our own design
//! (`authgen_tests::csrf_login`) runs it too: a login of two requests.

use std::sync::Arc;
use std::time::Duration;

use auth_mock::MockVendor;
use auth_mock::fault::{Fault, Faults, Scope};
use auth_runtime::{Clock, DynamicCredentials, Provider, Session, SessionBuilder};
use auth_sim::{
    Sim, crmcom, csrf_login, currencycloud, github_app, google, modulus, onebox, salesforce,
};
use auth_vendors::{
    CrmCom, Currencycloud, GitHubApp, Google, Modulus, ModulusJwt, OneBox, Salesforce,
    SalesforceJwt,
};
use authgen_tests::csrf_login::CsrfLogin;
use authgen_tests::on_manual_clock;
use reqwest::Method;

type Pairs = &'static [(&'static str, &'static str)];

/// A vendor served somewhere, and what the scenarios need to know of the server.
struct Served<P: Provider> {
    provider: P,
    good: Pairs,
    wrong: Pairs,
    /// A protected API endpoint.
    api: String,
    /// How long the vendor's tokens live.
    lifetime: Duration,
    /// The requests a logout makes: 0 without a logout endpoint, 1 for a logout or the
    /// revocation of the access token, 2 when a refresh token is revoked too.
    logouts: u64,
    /// What the session needs beyond the defaults (the API hosts of a vendor whose
    /// login names the API's base on a test server).
    configure: fn(SessionBuilder<P>) -> SessionBuilder<P>,
    server: Box<dyn Server>,
}

/// What the scenarios read and switch on a server.
trait Server: Send + Sync {
    fn logins(&self) -> u64;
    fn logouts(&self) -> u64;
    fn advance(&self, by: Duration);
    fn revoke_all(&self);
    fn faults(&self) -> &Faults;
}

impl<P: Provider> Served<P>
where
    P::Credentials: DynamicCredentials,
{
    fn session(&self, pairs: Pairs) -> (Session<P>, Clock)
    where
        P: Clone,
    {
        let credentials = P::Credentials::from_pairs(pairs.iter().copied()).expect("credentials");
        on_manual_clock((self.configure)(Session::builder(
            self.provider.clone(),
            credentials,
        )))
    }
}

async fn call<P: Provider>(session: &Session<P>, url: &str) -> u16 {
    session
        .send(session.request(Method::GET, url))
        .await
        .expect("sent")
        .status()
        .as_u16()
}

/// Every scenario, each on a fresh server from `serve`.
async fn suite<P, F, Fut>(name: &str, serve: F)
where
    P: Provider + Clone,
    P::Credentials: DynamicCredentials,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Served<P>>,
{
    // Two calls, one login.
    let served = serve().await;
    let (session, _) = served.session(served.good);
    assert_eq!(call(&session, &served.api).await, 200, "{name}: first call");
    assert_eq!(
        call(&session, &served.api).await,
        200,
        "{name}: second call"
    );
    assert_eq!(served.server.logins(), 1, "{name}: one login for two calls");

    // Wrong credentials: the vendor's documented refusal, not a shared failure.
    let served = serve().await;
    let (session, _) = served.session(served.wrong);
    let mut error = session.token().await.expect_err("refused");
    assert!(
        P::runtime_error(&mut error).is_none(),
        "{name}: wrong credentials are a documented refusal, got {error:?}"
    );
    assert_eq!(
        served.server.logins(),
        0,
        "{name}: no token for wrong credentials"
    );

    // The token expires on both clocks: the session logs in again before calling.
    let served = serve().await;
    let (session, clock) = served.session(served.good);
    assert_eq!(call(&session, &served.api).await, 200);
    let past = served.lifetime + Duration::from_secs(1);
    clock.advance(past);
    served.server.advance(past);
    assert_eq!(
        call(&session, &served.api).await,
        200,
        "{name}: after expiry"
    );
    assert_eq!(served.server.logins(), 2, "{name}: one login per lifetime");

    // The vendor drops every token: the session logs in once and replays the call.
    let served = serve().await;
    let (session, _) = served.session(served.good);
    assert_eq!(call(&session, &served.api).await, 200);
    served.server.revoke_all();
    assert_eq!(call(&session, &served.api).await, 200, "{name}: replayed");
    assert_eq!(
        served.server.logins(),
        2,
        "{name}: one re-login on a rejection"
    );

    // Logout reaches the vendor where it has one.
    let served = serve().await;
    let (session, _) = served.session(served.good);
    session.token().await.expect("login");
    session.logout().await.expect("logout");
    assert_eq!(served.server.logouts(), served.logouts, "{name}: logouts");

    // An outage met once is tried again within the call.
    let served = serve().await;
    let faults = served.server.faults();
    faults.set_times(Scope::Login, Fault::Status(502), 1);
    let (session, _) = served.session(served.good);
    let token = session.token().await;
    assert!(token.is_ok(), "{name}: a 502 once: {:?}", token.err());
    assert_eq!(faults.served(), 1, "{name}: the 502 was met");
    assert_eq!(served.server.logins(), 1, "{name}: one login past the 502");

    // A 200 that is cut off or an HTML page is an error (it is no token and no
    // documented refusal); the next session logs in.
    for fault in [Fault::TruncatedJson, Fault::HtmlPage] {
        let served = serve().await;
        let faults = served.server.faults();
        faults.set_times(Scope::Login, fault.clone(), 1);
        let (session, _) = served.session(served.good);
        let mut error = session.token().await.expect_err("no token");
        assert!(
            P::runtime_error(&mut error).is_some(),
            "{name}: {fault:?} is a shared failure, got {error:?}"
        );
        assert_eq!(faults.served(), 1, "{name}: {fault:?} was met");
        let (session, _) = served.session(served.good);
        session
            .token()
            .await
            .unwrap_or_else(|e| panic!("{name} after {fault:?}: {e}"));
    }

    // An outage that lasts is an error; once it ends, the next session logs in.
    let served = serve().await;
    served.server.faults().set(Scope::Login, Fault::Status(503));
    let (session, _) = served.session(served.good);
    assert!(session.token().await.is_err(), "{name}: a lasting outage");
    assert_eq!(served.server.logins(), 0, "{name}: no token in an outage");
    served.server.faults().clear(Scope::Login);
    let (session, _) = served.session(served.good);
    session
        .token()
        .await
        .unwrap_or_else(|e| panic!("{name} after the outage: {e}"));
    assert_eq!(served.server.logins(), 1, "{name}: after the outage");
}

struct OnSim {
    sim: Arc<Sim>,
    which: Vendor,
}

#[derive(Clone, Copy)]
enum Vendor {
    CrmCom,
    Currencycloud,
    Modulus,
    OneBox,
    CsrfLogin,
    Salesforce,
    GitHubApp,
    Google,
}

impl Server for OnSim {
    fn logins(&self) -> u64 {
        match self.which {
            Vendor::CrmCom => self.sim.crmcom().logins(),
            Vendor::Currencycloud => self.sim.currencycloud().logins(),
            Vendor::Modulus => self.sim.modulus().logins(),
            Vendor::OneBox => self.sim.onebox().logins(),
            Vendor::CsrfLogin => self.sim.csrf_login().logins(),
            Vendor::Salesforce => self.sim.salesforce().logins(),
            Vendor::GitHubApp => self.sim.github_app().logins(),
            Vendor::Google => self.sim.google().logins(),
        }
    }
    fn logouts(&self) -> u64 {
        match self.which {
            Vendor::CrmCom => self.sim.crmcom().logouts(),
            Vendor::Currencycloud => self.sim.currencycloud().logouts(),
            Vendor::CsrfLogin => self.sim.csrf_login().logouts(),
            Vendor::Salesforce => self.sim.salesforce().revocations(),
            Vendor::GitHubApp => self.sim.github_app().revocations(),
            Vendor::Google => self.sim.google().revocations(),
            Vendor::Modulus | Vendor::OneBox => 0,
        }
    }
    fn advance(&self, by: Duration) {
        self.sim.clock().advance(by);
    }
    fn revoke_all(&self) {
        match self.which {
            Vendor::CrmCom => self.sim.crmcom().revoke_all(),
            Vendor::Currencycloud => self.sim.currencycloud().revoke_all(),
            Vendor::Modulus => self.sim.modulus().revoke_all(),
            Vendor::OneBox => self.sim.onebox().revoke_all(),
            Vendor::CsrfLogin => self.sim.csrf_login().revoke_all(),
            Vendor::Salesforce => self.sim.salesforce().revoke_all(),
            Vendor::GitHubApp => self.sim.github_app().revoke_all(),
            Vendor::Google => self.sim.google().revoke_all(),
        }
    }
    fn faults(&self) -> &Faults {
        match self.which {
            Vendor::CrmCom => self.sim.crmcom().faults(),
            Vendor::Currencycloud => self.sim.currencycloud().faults(),
            Vendor::Modulus => self.sim.modulus().faults(),
            Vendor::OneBox => self.sim.onebox().faults(),
            Vendor::CsrfLogin => self.sim.csrf_login().faults(),
            Vendor::Salesforce => self.sim.salesforce().faults(),
            Vendor::GitHubApp => self.sim.github_app().faults(),
            Vendor::Google => self.sim.google().faults(),
        }
    }
}

struct OnMock(MockVendor);

impl Server for OnMock {
    /// Tokens issued: a login, or an OAuth 2.0 refresh (the mock issues a refresh token
    /// with every OAuth 2.0 login, and the session refreshes rather than log in again).
    fn logins(&self) -> u64 {
        self.0.logins() + self.0.refreshes()
    }
    fn logouts(&self) -> u64 {
        self.0.logouts() + self.0.revocations()
    }
    fn advance(&self, by: Duration) {
        self.0.advance(by);
    }
    fn revoke_all(&self) {
        self.0.revoke_all();
    }
    fn faults(&self) -> &Faults {
        self.0.faults()
    }
}

/// The mock of `P`'s description, accepting `good` only.
async fn mock<P: auth_mock::Described>(good: Pairs) -> (String, Box<dyn Server>) {
    let mock = MockVendor::start::<P>().await;
    mock.accept(good.iter().copied())
        .expect("the accepted credentials are well-formed");
    let base = mock.base_url();
    (base, Box::new(OnMock(mock)))
}

const CRMCOM_GOOD: Pairs = &[
    ("organisation", crmcom::ORGANISATION),
    ("username", crmcom::USERNAME),
    ("password", crmcom::PASSWORD),
];
const CRMCOM_WRONG: Pairs = &[
    ("organisation", crmcom::ORGANISATION),
    ("username", crmcom::USERNAME),
    ("password", "wrong"),
];

async fn crmcom(on_mock: bool) -> Served<CrmCom> {
    let (provider, api, server): (CrmCom, String, Box<dyn Server>) = if on_mock {
        let (base, server) = mock::<CrmCom>(CRMCOM_GOOD).await;
        (CrmCom::new(&base), format!("{base}/api/contacts"), server)
    } else {
        let sim = Arc::new(Sim::start().await);
        let server = format!("{}{}", sim.base_url(), crmcom::PREFIX);
        let api = format!("{server}{}", crmcom::CONTACTS_LIST_PATH);
        let which = Vendor::CrmCom;
        (CrmCom::new(&server), api, Box::new(OnSim { sim, which }))
    };
    Served {
        provider,
        good: CRMCOM_GOOD,
        wrong: CRMCOM_WRONG,
        api,
        lifetime: crmcom::DEFAULT_TOKEN_LIFETIME,
        logouts: 1,
        configure: |builder| builder,
        server,
    }
}

const CURRENCYCLOUD_GOOD: Pairs = &[
    ("login_id", currencycloud::LOGIN_ID),
    ("api_key", currencycloud::API_KEY),
];
const CURRENCYCLOUD_WRONG: Pairs = &[
    ("login_id", currencycloud::LOGIN_ID),
    (
        "api_key",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ),
];

async fn currencycloud(on_mock: bool) -> Served<Currencycloud> {
    let (provider, api, server): (Currencycloud, String, Box<dyn Server>) = if on_mock {
        let (base, server) = mock::<Currencycloud>(CURRENCYCLOUD_GOOD).await;
        let provider = Currencycloud::new("https://api.example.invalid").with_base_url(&base);
        (provider, format!("{base}/v2/balances/find"), server)
    } else {
        let sim = Arc::new(Sim::start().await);
        let base = format!("{}{}", sim.base_url(), currencycloud::PREFIX);
        let api = format!("{base}{}", currencycloud::BALANCES_PATH);
        let which = Vendor::Currencycloud;
        (
            Currencycloud::new(&base),
            api,
            Box::new(OnSim { sim, which }),
        )
    };
    Served {
        provider,
        good: CURRENCYCLOUD_GOOD,
        wrong: CURRENCYCLOUD_WRONG,
        api,
        lifetime: currencycloud::DEFAULT_TOKEN_LIFETIME,
        logouts: 1,
        configure: |builder| builder,
        server,
    }
}

const MODULUS_GOOD: Pairs = &[("app", modulus::APP), ("secret", modulus::SECRET)];
const MODULUS_WRONG: Pairs = &[("app", modulus::APP), ("secret", "wrong")];

fn modulus_base(sim: &Sim) -> String {
    format!("{}/modulus/{}", sim.base_url(), modulus::ACCOUNT)
}

async fn modulus(on_mock: bool) -> Served<Modulus> {
    let (base, server): (String, Box<dyn Server>) = if on_mock {
        mock::<Modulus>(MODULUS_GOOD).await
    } else {
        let sim = Arc::new(Sim::start().await);
        let base = modulus_base(&sim);
        let which = Vendor::Modulus;
        (base, Box::new(OnSim { sim, which }))
    };
    Served {
        provider: Modulus::new(modulus::ACCOUNT).with_base_url(&base),
        good: MODULUS_GOOD,
        wrong: MODULUS_WRONG,
        api: format!("{base}{}", modulus::BALANCE_PATH),
        lifetime: modulus::DEFAULT_TOKEN_LIFETIME,
        logouts: 0,
        configure: |builder| builder,
        server,
    }
}

const MODULUS_JWT_GOOD: Pairs = &[
    ("username", modulus::USERNAME),
    ("password", modulus::PASSWORD),
];
const MODULUS_JWT_WRONG: Pairs = &[("username", modulus::USERNAME), ("password", "wrong")];

async fn modulus_jwt(on_mock: bool) -> Served<ModulusJwt> {
    let (base, server): (String, Box<dyn Server>) = if on_mock {
        mock::<ModulusJwt>(MODULUS_JWT_GOOD).await
    } else {
        let sim = Arc::new(Sim::start().await);
        let base = modulus_base(&sim);
        let which = Vendor::Modulus;
        (base, Box::new(OnSim { sim, which }))
    };
    Served {
        provider: ModulusJwt::new(modulus::ACCOUNT).with_base_url(&base),
        good: MODULUS_JWT_GOOD,
        wrong: MODULUS_JWT_WRONG,
        api: format!("{base}{}", modulus::BALANCE_PATH),
        lifetime: modulus::DEFAULT_TOKEN_LIFETIME,
        logouts: 0,
        configure: |builder| builder,
        server,
    }
}

const ONEBOX_GOOD: Pairs = &[
    ("email", onebox::EMAIL),
    ("password", onebox::PASSWORD),
    ("site_id", onebox::SITE_ID),
];
const ONEBOX_WRONG: Pairs = &[
    ("email", onebox::EMAIL),
    ("password", "wrong"),
    ("site_id", onebox::SITE_ID),
];

async fn onebox(on_mock: bool) -> Served<OneBox> {
    let (base, server): (String, Box<dyn Server>) = if on_mock {
        mock::<OneBox>(ONEBOX_GOOD).await
    } else {
        let sim = Arc::new(Sim::start().await);
        let base = format!("{}{}", sim.base_url(), onebox::PREFIX);
        let which = Vendor::OneBox;
        (base, Box::new(OnSim { sim, which }))
    };
    Served {
        provider: OneBox::new(&base),
        good: ONEBOX_GOOD,
        wrong: ONEBOX_WRONG,
        api: format!("{base}{}", onebox::LIST_PATH),
        lifetime: onebox::DEFAULT_TOKEN_LIFETIME,
        logouts: 0,
        configure: |builder| builder,
        server,
    }
}

const CSRF_LOGIN_GOOD: Pairs = &[
    ("username", csrf_login::USER),
    ("password", csrf_login::PASSWORD),
];
const CSRF_LOGIN_WRONG: Pairs = &[("username", csrf_login::USER), ("password", "wrong")];

async fn csrf_web_login(on_mock: bool) -> Served<CsrfLogin> {
    let (base, server): (String, Box<dyn Server>) = if on_mock {
        let mock = MockVendor::start::<CsrfLogin>().await;
        mock.accept(CSRF_LOGIN_GOOD.iter().copied())
            .expect("the accepted credentials are well-formed");
        // The login states no lifetime: the mock's sessions last as the vendor's do.
        mock.set_token_lifetime(csrf_login::DEFAULT_TOKEN_LIFETIME);
        (mock.base_url(), Box::new(OnMock(mock)))
    } else {
        let sim = Arc::new(Sim::start().await);
        let base = format!("{}{}", sim.base_url(), csrf_login::PREFIX);
        let which = Vendor::CsrfLogin;
        (base, Box::new(OnSim { sim, which }))
    };
    Served {
        provider: CsrfLogin::new(&base),
        good: CSRF_LOGIN_GOOD,
        wrong: CSRF_LOGIN_WRONG,
        api: format!("{base}{}", csrf_login::ACCOUNTS_PATH),
        lifetime: csrf_login::DEFAULT_TOKEN_LIFETIME,
        logouts: 1,
        configure: |builder| builder,
        server,
    }
}

const SALESFORCE_GOOD: Pairs = &[
    ("client_id", salesforce::CONSUMER_KEY),
    ("client_secret", salesforce::CONSUMER_SECRET),
    ("username", salesforce::USERNAME),
    ("password", salesforce::PASSWORD),
    ("security_token", salesforce::SECURITY_TOKEN),
];
const SALESFORCE_WRONG: Pairs = &[
    ("client_id", salesforce::CONSUMER_KEY),
    ("client_secret", salesforce::CONSUMER_SECRET),
    ("username", salesforce::USERNAME),
    ("password", "wrong"),
    ("security_token", salesforce::SECURITY_TOKEN),
];

/// Salesforce, either flow: the API is on the instance the login names, which the test
/// servers put on 127.0.0.1 (an API host only for these sessions).
/// `mock_logouts`: the revocations a logout makes on the mock (2 where it issues a
/// refresh token with the access token, 1 for the JWT bearer flow, which gets none).
async fn salesforce_flow<P: Provider + auth_mock::Described>(
    on_mock: bool,
    good: Pairs,
    wrong: Pairs,
    provider: fn(String) -> P,
    mock_logouts: u64,
) -> Served<P> {
    let (login, api, server, logouts): (String, String, Box<dyn Server>, u64) = if on_mock {
        let mock = MockVendor::start::<P>().await;
        mock.accept(good.iter().copied())
            .expect("the accepted credentials are well-formed");
        // The answer states no lifetime: the mock's sessions last as Salesforce's do.
        mock.set_token_lifetime(salesforce::DEFAULT_TOKEN_LIFETIME);
        let base = mock.base_url();
        let server: Box<dyn Server> = Box::new(OnMock(mock));
        let api = format!("{base}{}", salesforce::LIMITS_PATH);
        (base, api, server, mock_logouts)
    } else {
        let sim = Arc::new(Sim::start().await);
        let login = format!("{}{}", sim.base_url(), salesforce::PREFIX);
        let api = format!(
            "{}{}",
            sim.salesforce().instance_url(0),
            salesforce::LIMITS_PATH
        );
        let which = Vendor::Salesforce;
        (login, api, Box::new(OnSim { sim, which }), 1)
    };
    Served {
        provider: provider(login),
        good,
        wrong,
        api,
        lifetime: salesforce::DEFAULT_TOKEN_LIFETIME,
        logouts,
        configure: |builder| builder.api_hosts(["127.0.0.1"]),
        server,
    }
}

/// Salesforce's username-password flow.
async fn salesforce(on_mock: bool) -> Served<Salesforce> {
    // The mock issues a refresh token with the password flow's token: revoked too.
    salesforce_flow(
        on_mock,
        SALESFORCE_GOOD,
        SALESFORCE_WRONG,
        Salesforce::new,
        2,
    )
    .await
}

/// The GitHub App's installation, by its client ID and its key; the wrong key is
/// another service's.
const GITHUB_APP_GOOD: Pairs = &[
    ("client_id", github_app::CLIENT_ID),
    ("installation_id", "4242"),
    ("private_key", github_app::PRIVATE_KEY_PEM),
];
const GITHUB_APP_WRONG: Pairs = &[
    ("client_id", github_app::CLIENT_ID),
    ("installation_id", "4242"),
    ("private_key", google::PRIVATE_KEY_PEM),
];

/// A GitHub App: every login signs a new JWT, which the mock verifies with the
/// public half of the accepted key.
async fn github_app_installation(on_mock: bool) -> Served<GitHubApp> {
    let (base, api, server): (String, String, Box<dyn Server>) = if on_mock {
        let mock = MockVendor::start::<GitHubApp>().await;
        mock.accept(GITHUB_APP_GOOD.iter().copied())
            .expect("the accepted credentials are well-formed");
        mock.set_token_lifetime(github_app::DEFAULT_TOKEN_LIFETIME);
        let base = mock.base_url();
        let api = format!("{base}/installation/repositories");
        (base, api, Box::new(OnMock(mock)))
    } else {
        let sim = Arc::new(Sim::start().await);
        let base = format!("{}{}", sim.base_url(), github_app::PREFIX);
        let api = format!("{base}{}", github_app::REPOSITORIES_PATH);
        let which = Vendor::GitHubApp;
        (base, api, Box::new(OnSim { sim, which }))
    };
    Served {
        provider: GitHubApp::new(&base),
        good: GITHUB_APP_GOOD,
        wrong: GITHUB_APP_WRONG,
        api,
        lifetime: github_app::DEFAULT_TOKEN_LIFETIME,
        logouts: 1,
        configure: |builder| builder,
        server,
    }
}

/// A Google service account, as its key file gives it (the `aud` Google's own token
/// URI, which the simulator takes too); the wrong key is another service's.
const GOOGLE_GOOD: Pairs = &[
    ("client_email", google::CLIENT_EMAIL),
    ("private_key", google::PRIVATE_KEY_PEM),
    ("private_key_id", google::PRIVATE_KEY_ID),
    ("token_uri", google::GOOGLE_TOKEN_URI),
    ("scope", google::SCOPE),
];
const GOOGLE_WRONG: Pairs = &[
    ("client_email", google::CLIENT_EMAIL),
    ("private_key", github_app::PRIVATE_KEY_PEM),
    ("private_key_id", google::PRIVATE_KEY_ID),
    ("token_uri", google::GOOGLE_TOKEN_URI),
    ("scope", google::SCOPE),
];

/// Google: the JWT-bearer grant, a new assertion on every login.
async fn google_service_account(on_mock: bool) -> Served<Google> {
    let (base, api, server, logouts): (String, String, Box<dyn Server>, u64) = if on_mock {
        let mock = MockVendor::start::<Google>().await;
        mock.accept(GOOGLE_GOOD.iter().copied())
            .expect("the accepted credentials are well-formed");
        mock.set_token_lifetime(google::DEFAULT_TOKEN_LIFETIME);
        let base = mock.base_url();
        let server: Box<dyn Server> = Box::new(OnMock(mock));
        let api = format!("{base}{}", google::BUCKETS_PATH);
        // No refresh token for an assertion grant: the access token alone is revoked.
        (base, api, server, 1)
    } else {
        let sim = Arc::new(Sim::start().await);
        let base = format!("{}{}", sim.base_url(), google::PREFIX);
        let api = format!("{base}{}", google::BUCKETS_PATH);
        let which = Vendor::Google;
        (base, api, Box::new(OnSim { sim, which }), 1)
    };
    Served {
        provider: Google::new(&base),
        good: GOOGLE_GOOD,
        wrong: GOOGLE_WRONG,
        api,
        lifetime: google::DEFAULT_TOKEN_LIFETIME,
        logouts,
        configure: |builder| builder,
        server,
    }
}

#[tokio::test]
async fn github_app_on_the_simulator() {
    suite("GitHub App on auth-sim", || github_app_installation(false)).await;
}

#[tokio::test]
async fn github_app_on_its_mock() {
    suite("GitHub App on its mock", || github_app_installation(true)).await;
}

#[tokio::test]
async fn google_on_the_simulator() {
    suite("Google on auth-sim", || google_service_account(false)).await;
}

#[tokio::test]
async fn google_on_its_mock() {
    suite("Google on its mock", || google_service_account(true)).await;
}

const SALESFORCE_JWT_GOOD: Pairs = &[
    ("client_id", salesforce::CONSUMER_KEY),
    ("username", salesforce::USERNAME),
    ("audience", "https://login.salesforce.com"),
    ("private_key", salesforce::PRIVATE_KEY_PEM),
];
const SALESFORCE_JWT_WRONG: Pairs = &[
    ("client_id", salesforce::CONSUMER_KEY),
    ("username", salesforce::USERNAME),
    ("audience", "https://login.salesforce.com"),
    ("private_key", github_app::PRIVATE_KEY_PEM),
];

/// Salesforce's JWT bearer flow: a new assertion on every login.
async fn salesforce_jwt(on_mock: bool) -> Served<SalesforceJwt> {
    salesforce_flow(
        on_mock,
        SALESFORCE_JWT_GOOD,
        SALESFORCE_JWT_WRONG,
        SalesforceJwt::new,
        1,
    )
    .await
}

#[tokio::test]
async fn salesforce_jwt_on_the_simulator() {
    suite("Salesforce (JWT) on auth-sim", || salesforce_jwt(false)).await;
}

#[tokio::test]
async fn salesforce_jwt_on_its_mock() {
    suite("Salesforce (JWT) on its mock", || salesforce_jwt(true)).await;
}

#[tokio::test]
async fn salesforce_on_the_simulator() {
    suite("Salesforce on auth-sim", || salesforce(false)).await;
}

#[tokio::test]
async fn salesforce_on_its_mock() {
    suite("Salesforce on its mock", || salesforce(true)).await;
}

#[tokio::test]
async fn csrf_web_login_on_the_simulator() {
    suite("CSRF web login on auth-sim", || csrf_web_login(false)).await;
}

#[tokio::test]
async fn csrf_web_login_on_its_mock() {
    suite("CSRF web login on its mock", || csrf_web_login(true)).await;
}

#[tokio::test]
async fn crmcom_on_the_simulator() {
    suite("CRM.COM on auth-sim", || crmcom(false)).await;
}

#[tokio::test]
async fn crmcom_on_its_mock() {
    suite("CRM.COM on its mock", || crmcom(true)).await;
}

#[tokio::test]
async fn currencycloud_on_the_simulator() {
    suite("Currencycloud on auth-sim", || currencycloud(false)).await;
}

#[tokio::test]
async fn currencycloud_on_its_mock() {
    suite("Currencycloud on its mock", || currencycloud(true)).await;
}

#[tokio::test]
async fn modulus_on_the_simulator() {
    suite("Modulus on auth-sim", || modulus(false)).await;
}

#[tokio::test]
async fn modulus_on_its_mock() {
    suite("Modulus on its mock", || modulus(true)).await;
}

#[tokio::test]
async fn modulus_jwt_on_the_simulator() {
    suite("Modulus (JWT) on auth-sim", || modulus_jwt(false)).await;
}

#[tokio::test]
async fn modulus_jwt_on_its_mock() {
    suite("Modulus (JWT) on its mock", || modulus_jwt(true)).await;
}

#[tokio::test]
async fn onebox_on_the_simulator() {
    suite("OneBox on auth-sim", || onebox(false)).await;
}

#[tokio::test]
async fn onebox_on_its_mock() {
    suite("OneBox on its mock", || onebox(true)).await;
}
