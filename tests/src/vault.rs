//! Vault, a vendor of our own whose login no description can say: the client first
//! GETs a challenge, then posts an HMAC-SHA256 of it keyed by the password (computed
//! by the client's code; the password itself is never sent), and every API call
//! carries, besides the bearer token, `X-Signature`: an HMAC-SHA256 keyed by the token
//! of the method, the path and the body. Its provider writes its login by hand
//! ([`HandLogin`]) and signs each request ([`Provider::sign_request`]); its server is
//! here too, on 127.0.0.1, counting every request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_runtime::{
    ApiRequest, Error, ExpiryPolicy, ExposeSecret as _, HandLogin, HeaderValue, Login, LoginClient,
    LoginProcedure, Method, Placement, Provider, SecretString, Url, VendorRequest, WireField,
    WireFormat, WireValue,
};
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// The password the server knows.
pub const PASSWORD: &str = "correct horse battery staple";

/// HMAC-SHA256 of `message` keyed by `key`, in lowercase hexadecimal.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(message);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What Vault's signature covers: the method, the path and the body.
pub fn signed_text(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut text = format!("{method}\n{path}\n").into_bytes();
    text.extend_from_slice(body);
    text
}

/// The Vault provider: its login by hand, its requests signed.
#[derive(Clone)]
pub struct Vault {
    base: Url,
    /// Where the login asks for its challenge: `base` unless a test sends it
    /// elsewhere.
    challenge_base: Url,
    /// How many times the per-request hook ran.
    pub signed: Arc<AtomicUsize>,
}

impl Vault {
    /// Vault at `base`.
    pub fn new(base: &str) -> Self {
        let base = Url::parse(base).expect("base URL");
        Vault {
            challenge_base: base.clone(),
            base,
            signed: Arc::default(),
        }
    }

    /// The same vendor asking for its challenge at `base` (another origin, in a test).
    pub fn challenge_at(mut self, base: &str) -> Self {
        self.challenge_base = Url::parse(base).expect("challenge URL");
        self
    }

    fn url(&self, base: &Url, path: &str) -> Result<Url, Error> {
        base.join(path).map_err(|e| Error::InvalidUrl {
            vendor: Self::VENDOR,
            reason: e.to_string(),
        })
    }
}

/// Vault credentials; `Debug` never shows the password.
pub struct VaultCredentials {
    /// The user.
    pub user: String,
    /// The password: the key of the challenge's answer.
    pub password: SecretString,
}

/// Vault's documented failures, and what every vendor shares.
#[derive(Debug, Clone)]
pub enum VaultError {
    /// 401 to the answer: the proof is wrong (the password is).
    InvalidProof {
        /// The vendor's message.
        message: String,
    },
    /// A request whose body is not in memory cannot be signed.
    Unsignable,
    /// Transport, timeouts, undocumented answers...
    Runtime(Error),
}

impl From<Error> for VaultError {
    fn from(error: Error) -> Self {
        VaultError::Runtime(error)
    }
}

