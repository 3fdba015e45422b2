//! DPoP (RFC 9449) end to end against auth-sim's OAuth 2.0 server, which binds tokens
//! to the client's key and checks every proof: the token request, the protected call on
//! `Session::send`, `AuthMiddleware` and `AuthLayer`, the refresh, the revocation and
//! the background refresh each carry a good proof; a leaked token replayed without the
//! key, or with another key's proof, is refused; server nonces are answered by one
//! retry; a server that does not bind the token fails the login.

use std::sync::Arc;
use std::time::Duration;

use auth_runtime::{
    AuthLayer, AuthMiddleware, DpopKey, Error, MemoryStore, Session, SessionClient, auth_provider,
};
use auth_sim::{Sim, oauth2};
use authgen_tests::{advance, on_manual_clock};
use reqwest::Method;
use tower::{Layer as _, ServiceExt as _};

/// auth-sim's OAuth 2.0 server, its tokens bound to the session's key.
#[auth_provider(
    vendor = "Bound",
    base = "{host}",
    login(path = "/token"),
    oauth2(grant = "password", revoke = "/revoke", dpop)
)]
pub struct Bound {
    client_id: String,
    #[auth(secret)]
    client_secret: String,
    username: String,
    #[auth(secret)]
    password: String,
}

fn credentials() -> BoundCredentials {
    Bound::credentials()
        .client_id(oauth2::CLIENT_ID)
        .client_secret(oauth2::CLIENT_SECRET)
        .username(oauth2::USERNAME)
        .password(oauth2::PASSWORD)
        .build()
}

async fn bound_server() -> (Sim, String) {
    let sim = Sim::start().await;
    sim.oauth2().set_dpop(true);
    let host = format!("{}{}", sim.base_url(), oauth2::PREFIX);
    (sim, host)
}

fn me(host: &str) -> String {
    format!("{host}{}", oauth2::ME_PATH)
}

#[tokio::test]
async fn every_path_carries_a_proof_and_the_token_is_bound_to_the_sessions_key() {
    let (sim, host) = bound_server().await;
    let session = Session::new(Bound::new(&host), credentials()).expect("session");
    // Session::send, twenty callers: one login, every call proven.
    let session = Arc::new(session);
    let calls = (0..20).map(|_| {
        let (session, url) = (session.clone(), me(&host));
        tokio::spawn(async move { session.send(session.request(Method::GET, &url)).await })
    });
    for call in futures::future::join_all(calls).await {
        assert_eq!(call.expect("joined").expect("sent").status(), 200);
    }
    assert_eq!(sim.oauth2().logins(), 1);
    let thumbprint = session.dpop_thumbprint().expect("a key").to_owned();
    assert_eq!(
        sim.oauth2().bound_thumbprints(),
        std::slice::from_ref(&thumbprint)
    );

    // The middleware and the tower layer.
    let client = AuthMiddleware::client_builder(session.as_ref().clone()).build();
    assert_eq!(
        client.get(me(&host)).send().await.expect("sent").status(),
        200
    );
    let service = AuthLayer::new(session.as_ref().clone()).layer(SessionClient::new(&session));
    let request = http::Request::get(me(&host))
        .body(String::new())
        .expect("request");
    assert_eq!(service.oneshot(request).await.expect("sent").status(), 200);

    // The revocation: the refresh token, then the access token, each proven.
    session.logout().await.expect("revoked");
    let proofs = sim.oauth2().dpop_proofs();
    assert_eq!(proofs.iter().filter(|p| **p == "token").count(), 1);
    assert_eq!(proofs.iter().filter(|p| **p == "me").count(), 22);
    assert_eq!(proofs.iter().filter(|p| **p == "revoke").count(), 2);
    assert!(
        sim.oauth2().dpop_refusals().is_empty(),
        "{:?}",
        sim.oauth2().dpop_refusals()
    );
}

