//! A login whose answer names the API's base (Salesforce's `instance_url`), against
//! `auth_sim::salesforce`: the token goes to the named base only when its host is one of
//! the API hosts, `Session::api` requests land on the base of the token they carry
//! (through `send` and the tower layer alike), and a re-login that names another base
//! moves them.

use std::sync::Arc;

use auth_runtime::{AuthLayer, Error, Session, SessionBuilder, SessionClient, auth_provider};
use auth_sim::{Sim, salesforce};
use reqwest::Method;
use tower::{Layer as _, ServiceExt as _};

/// Salesforce's username-password flow; the answer's `instance_url` is the API's base.
#[auth_provider(
    vendor = "Salesforce",
    base = "{login}",
    login(path = "/services/oauth2/token"),
    oauth2(grant = "password"),
    api_base(path = "instance_url", hosts = ["*.my.salesforce.com", "*.salesforce.com"]),
)]
pub struct Salesforce {
    /// The connected app's consumer key.
    client_id: String,
    /// The connected app's consumer secret.
    #[auth(secret)]
    client_secret: String,
    /// The user.
    username: String,
    /// The user's password, the security token appended.
    password: String,
}

fn builder(sim: &Sim) -> SessionBuilder<Salesforce> {
    let login = format!("{}{}", sim.base_url(), salesforce::PREFIX);
    let password = format!("{}{}", salesforce::PASSWORD, salesforce::SECURITY_TOKEN);
    let credentials = Salesforce::credentials()
        .client_id(salesforce::CONSUMER_KEY)
        .client_secret(salesforce::CONSUMER_SECRET)
        .username(salesforce::USERNAME)
        .password(password)
        .build();
    Session::builder(Salesforce::new(login), credentials)
}

/// A session that takes the simulator's instances (on 127.0.0.1) as API hosts.
fn session(sim: &Sim) -> Session<Salesforce> {
    builder(sim)
        .api_hosts(["127.0.0.1"])
        .build()
        .expect("session")
}

async fn limits(session: &Session<Salesforce>) -> Result<u16, SalesforceError> {
    let response = session
        .send(session.api(Method::GET, salesforce::LIMITS_PATH))
        .await?;
    Ok(response.status().as_u16())
}

#[tokio::test]
async fn a_relative_request_goes_to_the_instance_the_login_named() {
    let sim = Sim::start().await;
    let session = session(&sim);
    assert_eq!(limits(&session).await.expect("sent"), 200);
    assert_eq!(limits(&session).await.expect("sent"), 200);
    let vendor = sim.salesforce();
    assert_eq!((vendor.logins(), vendor.instance_calls(0)), (1, 2));
    let token = session.token().await.expect("token");
    assert_eq!(
        token.api_base().map(url::Url::as_str),
        Some(format!("{}/", vendor.instance_url(0)).as_str())
    );
}

#[tokio::test]
async fn a_base_on_no_api_host_is_a_login_failure_and_the_token_goes_nowhere() {
    let sim = Sim::start().await;
    // Only the vendor's own hosts: the simulator's instance on 127.0.0.1 is not one.
    let session = builder(&sim).build().expect("session");
    let error = limits(&session).await.expect_err("refused");
    let SalesforceError::Runtime(Error::ApiBase { reason, .. }) = &error else {
        panic!("{error:?}");
    };
    assert!(reason.contains("`127.0.0.1`"), "{reason}");
    assert!(reason.contains("*.my.salesforce.com"), "{reason}");
    assert!(session.cached_token().is_none(), "the token was not kept");
    assert_eq!(
        sim.salesforce().instance_calls(0),
        0,
        "nothing reached the base"
    );
    assert!(!error.to_string().contains("00D"), "{error}");
}

#[tokio::test]
async fn a_re_login_that_names_another_base_moves_the_replay_and_later_calls() {
    let sim = Sim::start().await;
    let session = session(&sim);
    assert_eq!(limits(&session).await.expect("sent"), 200);
    // The org moves: its sessions end, and the next login names the other instance.
    sim.salesforce().move_org(1);
    assert_eq!(limits(&session).await.expect("replayed"), 200);
    assert_eq!(limits(&session).await.expect("sent"), 200);
    let vendor = sim.salesforce();
    assert_eq!(vendor.logins(), 2, "one re-login on the rejection");
    assert_eq!(
        (vendor.instance_calls(0), vendor.instance_calls(1)),
        (2, 2),
        "the rejected call went to the old instance, its replay and the next to the new"
    );
}

#[tokio::test]
async fn an_absolute_url_takes_the_token_only_to_the_current_base() {
    let sim = Sim::start().await;
    let session = session(&sim);
    let vendor = sim.salesforce();
    let on_base = format!("{}{}", vendor.instance_url(0), salesforce::LIMITS_PATH);
    let response = session.send(session.get(&on_base)).await.expect("sent");
    assert_eq!(response.status(), 200);
    // The other instance is on an API host too, but it is not the base this token's
    // login named.
    let elsewhere = format!("{}{}", vendor.instance_url(1), salesforce::LIMITS_PATH);
    let error = session
        .send(session.get(&elsewhere))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            error,
            SalesforceError::Runtime(Error::OriginNotAllowed { .. })
        ),
        "{error:?}"
    );
    assert_eq!(vendor.instance_calls(1), 0, "nothing was sent there");
    // Plain http off loopback is refused before any login.
    let fresh = self::session(&sim);
    assert!(
        fresh
            .send(fresh.get("http://acme.my.salesforce.com/x"))
            .await
            .is_err()
    );
    assert_eq!(vendor.logins(), 1);
}

