//! The runtime against an OAuth 2.0 authorization server we did not write: panva's
//! `oidc-provider` 9 (OpenID Certified), pinned by `tests/fixtures/oidc-provider/
//! package-lock.json` and installed with `npm ci --prefix tests/fixtures/oidc-provider`.
//! The `client_credentials` grant with `client_secret_basic` (secrets holding the
//! characters RFC 6749 section 2.3.1's encoding changes) and `client_secret_post`, one
//! login for many callers, RFC 7009 revocation at logout, a token revoked or expired at
//! the server, a wrong secret, a refused revocation, and DPoP (RFC 9449): tokens bound
//! to the session's key by the provider, which checks the token request's proof and
//! hands out nonces.
//!
//! Each test starts its own server (`server.mjs` in the fixture, with the clients and
//! features the test needs; configured through the provider's documented options only)
//! on an ephemeral port of 127.0.0.1, and stops it when done. Its protected resource,
//! `/api/me`, looks the bearer token up through the provider. Without `node`, or
//! without the fixture's `node_modules`, such a test says on one line that it did not
//! run, and passes — unless `AUTHGEN_REQUIRE_NODE=1` (CI), when it fails.
//!
//! oidc-provider takes only printable ASCII in a client's identifier and secret (RFC
//! 6749 Appendix A's VSCHAR), so non-ASCII secrets are tested against auth-sim
//! (`downstream/tests/oauth2.rs`).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_runtime::{Error, LoggedOut, Provider, Session, auth_provider};
use authgen_tests::on_manual_clock;
use serde_json::{Value, json};

/// Set to `1` (as CI does) to fail, rather than skip, the tests that need Node.js and
/// the fixture's `node_modules`.
const REQUIRE_NODE: &str = "AUTHGEN_REQUIRE_NODE";

/// The fixture: `package.json`, `package-lock.json`, `server.mjs`.
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/oidc-provider");

/// How long a server may take to listen (a loaded two-core machine, Node.js loading
/// the provider).
const STARTUP: Duration = Duration::from_secs(30);

/// The `client_credentials` grant, the client authenticated with HTTP Basic
/// (`client_secret_basic`); logout revokes the token (RFC 7009).
#[auth_provider(
    vendor = "oidc-provider",
    base = "{issuer}",
    login(path = "/token"),
    oauth2(grant = "client_credentials", revoke = "/token/revocation")
)]
pub struct BasicClient {
    /// The client's identifier.
    #[auth(basic = "user")]
    client_id: String,
    /// The client's secret.
    #[auth(secret, basic = "password")]
    client_secret: String,
}

/// The same grant, the client authenticated with body parameters
/// (`client_secret_post`).
#[auth_provider(
    vendor = "oidc-provider",
    base = "{issuer}",
    login(path = "/token"),
    oauth2(grant = "client_credentials", revoke = "/token/revocation")
)]
pub struct PostClient {
    /// The client's identifier.
    client_id: String,
    /// The client's secret.
    #[auth(secret)]
    client_secret: String,
}

/// Clients whose identifiers and secrets hold what RFC 6749 section 2.3.1's encoding
/// changes: `:`, `+`, `/`, `%` (escaped and bare), `=`, spaces, and every other
/// printable ASCII character.
const SPECIAL: &[(&str, &str)] = &[
    ("authgen-colon", "c0l:on+plus/slash%25pct=eq"),
    ("authgen-percent", "50% off = 100%"),
    ("id:with+plus %2F/=", "s3cret with spaces"),
    (
        "authgen-printable",
        " !\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~",
    ),
];

