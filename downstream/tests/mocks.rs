//! The vendors this crate describes, each tested against the mock vendor `auth-mock`
//! serves from its own description: what a user of authgen does for a vendor nobody
//! simulates for them. One scenario list, every vendor: two calls and one login, the
//! documented refusal of wrong credentials, a rejected token answered by one re-login
//! and replay, expiry on the test's clock (a refresh for OAuth 2.0), keep-alive and
//! logout where described.

use std::time::Duration;

use auth_mock::{Described, MockVendor};
use auth_runtime::{Clock, DynamicCredentials, Provider, Session};
use authgen_downstream::{
    ClientCredentials, CookieJar, HeaderToken, PasswordGrant, Plainly, RevokingClientCredentials,
    RevokingPasswordGrant, Vaultly,
};
use reqwest::Method;

type Pairs<'a> = &'a [(&'a str, &'a str)];

/// A vendor to run the scenarios on.
struct Case<'a, P> {
    name: &'a str,
    provider: fn(&str) -> P,
    good: Pairs<'a>,
    wrong: Pairs<'a>,
    /// A lifetime the mock gives its tokens, when the description leaves it open.
    lifetime: Option<Duration>,
    /// Whether the description documents the refusal of wrong credentials.
    documents_refusal: bool,
}

async fn start<P: Described>(case: &Case<'_, P>) -> MockVendor {
    let mock = MockVendor::start::<P>().await;
    mock.accept(case.good.iter().copied()).expect("well-formed");
    if let Some(lifetime) = case.lifetime {
        mock.set_token_lifetime(lifetime);
    }
    mock
}

fn session_on<P>(case: &Case<'_, P>, mock: &MockVendor, pairs: Pairs<'_>) -> (Session<P>, Clock)
where
    P: Provider,
    P::Credentials: DynamicCredentials,
{
    let credentials = P::Credentials::from_pairs(pairs.iter().copied()).expect("credentials");
    let clock = Clock::manual();
    let session = Session::builder((case.provider)(&mock.base_url()), credentials)
        .clock(clock.clone())
        .build()
        .expect("session");
    (session, clock)
}

async fn call<P: Provider>(session: &Session<P>, mock: &MockVendor) -> u16 {
    let url = mock.url("/api/things");
    session
        .send(session.request(Method::GET, url))
        .await
        .expect("sent")
        .status()
        .as_u16()
}