#[tokio::test]
async fn a_leaked_token_is_useless_without_the_key() {
    let (sim, host) = bound_server().await;
    let session = Session::new(Bound::new(&host), credentials()).expect("session");
    let token = session
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    let client = reqwest::Client::new();
    // As a bearer token.
    let status = client
        .get(me(&host))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 401);
    // As a DPoP token without a proof.
    let status = client
        .get(me(&host))
        .header("Authorization", format!("DPoP {token}"))
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 401);
    // With a good proof by another key: every claim right, the signature the thief's.
    let url = me(&host);
    let status = client
        .get(&url)
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", proof_by_another_key(&url, &token))
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 401, "another key's proof");
    assert_eq!(sim.oauth2().rejected_api_calls(), 3);
    // The session itself still gets in.
    let response = session.send(session.request(Method::GET, &url)).await;
    assert_eq!(response.expect("sent").status(), 200);
}

/// A DPoP proof for `GET url` carrying `token`, signed by a key of the thief's own.
fn proof_by_another_key(url: &str, token: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::jwk::{
        AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
        EllipticCurveKeyType, Jwk,
    };
    use sha2::Digest as _;
    let pair = rcgen::KeyPair::generate().expect("a P-256 key");
    let point = pair.public_key_raw();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.typ = Some("dpop+jwt".to_owned());
    header.jwk = Some(Jwk {
        common: CommonParameters::default(),
        algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
            key_type: EllipticCurveKeyType::EC,
            curve: EllipticCurve::P256,
            x: URL_SAFE_NO_PAD.encode(&point[1..33]),
            y: URL_SAFE_NO_PAD.encode(&point[33..65]),
        }),
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("now")
        .as_secs();
    let claims = serde_json::json!({
        "jti": "thief-1", "htm": "GET", "htu": url, "iat": now,
        "ath": URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token.as_bytes())),
    });
    let key = jsonwebtoken::EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes())
        .expect("the thief's key");
    jsonwebtoken::encode(&header, &claims, &key).expect("signed")
}

#[tokio::test]
async fn the_refresh_and_the_background_refresh_carry_proofs() {
    let (sim, host) = bound_server().await;
    let (session, clock) = on_manual_clock(Session::builder(Bound::new(&host), credentials()));
    assert_eq!(
        session
            .send(session.request(Method::GET, me(&host)))
            .await
            .expect("sent")
            .status(),
        200
    );
    advance(
        &sim,
        &clock,
        oauth2::DEFAULT_TOKEN_LIFETIME + Duration::from_secs(1),
    );
    assert_eq!(
        session
            .send(session.request(Method::GET, me(&host)))
            .await
            .expect("sent")
            .status(),
        200
    );
    assert_eq!(sim.oauth2().logins(), 1);
    assert_eq!(sim.oauth2().refreshes(), 1, "refreshed, with a proof");
    assert_eq!(
        sim.oauth2()
            .dpop_proofs()
            .iter()
            .filter(|p| **p == "token")
            .count(),
        2
    );

    // Refreshed in the background before the token is due: proven too.
    let (sim, host) = bound_server().await;
    sim.oauth2().set_token_lifetime(Duration::from_secs(2));
    let session = Session::builder(Bound::new(&host), credentials())
        .background_refresh(true)
        .build()
        .expect("session");
    session.token().await.expect("login");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(sim.oauth2().refreshes() >= 1, "refreshed in the background");
    assert!(sim.oauth2().dpop_refusals().is_empty());
    assert_eq!(
        session
            .send(session.request(Method::GET, me(&host)))
            .await
            .expect("sent")
            .status(),
        200
    );
}

#[tokio::test]
async fn server_nonces_are_answered_by_one_retry_each() {
    let (sim, host) = bound_server().await;
    sim.oauth2().set_dpop_nonce(Some("n-1"));
    let session = Session::new(Bound::new(&host), credentials()).expect("session");
    let status = session
        .send(session.request(Method::GET, me(&host)))
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 200);
    assert_eq!(sim.oauth2().logins(), 1);
    // The token endpoint asked once; the protected endpoint (another origin? the same
    // here) already had the origin's nonce.
    assert_eq!(sim.oauth2().dpop_refusals(), ["use_dpop_nonce"]);
    // A new nonce at the resource: one retry with it, no new login.
    sim.oauth2().set_dpop_nonce(Some("n-2"));
    let status = session
        .send(session.request(Method::GET, me(&host)))
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 200);
    assert_eq!(sim.oauth2().logins(), 1, "a nonce is not a rejected token");
    assert_eq!(
        sim.oauth2().dpop_refusals(),
        ["use_dpop_nonce", "use_dpop_nonce"]
    );
}