/// This test's oidc-provider; stopped on drop.
struct OidcProvider {
    child: Child,
    /// Held open: the server exits when it closes.
    _stdin: Option<ChildStdin>,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

/// Starts this test's server, or returns from the test (which then passes) with one
/// line saying why it did not run, when Node.js or the fixture is missing and
/// `AUTHGEN_REQUIRE_NODE=1` is not set.
macro_rules! provider_or_skip {
    ($setup:expr) => {
        match OidcProvider::start($setup) {
            Ok(server) => server,
            Err(why) => return skipped(&why),
        }
    };
}

/// Says on stderr, past the test harness's capture, that this test did not run (the
/// harness names the test's thread after it).
fn skipped(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("an oidc-provider test");
    let _ = writeln!(
        std::io::stderr(),
        "{test}: skipped: {why} (set {REQUIRE_NODE}=1 to make this a failure)"
    );
}

/// `why` the server cannot run here, unless it is required to.
fn unavailable(why: String) -> String {
    assert!(
        std::env::var(REQUIRE_NODE).as_deref() != Ok("1"),
        "{REQUIRE_NODE}=1 but {why}: install Node.js and npm (`apt-get install -y nodejs npm`) \
         and run `npm ci --prefix tests/fixtures/oidc-provider`"
    );
    why
}

impl OidcProvider {
    /// A server with `setup` (see `server.mjs`): `Err` says why it cannot run here.
    fn start(setup: Value) -> Result<OidcProvider, String> {
        let installed = std::path::Path::new(FIXTURE).join("node_modules/oidc-provider");
        if !installed.is_dir() {
            return Err(unavailable(
                "oidc-provider is not installed in tests/fixtures/oidc-provider (npm ci there)"
                    .to_owned(),
            ));
        }
        let spawned = Command::new("node")
            .arg("server.mjs")
            .arg(setup.to_string())
            .current_dir(FIXTURE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(unavailable("`node` is not on PATH".to_owned()));
            }
            Err(e) => panic!("cannot run `node`: {e}"),
        };
        // Its warnings are kept for a failure's message, and read so it never blocks.
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let stderr = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut chunk = [0_u8; 4096];
                while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                    let text = String::from_utf8_lossy(&chunk[..n]).into_owned();
                    stderr.lock().expect("stderr").push_str(&text);
                }
            });
        }
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut server = OidcProvider {
            _stdin: child.stdin.take(),
            child,
            port: 0,
            stderr,
        };
        let line = rx.recv_timeout(STARTUP).unwrap_or_default();
        if let Some(port) = line.trim().strip_prefix("listening ") {
            server.port = port.parse().expect("a port");
            return Ok(server);
        }
        if line.starts_with("unsupported ") {
            return Err(unavailable(line.trim().to_owned()));
        }
        // Give its last words time to arrive.
        std::thread::sleep(Duration::from_millis(200));
        panic!(
            "oidc-provider did not start within {STARTUP:?}: {line:?}\n{}",
            server.stderr.lock().expect("stderr")
        );
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer())
    }

    /// What the server saw (see `server.mjs`).
    async fn stats(&self) -> Value {
        reqwest::get(self.url("/test/stats"))
            .await
            .expect("stats")
            .json()
            .await
            .expect("JSON")
    }

    /// Access tokens issued, revoked; protected-resource calls, and those refused.
    async fn counts(&self) -> [u64; 4] {
        let stats = self.stats().await;
        ["issued", "revoked", "api_calls", "rejected_api_calls"]
            .map(|name| stats[name].as_u64().unwrap_or(u64::MAX))
    }

    /// The `error` of every refused token request, in order.
    async fn grant_errors(&self) -> Vec<String> {
        serde_json::from_value(self.stats().await["grant_errors"].clone()).expect("a list")
    }

    /// The protected resource's status for `token`, sent by the test itself.
    async fn me_with(&self, token: &str) -> u16 {
        reqwest::Client::new()
            .get(self.url("/api/me"))
            .bearer_auth(token)
            .send()
            .await
            .expect("API call")
            .status()
            .as_u16()
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Clients registered with `method`, each with the `client_credentials` grant.
fn clients(method: &str, pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(id, secret)| {
            json!({"client_id": id, "client_secret": secret, "token_endpoint_auth_method": method})
        })
        .collect()
}

fn basic_session(server: &OidcProvider, id: &str, secret: &str) -> Session<BasicClient> {
    let credentials = BasicClient::credentials()
        .client_id(id)
        .client_secret(secret)
        .build();
    Session::new(BasicClient::new(server.issuer()), credentials).expect("session")
}

fn post_session(server: &OidcProvider, id: &str, secret: &str) -> Session<PostClient> {
    let credentials = PostClient::credentials()
        .client_id(id)
        .client_secret(secret)
        .build();
    Session::new(PostClient::new(server.issuer()), credentials).expect("session")
}