impl std::fmt::Display for VaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VaultError::InvalidProof { message } => write!(f, "Vault refused the proof: {message}"),
            VaultError::Unsignable => f.write_str("Vault: a streamed body cannot be signed"),
            VaultError::Runtime(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for VaultError {}

impl Provider for Vault {
    type Credentials = VaultCredentials;
    type Response = ();
    type Error = VaultError;
    const VENDOR: &'static str = "Vault";

    // The credentials: the answer's endpoint (its origin admitted), the password a
    // secret (taken out of every answer), the account a store keys by.
    fn login_request(&self, credentials: &VaultCredentials) -> Result<VendorRequest, VaultError> {
        let mut request = VendorRequest::new(
            Method::Post,
            self.url(&self.base, "/auth/answer")?,
            WireFormat::Json,
        );
        request.fields.push(WireField {
            path: &["user"],
            value: WireValue::Plain(credentials.user.clone()),
        });
        request.fields.push(WireField {
            path: &["password"],
            value: WireValue::Secret(credentials.password.clone()),
        });
        Ok(request)
    }

    fn login_procedure(&self) -> LoginProcedure<Self> {
        LoginProcedure::by_hand()
    }

    fn decode_login(&self, reply: &auth_runtime::LoginReply<'_>) -> Result<Login<()>, VaultError> {
        if !matches!(reply.status, 200 | 401) {
            return Err(Error::UnexpectedStatus {
                vendor: Self::VENDOR,
                stage: auth_runtime::Stage::Login,
                status: reply.status,
                excerpt: auth_runtime::excerpt(reply.body),
            }
            .into());
        }
        let answer: serde_json::Value =
            serde_json::from_slice(reply.body).map_err(|e| Error::Decode {
                vendor: Self::VENDOR,
                stage: auth_runtime::Stage::Login,
                status: reply.status,
                reason: e.to_string(),
                excerpt: auth_runtime::excerpt(reply.body),
            })?;
        match answer["token"].as_str() {
            Some(token) if reply.status == 200 => Ok(Login::new(SecretString::from(token), ())
                .with_expires_in(answer["expires_in"].as_u64().map(Duration::from_secs))),
            _ => Err(VaultError::InvalidProof {
                message: answer["message"].as_str().unwrap_or_default().to_owned(),
            }),
        }
    }

    fn placement(&self) -> &Placement {
        const BEARER: Placement = Placement {
            bearer: true,
            ..Placement::NONE
        };
        &BEARER
    }

    fn expiry(&self) -> ExpiryPolicy {
        ExpiryPolicy::absolute(Duration::from_secs(3600))
    }

    fn logout_request(&self) -> Result<Option<VendorRequest>, VaultError> {
        let url = self.url(&self.base, "/auth/logout")?;
        Ok(Some(VendorRequest::new(
            Method::Post,
            url,
            WireFormat::Form,
        )))
    }

    fn runtime_error(error: &mut VaultError) -> Option<&mut Error> {
        match error {
            VaultError::Runtime(error) => Some(error),
            _ => None,
        }
    }

    fn sign_request(
        &self,
        _: &VaultCredentials,
        request: &mut ApiRequest<'_>,
    ) -> Result<(), VaultError> {
        self.signed.fetch_add(1, Ordering::SeqCst);
        let body = match (request.body(), request.method().as_str()) {
            (Some(body), _) => body,
            (None, "GET" | "HEAD" | "DELETE") => &[],
            (None, _) => return Err(VaultError::Unsignable),
        };
        let text = signed_text(request.method().as_str(), request.url().path(), body);
        let signature = hmac_hex(request.expose_token().as_bytes(), &text);
        let value = HeaderValue::from_str(&signature).map_err(|_| Error::InvalidRequest {
            vendor: Self::VENDOR,
            reason: "the signature is not a header value".to_owned(),
        })?;
        request.insert_header(auth_runtime::HeaderName::from_static("x-signature"), value);
        Ok(())
    }
}

impl HandLogin for Vault {
    async fn log_in(
        &self,
        credentials: &VaultCredentials,
        client: &LoginClient,
    ) -> Result<Login<()>, VaultError> {
        // 1. A challenge, good for one answer.
        let mut url = self.url(&self.challenge_base, "/auth/challenge")?;
        url.query_pairs_mut().append_pair("user", &credentials.user);
        let answer = client
            .send(VendorRequest::new(Method::Get, url, WireFormat::Form))
            .await?;
        if answer.status() != 200 {
            return Err(answer.unexpected().into());
        }
        let challenge: serde_json::Value =
            serde_json::from_slice(answer.body()).map_err(|e| answer.undecodable(e.to_string()))?;
        let Some(challenge) = challenge["challenge"].as_str() else {
            return Err(answer.undecodable("no challenge").into());
        };
        // 2. Its HMAC keyed by the password: the proof, a secret of its own.
        let proof = hmac_hex(
            credentials.password.expose_secret().as_bytes(),
            challenge.as_bytes(),
        );
        client.secret(&proof);
        let mut request = VendorRequest::new(
            Method::Post,
            self.url(&self.base, "/auth/answer")?,
            WireFormat::Json,
        );
        request.fields.push(WireField {
            path: &["user"],
            value: WireValue::Plain(credentials.user.clone()),
        });
        request.fields.push(WireField {
            path: &["challenge"],
            value: WireValue::Plain(challenge.to_owned()),
        });
        request.fields.push(WireField {
            path: &["proof"],
            value: WireValue::Secret(SecretString::from(proof)),
        });
        let answer = client.send(request).await?;
        self.decode_login(&answer.reply())
    }
}

/// How the server behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As documented.
    Normal,
    /// Every answer is refused, quoting the password and the proof.
    Hostile,
    /// The answer is a 307 to another origin (`Server::elsewhere`).
    Redirect,
    /// The answer never comes.
    Silent,
    /// The first answer is a 503; the others as documented.
    UnavailableOnce,
}

/// Vault's state, shared with the test.
pub struct Server {
    /// Challenges asked for.
    pub challenges: AtomicUsize,
    /// Answers posted.
    pub answers: AtomicUsize,
    /// API calls received.
    pub api: AtomicUsize,
    /// Logouts received with a valid token.
    pub logouts: AtomicUsize,
    /// The lifetime its tokens are issued with, in seconds (an hour unless set).
    pub lifetime_s: std::sync::atomic::AtomicU64,
    /// How it behaves.
    pub mode: Mutex<Mode>,
    /// Where a redirect points.
    pub elsewhere: Mutex<String>,
    /// The challenges issued and not answered yet, and the tokens valid now.
    issued: Mutex<(Vec<String>, Vec<String>)>,
    /// What the last API call's `X-Signature` and `Authorization` were.
    pub last_signature: Mutex<Option<String>>,
}

/// A shared [`Server`].
pub type Shared = Arc<Server>;

impl Server {
    /// Forgets every token issued: the vendor's own expiry.
    pub fn expire_tokens(&self) {
        self.issued.lock().expect("issued").1.clear();
    }