#[tokio::test]
async fn a_server_that_does_not_bind_the_token_fails_the_login() {
    let sim = Sim::start().await;
    // DPoP off at the server: it answers with a bearer token.
    let host = format!("{}{}", sim.base_url(), oauth2::PREFIX);
    let session = Session::new(Bound::new(&host), credentials()).expect("session");
    let error = session.token().await.expect_err("not bound");
    assert!(
        matches!(error, BoundError::Runtime(Error::UnsupportedTokenType { ref token_type, .. }) if token_type == "Bearer"),
        "{error:?}"
    );
}

#[tokio::test]
async fn replicas_sharing_a_store_share_one_key() {
    let (sim, host) = bound_server().await;
    let store = Arc::new(MemoryStore::new());
    let unkeyed = Session::builder(Bound::new(&host), credentials())
        .store_plaintext(store.clone())
        .build();
    let error = unkeyed.expect_err("refused without a shared key");
    assert!(error.to_string().contains("dpop_key"), "{error}");
    let key = DpopKey::generate().expect("a key");
    let replicas: Vec<_> = (0..3)
        .map(|_| {
            Session::builder(Bound::new(&host), credentials())
                .store_plaintext(store.clone())
                .dpop_key(key.clone())
                .build()
                .expect("session")
        })
        .collect();
    for replica in &replicas {
        let status = replica
            .send(replica.request(Method::GET, me(&host)))
            .await
            .expect("sent")
            .status();
        assert_eq!(status, 200);
    }
    assert_eq!(
        sim.oauth2().logins(),
        1,
        "one login, one key, three replicas"
    );
    assert_eq!(
        sim.oauth2().bound_thumbprints(),
        [key.thumbprint().to_owned()]
    );
}

/// The mock of a description with DPoP binds tokens and checks proofs as the
/// simulator does: the session's calls go through, the bare token does not, and a
/// nonce it hands out is answered.
#[tokio::test]
async fn the_mock_of_a_dpop_description_binds_tokens_and_checks_proofs() {
    let mock = auth_mock::MockVendor::start::<Bound>().await;
    mock.accept([
        ("client_id", oauth2::CLIENT_ID),
        ("client_secret", oauth2::CLIENT_SECRET),
        ("username", oauth2::USERNAME),
        ("password", oauth2::PASSWORD),
    ])
    .expect("well-formed");
    mock.set_dpop_nonce(Some("mock-nonce-1"));
    let session = Session::new(Bound::new(mock.base_url()), credentials()).expect("session");
    let url = format!("{}/api/data", mock.base_url());
    for _ in 0..3 {
        let response = session.send(session.request(Method::GET, &url)).await;
        assert_eq!(response.expect("sent").status(), 200);
    }
    assert_eq!(mock.logins(), 1);
    let token = session
        .token()
        .await
        .expect("token")
        .expose_secret()
        .to_owned();
    let client = reqwest::Client::new();
    for authorization in [format!("Bearer {token}"), format!("DPoP {token}")] {
        let status = client
            .get(&url)
            .header("Authorization", authorization)
            .send()
            .await
            .expect("sent")
            .status();
        assert_eq!(status, 401);
    }
    // A new nonce: one retry, no new login; the revocation proven too.
    mock.set_dpop_nonce(Some("mock-nonce-2"));
    let response = session.send(session.request(Method::GET, &url)).await;
    assert_eq!(response.expect("sent").status(), 200);
    assert_eq!(mock.logins(), 1);
    assert_eq!(mock.rejected(), 3, "two bare tokens, one nonce asked for");
    session.logout().await.expect("revoked");
    assert_eq!(mock.revocations(), 2);
}