/// The protected resource through the session: its status and the client it names.
async fn me<P: Provider>(server: &OidcProvider, session: &Session<P>) -> (u16, Value) {
    let response = session
        .send(session.get(server.url("/api/me")))
        .await
        .unwrap_or_else(|e| panic!("sent: {e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn access_token<P: Provider>(session: &Session<P>) -> String {
    let token = session
        .token()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    token.expose_secret().to_owned()
}

#[tokio::test]
async fn client_secret_basic_carries_identifiers_and_secrets_with_special_characters() {
    let server = provider_or_skip!(json!({"clients": clients("client_secret_basic", SPECIAL)}));
    for (id, secret) in SPECIAL {
        let session = basic_session(&server, id, secret);
        let (status, body) = me(&server, &session).await;
        assert_eq!(
            (status, body["client_id"].as_str()),
            (200, Some(*id)),
            "client {id:?} with secret {secret:?}: {body}"
        );
    }
    assert_eq!(server.grant_errors().await, Vec::<String>::new());
    assert_eq!(server.counts().await, [4, 0, 4, 0]);
}

#[tokio::test]
async fn client_secret_post_carries_the_same_identifiers_and_secrets() {
    let server = provider_or_skip!(json!({"clients": clients("client_secret_post", SPECIAL)}));
    for (id, secret) in SPECIAL {
        let session = post_session(&server, id, secret);
        let (status, body) = me(&server, &session).await;
        assert_eq!(
            (status, body["client_id"].as_str()),
            (200, Some(*id)),
            "client {id:?} with secret {secret:?}: {body}"
        );
    }
    assert_eq!(server.grant_errors().await, Vec::<String>::new());
    assert_eq!(server.counts().await, [4, 0, 4, 0]);
}

#[tokio::test]
async fn twenty_concurrent_callers_share_one_login() {
    let (id, secret) = SPECIAL[0];
    let server =
        provider_or_skip!(json!({"clients": clients("client_secret_basic", &[(id, secret)])}));
    let session = Arc::new(basic_session(&server, id, secret));
    let url = server.url("/api/me");
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let (session, url) = (Arc::clone(&session), url.clone());
            tokio::spawn(async move {
                let response = session.send(session.get(url)).await;
                response
                    .map(|r| r.status().as_u16())
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.expect("task"), Ok(200));
    }
    assert_eq!(server.counts().await, [1, 0, 20, 0], "one token for all");
}

#[tokio::test]
async fn logout_revokes_the_access_token_in_both_ways_of_authenticating() {
    let (id, secret) = SPECIAL[0];
    let registered = [
        clients("client_secret_basic", &[(id, secret)]),
        clients("client_secret_post", &[("authgen-post", secret)]),
    ];
    let all: Vec<Value> = registered
        .iter()
        .flat_map(|list| list.as_array().cloned().unwrap_or_default())
        .collect();
    let server = provider_or_skip!(json!({"clients": all, "revocation": true}));

    let basic = basic_session(&server, id, secret);
    assert_eq!(me(&server, &basic).await.0, 200);
    let token = access_token(&basic).await;
    assert_eq!(basic.logout().await.expect("revoked"), LoggedOut::Retired);
    assert_eq!(server.me_with(&token).await, 401, "revoked at the server");

    let post = post_session(&server, "authgen-post", secret);
    assert_eq!(me(&server, &post).await.0, 200);
    let token = access_token(&post).await;
    assert_eq!(post.logout().await.expect("revoked"), LoggedOut::Retired);
    assert_eq!(server.me_with(&token).await, 401, "revoked at the server");

    // Both forgot their tokens: the next call logs in again.
    assert_eq!(me(&server, &basic).await.0, 200);
    assert_eq!(server.counts().await, [3, 2, 5, 2]);
    assert!(server.stats().await["revocation_errors"] == json!([]));
}

#[tokio::test]
async fn a_token_revoked_at_the_server_is_replaced_by_one_login_and_the_call_replayed() {
    let (id, secret) = SPECIAL[0];
    let server = provider_or_skip!(json!({
        "clients": clients("client_secret_basic", &[(id, secret)]),
        "revocation": true,
    }));
    let session = basic_session(&server, id, secret);
    assert_eq!(me(&server, &session).await.0, 200);
    // Revoked behind the session's back, by the client itself (RFC 7009).
    let token = access_token(&session).await;
    let revoked = reqwest::Client::new()
        .post(server.url("/token/revocation"))
        .form(&[
            ("token", token.as_str()),
            ("token_type_hint", "access_token"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("revocation");
    assert_eq!(revoked.status(), 200);

    assert_eq!(me(&server, &session).await.0, 200);
    // One call refused, one new token, the call replayed with it.
    assert_eq!(server.counts().await, [2, 1, 3, 1]);
    assert_ne!(access_token(&session).await, token);
}

#[tokio::test]
async fn expires_in_from_the_server_decides_when_the_session_logs_in_again() {
    let (id, secret) = SPECIAL[0];
    let server = provider_or_skip!(json!({
        "clients": clients("client_secret_basic", &[(id, secret)]),
        "ttl": 300,
    }));
    let credentials = BasicClient::credentials()
        .client_id(id)
        .client_secret(secret)
        .build();
    let (session, clock) = on_manual_clock(Session::builder(
        BasicClient::new(server.issuer()),
        credentials,
    ));
    assert_eq!(me(&server, &session).await.0, 200);
    clock.advance(Duration::from_secs(200));
    assert_eq!(me(&server, &session).await.0, 200);
    assert_eq!(
        server.counts().await[0],
        1,
        "still fresh after 200 of 300 s"
    );
    clock.advance(Duration::from_secs(100));
    assert_eq!(me(&server, &session).await.0, 200);
    // Replaced before use: no call was refused.
    assert_eq!(server.counts().await, [2, 0, 3, 0]);
}

#[tokio::test]
async fn a_token_expired_at_the_server_is_replaced_by_one_login_and_the_call_replayed() {
    let (id, secret) = SPECIAL[0];
    let server = provider_or_skip!(json!({
        "clients": clients("client_secret_basic", &[(id, secret)]),
        "ttl": 1,
    }));
    let credentials = BasicClient::credentials()
        .client_id(id)
        .client_secret(secret)
        .build();
    // The session's clock stands still: only the server sees the token expire.
    let (session, _clock) = on_manual_clock(Session::builder(
        BasicClient::new(server.issuer()),
        credentials,
    ));
    assert_eq!(me(&server, &session).await.0, 200);
    let token = access_token(&session).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(server.me_with(&token).await, 401, "expired at the server");

    // Refused, one new token, the call replayed with it.
    assert_eq!(me(&server, &session).await.0, 200);
    assert_eq!(server.counts().await, [2, 0, 4, 2]);
}

#[tokio::test]
async fn a_wrong_secret_is_invalid_client_typed_with_the_secret_hidden() {
    let (id, secret) = SPECIAL[0];
    let server = provider_or_skip!(json!({"clients": [
        {"client_id": id, "client_secret": secret, "token_endpoint_auth_method": "client_secret_basic"},
        {"client_id": "authgen-post", "client_secret": secret, "token_endpoint_auth_method": "client_secret_post"},
    ]}));
    let wrong = "wr0ng:secret+%25/=";
    let hidden = |shown: &str| {
        for form in [wrong, "wr0ng%3Asecret%2B%2525%2F%3D", "wr0ng:secret"] {
            assert!(!shown.contains(form), "{form} in {shown}");
        }
    };

    let basic = basic_session(&server, id, wrong);
    for _ in 0..2 {
        let error = basic.token().await.expect_err("a wrong secret");
        let BasicClientError::InvalidClient { description, .. } = &error else {
            panic!("expected InvalidClient, got {error:?}");
        };
        assert_eq!(description.as_deref(), Some("client authentication failed"));
        hidden(&error.to_string());
        hidden(&format!("{error:?}"));
    }
    let post = post_session(&server, "authgen-post", wrong);
    let error = post.token().await.expect_err("a wrong secret");
    assert!(
        matches!(error, PostClientError::InvalidClient { .. }),
        "{error:?}"
    );
    hidden(&error.to_string());
    hidden(&format!("{error:?}"));
    // Each refusal is held: the server was asked once per session.
    assert_eq!(
        server.grant_errors().await,
        ["invalid_client", "invalid_client"]
    );
}

#[tokio::test]
async fn a_refused_revocation_shows_the_servers_error_and_description() {
    let (id, secret) = SPECIAL[0];
    // With JWT access tokens (RFC 9068), RFC 7009 revocation refuses them.
    let server = provider_or_skip!(json!({
        "clients": clients("client_secret_basic", &[(id, secret)]),
        "revocation": true,
        "jwt_access_tokens": true,
    }));
    let session = basic_session(&server, id, secret);
    let token = access_token(&session).await;
    let error = session.logout().await.expect_err("a JWT is not revocable");
    let BasicClientError::Runtime(Error::RevocationFailed {
        status,
        code,
        description,
        ..
    }) = &error
    else {
        panic!("expected RevocationFailed, got {error:?}");
    };
    assert_eq!(*status, 400);
    assert_eq!(code.as_deref(), Some("unsupported_token_type"));
    assert_eq!(
        description.as_deref(),
        Some("Structured JWT Tokens cannot be revoked via the revocation_endpoint")
    );
    let shown = error.to_string();
    assert!(
        shown.starts_with(
            "oidc-provider: revoking the access token failed: HTTP 400 `unsupported_token_type` \
             (description: Structured JWT Tokens cannot be revoked via the revocation_endpoint)"
        ),
        "{shown}"
    );
    assert!(
        !shown.contains(&token) && !shown.contains(secret),
        "{shown}"
    );
}

/// The `client_credentials` grant with DPoP (RFC 9449): the token bound to the
/// session's key by oidc-provider, which checks the token request's proof itself.
#[auth_provider(
    vendor = "oidc-provider",
    base = "{issuer}",
    login(path = "/token"),
    oauth2(grant = "client_credentials", revoke = "/token/revocation", dpop)
)]
pub struct DpopClient {
    /// The client's identifier.
    #[auth(basic = "user")]
    client_id: String,
    /// The client's secret.
    #[auth(secret, basic = "password")]
    client_secret: String,
}

fn dpop_session(server: &OidcProvider, id: &str, secret: &str) -> Session<DpopClient> {
    let credentials = DpopClient::credentials()
        .client_id(id)
        .client_secret(secret)
        .build();
    Session::new(DpopClient::new(server.issuer()), credentials).expect("session")
}

#[tokio::test]
async fn dpop_binds_the_token_and_every_call_carries_a_proof_the_server_takes() {
    let (id, secret) = SPECIAL[0];
    let server = provider_or_skip!(json!({
        "clients": clients("client_secret_basic", &[(id, secret)]),
        "revocation": true,
    }));
    let session = Arc::new(dpop_session(&server, id, secret));
    let url = server.url("/api/me");
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let (session, url) = (Arc::clone(&session), url.clone());
            tokio::spawn(async move { session.send(session.get(&url)).await })
        })
        .collect();
    for call in calls {
        let response = call.await.expect("joined").expect("sent");
        assert_eq!(response.status(), 200);
    }
    let stats = server.stats().await;
    assert_eq!(stats["issued"], 1, "{stats}");
    assert_eq!(
        stats["bound_tokens"], 1,
        "the token is bound to the key: {stats}"
    );
    assert_eq!(stats["dpop_api_proofs"], 20, "{stats}");
    assert_eq!(stats["dpop_refusals"], json!([]), "{stats}");
    // The token alone, as a bearer token, is refused: it is bound.
    let token = access_token(session.as_ref()).await;
    assert_eq!(server.me_with(&token).await, 401);
    session.logout().await.expect("revoked");
    assert_eq!(server.counts().await[1], 1, "revoked at logout");
}

#[tokio::test]
async fn a_dpop_nonce_the_token_endpoint_asks_for_is_sent_on_one_retry() {
    let (id, secret) = SPECIAL[0];
    let server = provider_or_skip!(json!({
        "clients": clients("client_secret_basic", &[(id, secret)]),
        "dpop_nonce": true,
    }));
    let session = dpop_session(&server, id, secret);
    let (status, _) = me(&server, &session).await;
    assert_eq!(status, 200);
    assert_eq!(server.grant_errors().await, ["use_dpop_nonce"]);
    let stats = server.stats().await;
    assert_eq!(
        (stats["issued"].as_u64(), stats["bound_tokens"].as_u64()),
        (Some(1), Some(1))
    );
}