    /// How many challenges and answers it received.
    pub fn logins(&self) -> [usize; 2] {
        [
            self.challenges.load(Ordering::SeqCst),
            self.answers.load(Ordering::SeqCst),
        ]
    }
}

async fn challenge(
    State(server): State<Shared>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let n = server.challenges.fetch_add(1, Ordering::SeqCst) + 1;
    let user = query.get("user").map_or("nobody", String::as_str);
    let challenge = format!("{user}-{n}-nonce");
    server
        .issued
        .lock()
        .expect("issued")
        .0
        .push(challenge.clone());
    Json(serde_json::json!({ "challenge": challenge })).into_response()
}

async fn answer(State(server): State<Shared>, Json(body): Json<serde_json::Value>) -> Response {
    let n = server.answers.fetch_add(1, Ordering::SeqCst) + 1;
    let mode = *server.mode.lock().expect("mode");
    match mode {
        Mode::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
        Mode::Redirect => {
            let to = format!(
                "{}/auth/answer",
                server.elsewhere.lock().expect("elsewhere")
            );
            return (StatusCode::TEMPORARY_REDIRECT, [("location", to)]).into_response();
        }
        Mode::UnavailableOnce if n == 1 => {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        Mode::Normal | Mode::Hostile | Mode::UnavailableOnce => {}
    }
    let challenge = body["challenge"].as_str().unwrap_or_default().to_owned();
    let proof = body["proof"].as_str().unwrap_or_default();
    let mut issued = server.issued.lock().expect("issued");
    // A challenge answers once.
    let known = issued.0.iter().position(|c| *c == challenge);
    if let Some(at) = known {
        issued.0.remove(at);
    }
    let right = known.is_some() && proof == hmac_hex(PASSWORD.as_bytes(), challenge.as_bytes());
    // A hostile server refuses even the right proof, quoting the password and the proof.
    if !right || mode == Mode::Hostile {
        let message = match mode {
            Mode::Hostile => {
                format!("the proof of {challenge} does not match {PASSWORD}; was it {proof}?")
            }
            _ => "the proof does not match".to_owned(),
        };
        let mut body = serde_json::json!({ "error": "invalid_proof", "message": message });
        if mode == Mode::Hostile {
            // A careless server: the password it expected, in the body and a header.
            body["expected_password"] = PASSWORD.into();
        }
        let header = match mode {
            Mode::Hostile => format!("password={PASSWORD}"),
            _ => "none".to_owned(),
        };
        return (StatusCode::UNAUTHORIZED, [("x-debug", header)], Json(body)).into_response();
    }
    let token = format!("vault-token-{n}");
    issued.1.push(token.clone());
    let lifetime = server.lifetime_s.load(Ordering::SeqCst);
    Json(serde_json::json!({ "token": token, "expires_in": lifetime })).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_owned)
}

async fn api(
    State(server): State<Shared>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    server.api.fetch_add(1, Ordering::SeqCst);
    let Some(token) = bearer(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if !server.issued.lock().expect("issued").1.contains(&token) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let signature = headers
        .get("x-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    *server.last_signature.lock().expect("signature") = signature.clone();
    let expected = hmac_hex(
        token.as_bytes(),
        &signed_text(method.as_str(), uri.path(), &body),
    );
    if signature.as_deref() != Some(expected.as_str()) {
        return (StatusCode::FORBIDDEN, "bad signature").into_response();
    }
    (StatusCode::OK, "signed and authorized").into_response()
}

async fn logout(State(server): State<Shared>, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let mut issued = server.issued.lock().expect("issued");
    let Some(at) = issued.1.iter().position(|t| *t == token) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    issued.1.remove(at);
    server.logouts.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT.into_response()
}

/// Starts a Vault server in `mode`: its URL and its state.
pub async fn start(mode: Mode) -> (String, Shared) {
    let server = Arc::new(Server {
        challenges: AtomicUsize::new(0),
        answers: AtomicUsize::new(0),
        api: AtomicUsize::new(0),
        logouts: AtomicUsize::new(0),
        lifetime_s: std::sync::atomic::AtomicU64::new(3600),
        mode: Mutex::new(mode),
        elsewhere: Mutex::new(String::new()),
        issued: Mutex::new(Default::default()),
        last_signature: Mutex::new(None),
    });
    let router = Router::new()
        .route("/auth/challenge", get(challenge))
        .route("/auth/answer", post(answer))
        .route("/auth/logout", post(logout))
        .route("/api/data", get(api).post(api))
        .with_state(Arc::clone(&server));
    (crate::stepwise::serve(router).await, server)
}

/// A server on another origin counting every request it gets: its URL and the count.
pub async fn elsewhere() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    let router = Router::new().fallback(move || {
        let counted = Arc::clone(&counted);
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            Json(serde_json::json!({ "challenge": "x", "token": "stolen" }))
        }
    });
    (crate::stepwise::serve(router).await, hits)
}