async fn scenarios<P>(case: Case<'_, P>)
where
    P: Provider + Described,
    P::Credentials: DynamicCredentials,
{
    let name = case.name;

    let mock = start(&case).await;
    let (session, _) = session_on(&case, &mock, case.good);
    assert_eq!(call(&session, &mock).await, 200, "{name}: first call");
    assert_eq!(call(&session, &mock).await, 200, "{name}: second call");
    assert_eq!(mock.logins(), 1, "{name}: one login for two calls");

    let mock = start(&case).await;
    let (session, _) = session_on(&case, &mock, case.wrong);
    let mut error = session.token().await.expect_err("wrong credentials");
    assert_eq!(mock.logins(), 0, "{name}: no token for wrong credentials");
    assert_eq!(
        P::runtime_error(&mut error).is_none(),
        case.documents_refusal,
        "{name}: the refusal {error:?}"
    );

    let mock = start(&case).await;
    let (session, _) = session_on(&case, &mock, case.good);
    assert_eq!(call(&session, &mock).await, 200);
    mock.revoke_all();
    assert_eq!(call(&session, &mock).await, 200, "{name}: replayed");
    assert_eq!(mock.rejected(), 1, "{name}: one rejection");
    assert_eq!(mock.logins(), 2, "{name}: one re-login");

    let mock = start(&case).await;
    let lifetime = match P::DESCRIPTION.expiry.lifetime {
        auth_runtime::Lifetime::Absolute(d) | auth_runtime::Lifetime::Idle(d) => Some(d),
        _ => case.lifetime,
    };
    if let Some(lifetime) = lifetime {
        let (session, clock) = session_on(&case, &mock, case.good);
        assert_eq!(call(&session, &mock).await, 200);
        let past = lifetime + Duration::from_secs(1);
        clock.advance(past);
        mock.advance(past);
        assert_eq!(call(&session, &mock).await, 200, "{name}: after expiry");
        assert_eq!(mock.rejected(), 0, "{name}: replaced before it expired");
        let replaced = mock.logins() + mock.refreshes();
        assert_eq!(replaced, 2, "{name}: one replacement per lifetime");
        if P::DESCRIPTION.oauth2.is_some() {
            assert_eq!(
                mock.refreshes(),
                1,
                "{name}: an OAuth 2.0 token is refreshed"
            );
        }
    }

    let mock = start(&case).await;
    let (session, _) = session_on(&case, &mock, case.good);
    session.token().await.expect("login");
    if P::DESCRIPTION.keepalive.is_some() {
        session.keep_alive().await.expect("keep-alive");
        assert_eq!(mock.keepalives(), 1, "{name}: keep-alive");
    }
    session.logout().await.expect("logout");
    let retired = mock.logouts() + mock.revocations();
    let described = P::DESCRIPTION.logout.is_some()
        || P::DESCRIPTION.oauth2.is_some_and(|o| o.revoke.is_some());
    assert_eq!(
        retired > 0,
        described,
        "{name}: the logout reaches the vendor"
    );
    if described {
        assert_eq!(mock.active_tokens(), 0, "{name}: the token is retired");
    }
}

#[tokio::test]
async fn vaultly_against_its_mock() {
    scenarios(Case {
        name: "Vaultly",
        provider: |base| Vaultly::new(base),
        good: &[("user", "ada"), ("password", "v4ult-pass")],
        wrong: &[("user", "ada"), ("password", "wrong")],
        lifetime: None,
        documents_refusal: true,
    })
    .await;
}

#[tokio::test]
async fn plainly_against_its_mock() {
    scenarios(Case {
        name: "Plainly",
        provider: |base| Plainly::new(base),
        good: &[("username", "ada"), ("password", "pl4in")],
        wrong: &[("username", "ada"), ("password", "wrong")],
        lifetime: None,
        // Plainly documents no failure: a refusal is the shared unexpected status.
        documents_refusal: false,
    })
    .await;
}

#[tokio::test]
async fn cookie_jar_against_its_mock() {
    scenarios(Case {
        name: "CookieJar",
        provider: |base| CookieJar::new(base),
        good: &[("user", "ada"), ("password", "c00kie")],
        wrong: &[("user", "ada"), ("password", "wrong")],
        lifetime: None,
        documents_refusal: true,
    })
    .await;
}

#[tokio::test]
async fn header_token_against_its_mock() {
    scenarios(Case {
        name: "HeaderToken",
        provider: |base| HeaderToken::new(base),
        good: &[("user", "operator"), ("password", "h3ader")],
        wrong: &[("user", "operator"), ("password", "wrong")],
        lifetime: Some(Duration::from_secs(3600)),
        documents_refusal: true,
    })
    .await;
}

#[tokio::test]
async fn oauth2_grants_against_their_mocks() {
    let owner = [
        ("client_id", "app"),
        ("client_secret", "app-s3cret"),
        ("username", "owner"),
        ("password", "0wner"),
    ];
    let wrong_owner = [
        ("client_id", "app"),
        ("client_secret", "app-s3cret"),
        ("username", "owner"),
        ("password", "wrong"),
    ];
    let client = [("client_id", "app"), ("client_secret", "app-s3cret")];
    let wrong_client = [("client_id", "app"), ("client_secret", "wrong")];
    let lifetime = Some(Duration::from_secs(600));
    scenarios(Case {
        name: "password grant",
        provider: |base| PasswordGrant::new(base),
        good: &owner,
        wrong: &wrong_owner,
        lifetime,
        documents_refusal: true,
    })
    .await;
    scenarios(Case {
        name: "client credentials",
        provider: |base| ClientCredentials::new(base),
        good: &client,
        wrong: &wrong_client,
        lifetime,
        documents_refusal: true,
    })
    .await;
    scenarios(Case {
        name: "revoking password grant",
        provider: |base| RevokingPasswordGrant::new(base),
        good: &owner,
        wrong: &wrong_owner,
        lifetime,
        documents_refusal: true,
    })
    .await;
    scenarios(Case {
        name: "revoking client credentials",
        provider: |base| RevokingClientCredentials::new(base),
        good: &client,
        wrong: &wrong_client,
        lifetime,
        documents_refusal: true,
    })
    .await;
}