#[tokio::test]
async fn the_tower_layer_puts_a_relative_request_on_the_base_too() {
    let sim = Sim::start().await;
    let session = session(&sim);
    let service = AuthLayer::new(session.clone()).layer(SessionClient::new(&session));
    let request = http::Request::get(format!(
        "https://api-base.invalid{}",
        salesforce::LIMITS_PATH
    ))
    .body(String::new())
    .expect("request");
    let response = service.oneshot(request).await.expect("sent");
    assert_eq!(response.status(), 200);
    // The placeholder host never resolves: a 200 came from the instance.
}

/// A vendor whose login names no API base: `Session::api` has nowhere to go.
#[auth_provider(
    vendor = "Plain",
    base = "{server}",
    login(path = "/login"),
    token = "token",
    apply(bearer)
)]
pub struct Plain {
    user: String,
    password: String,
}

#[tokio::test]
async fn a_relative_request_for_a_vendor_without_an_api_base_is_refused_before_any_login() {
    let credentials = Plain::credentials().user("u").password("p").build();
    let session = Session::new(Plain::new("http://127.0.0.1:9"), credentials).expect("session");
    let error = session
        .send(session.api(Method::GET, "/x"))
        .await
        .expect_err("refused");
    let PlainError::Runtime(Error::InvalidRequest { reason, .. }) = &error else {
        panic!("{error:?}");
    };
    assert!(reason.contains("names none"), "{reason}");
}

#[test]
fn the_session_refuses_an_api_host_that_is_not_a_pattern() {
    let sim_free = Salesforce::new("https://login.salesforce.com");
    let credentials = Salesforce::credentials()
        .client_id("c")
        .client_secret("s")
        .username("u")
        .password("p")
        .build();
    let error = Session::builder(sim_free, credentials)
        .api_hosts(["https://*.example.com"])
        .build()
        .expect_err("refused");
    assert!(
        error.to_string().contains("not an API host pattern"),
        "{error}"
    );
}

#[tokio::test]
async fn a_session_sharing_the_store_sends_its_calls_to_the_base_the_login_named() {
    use auth_runtime::{MemoryStore, StoreSecret};
    let sim = Sim::start().await;
    let store = Arc::new(MemoryStore::new());
    let secret = || StoreSecret::from_bytes([9; 32]);
    let replica = || {
        builder(&sim)
            .api_hosts(["127.0.0.1"])
            .store(Arc::clone(&store), secret())
            .build()
            .expect("session")
    };
    let first = replica();
    assert_eq!(limits(&first).await.expect("sent"), 200);
    let second = replica();
    assert_eq!(limits(&second).await.expect("sent"), 200);
    let vendor = sim.salesforce();
    assert_eq!(
        vendor.logins(),
        1,
        "the second session took the stored token"
    );
    assert_eq!(vendor.instance_calls(0), 2);
}

#[tokio::test]
async fn a_stored_base_off_the_api_hosts_is_not_taken() {
    use auth_runtime::MemoryStore;
    let sim = Sim::start().await;
    let store = Arc::new(MemoryStore::new());
    // The first session takes the simulator's instances as API hosts and shares its
    // token; the second does not, so it logs in itself, and its own login's base is
    // refused too: nothing reaches the instance on its behalf.
    let first = builder(&sim)
        .api_hosts(["127.0.0.1"])
        .store_plaintext(Arc::clone(&store))
        .build()
        .expect("session");
    assert_eq!(limits(&first).await.expect("sent"), 200);
    let strict = builder(&sim)
        .store_plaintext(Arc::clone(&store))
        .build()
        .expect("session");
    let error = limits(&strict).await.expect_err("refused");
    assert!(
        matches!(error, SalesforceError::Runtime(Error::ApiBase { .. })),
        "{error:?}"
    );
    assert_eq!(sim.salesforce().instance_calls(0), 1);
}

#[tokio::test]
async fn the_mock_names_itself_as_the_api_base_and_serves_the_calls() {
    let mock = auth_mock::MockVendor::start::<Salesforce>().await;
    let credentials = Salesforce::credentials()
        .client_id("app")
        .client_secret("s3cret")
        .username("user")
        .password("pa55")
        .build();
    let session = Session::builder(Salesforce::new(mock.base_url()), credentials)
        .api_hosts(["127.0.0.1"])
        .build()
        .expect("session");
    let response = session
        .send(session.api(Method::GET, "/services/data/v60.0/limits"))
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!((mock.logins(), mock.api_calls()), (1, 1));
    let token = session.token().await.expect("token");
    assert_eq!(
        token.api_base().map(url::Url::as_str),
        Some(format!("{}/", mock.base_url()).as_str())
    );
}

#[tokio::test]
async fn the_middleware_puts_a_relative_request_on_the_base_too() {
    let sim = Sim::start().await;
    let session = session(&sim);
    let client = auth_runtime::AuthMiddleware::client_builder(session.clone()).build();
    let placeholder = format!("https://api-base.invalid{}", salesforce::LIMITS_PATH);
    let response = client.get(&placeholder).send().await.expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(sim.salesforce().instance_calls(0), 1);
    // The placeholder on a plain client goes nowhere: its host never resolves.
    assert!(reqwest::get(&placeholder).await.is_err());
}
