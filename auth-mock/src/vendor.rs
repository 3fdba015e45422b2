//! The mock vendor: one axum server answering as a description says.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::Value;
use tokio::sync::oneshot;

use auth_runtime::__private::{
    ErrorCase, ExpiryFormat, FieldValues, Method as DescribedMethod, SecretString, Spot, WireValue,
};
use auth_runtime::description::{
    Base, Described, Description, EndpointDescription, Interpret, Sent, SentIn,
};
use auth_runtime::{Bindings, CredentialsError, ExposeSecret, Lifetime};

use crate::answer::{self, Answer, refusal_case};
use crate::fault::{Faults, Scope};
use crate::wire::{
    Read, Received, const_is_template, is_template, presented, read_as_accepted, read_template,
    render, template_names,
};
use auth_faults::{Counter, lock};

/// Request bodies are read up to this size: larger ones are refused.
const MAX_BODY: usize = 1 << 20;

/// Logins in flight kept at most: the oldest is forgotten first (a client that
/// abandons logins after their first step cannot fill the mock's memory).
const MAX_FLOWS: usize = 256;

/// A credential sent only inside a computed value that no accepted set gives: it
/// stands for "not accepted", which no set of `accept` holds (a set's values are what
/// the user gave, and this one has a NUL).
const NOT_ACCEPTED: &str = "\0not accepted";

/// A mock vendor on `127.0.0.1`, serving a description; see the [crate] docs. Stops
/// when dropped.
#[derive(Debug)]
pub struct MockVendor {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

#[derive(Debug)]
struct Shared {
    description: &'static Description,
    faults: Faults,
    /// Credential sets accepted, each a value per field; none: any well-formed set.
    accepted: Mutex<Vec<Vec<Option<String>>>>,
    /// The documented failure refusals are answered with, when a test chose one.
    refusal: Mutex<Option<&'static ErrorCase>>,
    tokens: Mutex<HashMap<String, Issued>>,
    /// Logins of several requests between their first step and their token request.
    flows: Mutex<Vec<Flow>>,
    refresh_tokens: Mutex<HashSet<String>>,
    /// How far the mock's clock is ahead of the system's.
    ahead: Mutex<Duration>,
    /// The `jti` of every JWT a login presented: one seen again is a replay.
    jwt_ids: Mutex<HashSet<String>>,
    /// The DPoP proofs seen and the nonce proofs must carry (a description with
    /// `oauth2(dpop)`).
    #[cfg(feature = "sign")]
    proofs: auth_faults::dpop::Proofs,
    /// A lifetime replacing the described one.
    lifetime: Mutex<Option<Duration>>,
    last_refusal: Mutex<Option<String>>,
    counts: Counts,
    /// The mock's own address, which a login answer names as the API's base where the
    /// description reads one (`api_base`): the mock serves the API itself.
    base_url: std::sync::OnceLock<String>,
}

#[derive(Debug, Default)]
struct Counts {
    login_attempts: Counter,
    logins: Counter,
    refused: Counter,
    refreshes: Counter,
    api_calls: Counter,
    rejected: Counter,
    logouts: Counter,
    keepalives: Counter,
    revocations: Counter,
    /// Requests received at each of the login's steps, in the description's order.
    steps: Vec<Counter>,
}

/// A login of several requests in flight: what its requests carried and were given
/// so far. Its values are good for that login alone: it is taken out when its next
/// request comes, and kept again only when that request is answered with a step's
/// values.
struct Flow {
    /// How many of the login's requests were answered: the next one's index.
    done: usize,
    /// The values the mock issued at its steps, under their bindings' names.
    bound: Bindings,
    /// The credential values its requests carried, by field index.
    credentials: Vec<Option<String>>,
    /// The values its client computed from nothing the mock knows (a nonce, its clock),
    /// read from its requests, by name.
    computed: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for Flow {
    // The values are secrets: the names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("done", &self.done)
            .field("bound", &self.bound)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct Issued {
    issued: SystemTime,
    last_use: SystemTime,
    /// The thumbprint of the key it is bound to (DPoP), if any.
    jkt: Option<String>,
}

impl MockVendor {
    /// Serves `P`'s description on a free loopback port.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or when no loopback port can be bound.
    pub async fn start<P: Described>() -> MockVendor {
        Self::start_with(P::DESCRIPTION).await
    }

    /// Serves `description` (e.g. one read from a spec file at run time) on a free
    /// loopback port.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or when no loopback port can be bound.
    pub async fn start_with(description: &'static Description) -> MockVendor {
        let shared = Arc::new(Shared {
            description,
            faults: Faults::default(),
            accepted: Mutex::new(Vec::new()),
            refusal: Mutex::new(None),
            tokens: Mutex::new(HashMap::new()),
            flows: Mutex::new(Vec::new()),
            refresh_tokens: Mutex::new(HashSet::new()),
            ahead: Mutex::new(Duration::ZERO),
            jwt_ids: Mutex::new(HashSet::new()),
            #[cfg(feature = "sign")]
            proofs: auth_faults::dpop::Proofs::default(),
            lifetime: Mutex::new(None),
            last_refusal: Mutex::new(None),
            base_url: std::sync::OnceLock::new(),
            counts: Counts {
                steps: description
                    .steps
                    .iter()
                    .map(|_| Counter::default())
                    .collect(),
                ..Counts::default()
            },
        });
        let app = Router::new()
            .fallback(serve)
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&shared),
                inject_fault,
            ))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap_or_else(|e| panic!("auth-mock: cannot bind 127.0.0.1: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("auth-mock: the bound listener has no address: {e}"));
        let _ = shared.base_url.set(format!("http://{addr}"));
        let (tx, rx) = oneshot::channel::<()>();
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        tokio::spawn(async move {
            let _ = server.await;
        });
        MockVendor {
            shared,
            addr,
            shutdown: Some(tx),
        }
    }

    /// `http://127.0.0.1:PORT`: give it to the provider's `with_base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL of `path` on the mock (an API path is any path the description does not
    /// use for its own endpoints).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// The description served.
    pub fn description(&self) -> &'static Description {
        self.shared.description
    }

    /// Accepts these credentials (names are fields' Rust or wire names); once one set
    /// is accepted, logins with any other are refused as the vendor documents.
    ///
    /// # Errors
    ///
    /// [`CredentialsError`] when the set itself breaks the description's rules.
    pub fn accept<I, K, V>(&self, pairs: I) -> Result<(), CredentialsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let table = self.shared.description.credentials;
        let values = plain_values(FieldValues::from_pairs(table, pairs))?;
        lock(&self.shared.accepted).push(values);
        Ok(())
    }

    /// Answers refused logins with the documented failure `variant`, at the request it
    /// is documented for (a step's, or the token request's); the others keep their
    /// default. By default a refusal is the vendor's 401, 403 or other 4xx documented
    /// for that request; an OAuth 2.0 server's is
    /// `invalid_request` for a request not as described, `invalid_client` (401) for a
    /// client not accepted, `invalid_grant` for a resource owner not accepted (RFC 6749
    /// section 5.2). Returns whether the description has `variant`.
    pub fn refuse_with(&self, variant: &str) -> bool {
        let case = self
            .shared
            .description
            .errors
            .iter()
            .find(|case| case.variant == variant);
        if case.is_some() {
            *lock(&self.shared.refusal) = case;
        }
        case.is_some()
    }

    /// Moves the mock's clock ahead: tokens whose lifetime has passed are rejected.
    pub fn advance(&self, by: Duration) {
        *lock(&self.shared.ahead) += by;
    }

    /// Makes DPoP proofs carry `nonce` (or none again), for a description that binds
    /// tokens (`oauth2(dpop)`): RFC 9449 sections 8 and 9.
    #[cfg(feature = "sign")]
    pub fn set_dpop_nonce(&self, nonce: Option<&str>) {
        self.shared.proofs.set_nonce(nonce.map(str::to_owned));
    }

    /// Tokens issued from now on live `lifetime`, whatever the description says.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        *lock(&self.shared.lifetime) = Some(lifetime);
    }

    /// Forgets every token and refresh token issued so far, as a vendor revoking them
    /// early.
    pub fn revoke_all(&self) {
        lock(&self.shared.tokens).clear();
        lock(&self.shared.refresh_tokens).clear();
    }

    /// The fault switches of this mock ([`Scope::Login`] is the login, each of its
    /// steps and the OAuth 2.0 refresh, [`Scope::Logout`] the logout and the revocation,
    /// [`Scope::Api`] every other path).
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Login requests received (refreshes included), whatever their outcome: for a login
    /// of several requests, its token requests (its steps are
    /// [`step_calls`](Self::step_calls)).
    pub fn login_attempts(&self) -> u64 {
        self.shared.counts.login_attempts.get()
    }

    /// Logins answered with a token (refreshes not included).
    pub fn logins(&self) -> u64 {
        self.shared.counts.logins.get()
    }

    /// Requests received at the login's step `name` (as the description names it),
    /// whatever their outcome; 0 for a name the description has no step of.
    pub fn step_calls(&self, name: &str) -> u64 {
        let steps = self.shared.description.steps;
        steps
            .iter()
            .position(|step| step.name == name)
            .and_then(|index| self.shared.counts.steps.get(index))
            .map_or(0, Counter::get)
    }

    /// Logins refused, at their token request or at any of their steps.
    pub fn refused(&self) -> u64 {
        self.shared.counts.refused.get()
    }

    /// Why the last login was refused, in the mock's words.
    pub fn last_refusal(&self) -> Option<String> {
        lock(&self.shared.last_refusal).clone()
    }

    /// OAuth 2.0 refresh grants answered with a token.
    pub fn refreshes(&self) -> u64 {
        self.shared.counts.refreshes.get()
    }

    /// API calls received (keep-alives not included).
    pub fn api_calls(&self) -> u64 {
        self.shared.counts.api_calls.get()
    }

    /// API calls and keep-alives answered with the described rejection.
    pub fn rejected(&self) -> u64 {
        self.shared.counts.rejected.get()
    }

    /// Logouts received.
    pub fn logouts(&self) -> u64 {
        self.shared.counts.logouts.get()
    }

    /// Keep-alives received.
    pub fn keepalives(&self) -> u64 {
        self.shared.counts.keepalives.get()
    }

    /// OAuth 2.0 revocations received.
    pub fn revocations(&self) -> u64 {
        self.shared.counts.revocations.get()
    }

    /// Tokens currently valid.
    pub fn active_tokens(&self) -> usize {
        let shared = &self.shared;
        let now = shared.now();
        lock(&shared.tokens)
            .values()
            .filter(|issued| shared.alive(issued, now))
            .count()
    }
}

impl Drop for MockVendor {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Why a login is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// It is not as described (encoding, constants, fields, rules).
    Request,
    /// The client (OAuth 2.0) or the credentials are not accepted.
    Client,
    /// The client is, the resource owner's credentials are not (OAuth 2.0).
    Owner,
}

/// What a request is to the description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// The login's step of this index.
    Step(usize),
    Login,
    Logout,
    KeepAlive,
    Revoke,
    Api,
}

impl Shared {
    fn now(&self) -> SystemTime {
        SystemTime::now() + *lock(&self.ahead)
    }

    /// The endpoint a request is for, by its path; `Err` names the method expected
    /// when the path is an endpoint's and the method is not.
    fn endpoint(&self, parts: &Parts) -> Result<Endpoint, &'static str> {
        let description = self.description;
        let revoke = description.oauth2.and_then(|o| o.revoke).map(|path| {
            let endpoint = (path, DescribedMethod::Post);
            (endpoint, Endpoint::Revoke)
        });
        let steps = description.steps.iter().enumerate().map(|(index, step)| {
            let endpoint = (step.endpoint.path, step.endpoint.method);
            Some((endpoint, Endpoint::Step(index)))
        });
        let endpoints = steps.chain([
            Some((
                (description.login.path, description.login.method),
                Endpoint::Login,
            )),
            description
                .logout
                .as_ref()
                .map(|e| ((e.path, e.method), Endpoint::Logout)),
            description
                .keepalive
                .as_ref()
                .map(|e| ((e.path, e.method), Endpoint::KeepAlive)),
            revoke,
        ]);
        let path = parts.uri.path();
        let mut wrong_method = None;
        for ((at, method), endpoint) in endpoints.flatten() {
            if !path_matches(at, path) {
                continue;
            }
            if parts.method.as_str() == method.as_str() {
                return Ok(endpoint);
            }
            wrong_method.get_or_insert(method.as_str());
        }
        wrong_method.map_or(Ok(Endpoint::Api), Err)
    }

    fn lifetime(&self) -> Option<Duration> {
        if let Some(lifetime) = *lock(&self.lifetime) {
            return Some(lifetime);
        }
        match self.description.expiry.lifetime {
            Lifetime::Absolute(d) | Lifetime::Idle(d) => Some(d),
            _ => None,
        }
    }

    fn alive(&self, issued: &Issued, now: SystemTime) -> bool {
        let Some(lifetime) = self.lifetime() else {
            return true;
        };
        let since = match self.description.expiry.lifetime {
            Lifetime::Idle(_) => issued.last_use,
            _ => issued.issued,
        };
        now.duration_since(since).is_ok_and(|age| age < lifetime)
    }

    /// Whether `token` is valid now; a use renews an idle token.
    fn use_token(&self, token: &str) -> bool {
        let now = self.now();
        let mut tokens = lock(&self.tokens);
        match tokens.get_mut(token) {
            Some(issued) if self.alive(issued, now) => {
                issued.last_use = now;
                true
            }
            _ => false,
        }
    }

    /// Refuses the login's request `at` (a step's index, or the token request's after
    /// them) with `message`, as the documented failure chosen with `refuse_with` when
    /// it is that request's, else the one for `why`.
    fn refuse(&self, at: usize, why: Why, message: String) -> Response {
        self.counts.refused.inc();
        let description = self.description;
        let step = description.steps.get(at);
        let name = step.map(|step| step.name);
        let success = match step {
            Some(step) => step.success.as_ref(),
            None => description.success.as_ref(),
        };
        let chosen = lock(&self.refusal).filter(|case| case.step == name);
        let (case, status) = match chosen {
            Some(case) => (Some(case), 400),
            None => self.refusal_for(why, name),
        };
        let answer = answer::refusal(success, case, &message, status);
        *lock(&self.last_refusal) = Some(message);
        answer.into_response()
    }

    /// The documented failure of step `step` (`None`: the token request's), and the
    /// status when it names none, for `why`: for an OAuth 2.0 server, the RFC 6749
    /// error of that name (`invalid_client` with 401); otherwise the vendor's "wrong
    /// credentials" ([`refusal_case`]).
    fn refusal_for(&self, why: Why, step: Option<&str>) -> (Option<&'static ErrorCase>, u16) {
        let description = self.description;
        if description.oauth2.is_some() {
            let code = match why {
                Why::Request => "invalid_request",
                Why::Client => "invalid_client",
                Why::Owner => "invalid_grant",
            };
            let case = description.errors.iter().find(|case| {
                case.step == step
                    && case.when.is_some_and(|test| {
                        test.expected == auth_runtime::__private::Expected::Equals(code)
                    })
            });
            if case.is_some() {
                return (case, if why == Why::Client { 401 } else { 400 });
            }
        }
        (refusal_case(description, step), 400)
    }

    /// A new token, recorded as issued now: a JWT with `iat` and `exp` when the
    /// description reads `exp`, else random text.
    fn issue(&self, jkt: Option<String>) -> String {
        let now = self.now();
        let random = random_text(32);
        let token = if self.description.expiry.jwt_exp {
            let seconds = |t: SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let lifetime = self.lifetime().unwrap_or(Duration::from_secs(3600));
            let claims = serde_json::json!({
                "sub": "auth-mock",
                "jti": random,
                "iat": seconds(now),
                "exp": seconds(now + lifetime),
            });
            let part =
                |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
            format!(
                "{}.{}.{}",
                part(&serde_json::json!({"alg": "HS256", "typ": "JWT"})),
                part(&claims),
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_text(32)),
            )
        } else {
            random
        };
        lock(&self.tokens).insert(
            token.clone(),
            Issued {
                issued: now,
                last_use: now,
                jkt,
            },
        );
        token
    }

    /// The successful login answer carrying `token`, as the description reads it.
    fn success(&self, token: &str) -> Response {
        let description = self.description;
        let mut answer = Answer::new(200);
        let lifetime = self.lifetime();
        match (description.token, description.expiry_field) {
            (Spot::Cookie(name), Some(field)) if field.spot == Spot::Cookie(name) => {
                let max_age =
                    lifetime.map_or(String::new(), |d| format!("; Max-Age={}", d.as_secs()));
                answer.header("set-cookie", &format!("{name}={token}; Path=/{max_age}"));
            }
            (spot, _) => answer.put(spot, Value::String(token.to_owned())),
        }
        if let (Some(field), Some(lifetime)) = (description.expiry_field, lifetime) {
            let at = self.now() + lifetime;
            let unix = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            match (field.spot, field.format) {
                (Spot::Cookie(name), _) if description.token == Spot::Cookie(name) => {}
                (Spot::Cookie(name), _) => answer.header(
                    "set-cookie",
                    &format!("{name}=1; Path=/; Max-Age={}", lifetime.as_secs()),
                ),
                (spot, ExpiryFormat::Seconds) => answer.put(spot, Value::from(lifetime.as_secs())),
                (spot, ExpiryFormat::UnixTime) => answer.put(spot, Value::from(unix)),
                (spot, _) => {
                    let text = time::OffsetDateTime::from_unix_timestamp(unix_i64(unix))
                        .ok()
                        .and_then(|t| {
                            t.format(&time::format_description::well_known::Rfc3339)
                                .ok()
                        })
                        .unwrap_or_default();
                    answer.put(spot, Value::String(text));
                }
            }
        }
        if let Some(oauth2) = description.oauth2 {
            // An assertion grant buys its next token with a new assertion, not a
            // refresh token (as Google and Salesforce answer the JWT-bearer grant).
            if oauth2.grant != JWT_BEARER {
                let refresh = random_text(32);
                lock(&self.refresh_tokens).insert(refresh.clone());
                answer.put(Spot::Json(&["refresh_token"]), Value::String(refresh));
            }
            let token_type = if oauth2.dpop { "DPoP" } else { "Bearer" };
            answer.put(
                Spot::Json(&["token_type"]),
                Value::String(token_type.to_owned()),
            );
        }
        for field in description.response_fields {
            answer.put_if_absent(field.path, Value::String(format!("mock {}", field.name)));
        }
        if let (Some(base), Some(url)) = (&description.api_base, self.base_url.get()) {
            match base.spot {
                Spot::Cookie(name) => answer.header("set-cookie", &format!("{name}={url}; Path=/")),
                spot => answer.put(spot, Value::String(url.clone())),
            }
        }
        if let Some(success) = &description.success {
            answer.satisfy(success);
        }
        answer.into_response()
    }

    /// The token request: after the login's steps, if it has any.
    async fn login(&self, parts: &Parts, body: axum::body::Bytes) -> Response {
        self.counts.login_attempts.inc();
        let description = self.description;
        let at = description.steps.len();
        let refuse = |why: String| {
            self.refuse(
                at,
                Why::Request,
                format!("the login is not as described: {why}"),
            )
        };
        let received = match Received::read(
            parts,
            body,
            description.login.format,
            description.basic_encoding(),
        )
        .await
        {
            Ok(received) => received,
            Err(why) => return refuse(why),
        };
        // RFC 9449 section 5: the token endpoint binds what it issues to the proof's key.
        let jkt = match self.proven(parts, None) {
            Ok(jkt) => jkt,
            Err(refused) => return *refused,
        };
        if description.oauth2.is_some()
            && received.text(&["grant_type"], false).as_deref() == Some("refresh_token")
        {
            return self.refresh(&received, jkt);
        }
        if let Err(why) = check_shape(&description.login, description.sent, &received) {
            return refuse(why);
        }
        // Taken for good: a value of its steps is not accepted twice.
        let flow = match self.continue_flow(at, &received) {
            Ok(flow) => flow,
            Err(why) => return refuse(why),
        };
        if let Err((why, message)) = self.check_credentials(at, &flow.credentials, &received) {
            return self.refuse(at, why, message);
        }
        self.counts.logins.inc();
        let token = self.issue(jkt);
        self.success(&token)
    }

    /// The login's step `at`: its request checked as the token request is, then
    /// answered with a success carrying a fresh value for each of its bindings.
    async fn step(&self, at: usize, parts: &Parts, body: axum::body::Bytes) -> Response {
        if let Some(count) = self.counts.steps.get(at) {
            count.inc();
        }
        // `endpoint` gives the index of a step the description has.
        let Some(step) = self.description.steps.get(at) else {
            return axum::http::StatusCode::NOT_FOUND.into_response();
        };
        let refuse = |why: String| {
            self.refuse(
                at,
                Why::Request,
                format!("the `{}` step is not as described: {why}", step.name),
            )
        };
        let received = match Received::read(
            parts,
            body,
            step.endpoint.format,
            self.description.basic_encoding(),
        )
        .await
        {
            Ok(received) => received,
            Err(why) => return refuse(why),
        };
        if let Err(why) = check_shape(&step.endpoint, &[], &received) {
            return refuse(why);
        }
        let mut flow = match self.continue_flow(at, &received) {
            Ok(flow) => flow,
            Err(why) => return refuse(why),
        };
        if let Err((why, message)) = self.check_credentials(at, &flow.credentials, &received) {
            return self.refuse(at, why, message);
        }
        let mut answer = Answer::new(200);
        for binding in step.bindings {
            let value = random_text(16);
            answer.put(binding.spot, Value::String(value.clone()));
            flow.bound.bind(binding.name, value, binding.secret);
        }
        if let Some(success) = &step.success {
            answer.satisfy(success);
        }
        flow.done = at + 1;
        let mut flows = lock(&self.flows);
        if flows.len() >= MAX_FLOWS {
            flows.remove(0);
        }
        flows.push(flow);
        drop(flows);
        answer.into_response()
    }

    /// The login request `at` continues, taken out of the logins in flight, with the
    /// credentials it carries added: the one whose values it carries where its
    /// templates name an earlier step's binding. One that names none cannot say which
    /// login it is part of: the oldest waiting for it, else a login of its own (the
    /// first step's, or a one-request login's). `Err` says why it continues none, in
    /// words that show no value.
    fn continue_flow(&self, at: usize, received: &Received) -> Result<Flow, String> {
        let earlier = self.bound_before(at);
        let names_bound = self
            .names_read(self.request_at(at))
            .iter()
            .any(|name| earlier.contains(name));
        let mut flows = lock(&self.flows);
        let waiting = |flow: &Flow| flow.done == at;
        if !names_bound {
            let mut flow = match flows.iter().position(waiting) {
                Some(index) if at > 0 => flows.remove(index),
                _ => Flow {
                    done: at,
                    bound: Bindings::new(),
                    credentials: vec![None; self.description.credentials.fields().len()],
                    computed: Vec::new(),
                },
            };
            drop(flows);
            (flow.credentials, flow.computed) = self.carries(at, received, &flow)?;
            return Ok(flow);
        }
        let mut why = None;
        for index in (0..flows.len()).rev() {
            if !waiting(&flows[index]) {
                continue;
            }
            match self.carries(at, received, &flows[index]) {
                Ok((credentials, computed)) => {
                    let mut flow = flows.remove(index);
                    (flow.credentials, flow.computed) = (credentials, computed);
                    return Ok(flow);
                }
                Err(reason) => why = why.or(Some(reason)),
            }
        }
        Err(why.unwrap_or_else(|| {
            "no login is waiting for this request: a value of an earlier step is stale, \
             used already or was never issued"
                .to_owned()
        }))
    }

    /// Whether request `at` carries each of its templates as the login `flow` renders
    /// it: the runtime's interpreter writes the request the client should send, from
    /// the values the mock issued to this login, the credentials received (read out of
    /// the templates that name them, and where `sent` puts them on the token request)
    /// and the values the client computed from nothing the mock knows (a nonce, the
    /// time: read out of the templates that name them), and the path, headers and
    /// templated constants received must be that; a value computed from others (a
    /// digest, an HMAC) is so checked, computed again by the interpreter. A credential
    /// sent only inside such a value is not read: the mock tries each accepted set,
    /// and when none gives what was received, the credentials are not accepted (the
    /// vendor's documented refusal, at the request that checks them). The credentials
    /// of the login so far and its computed values, or why not, in words that show no
    /// value.
    #[allow(clippy::type_complexity)]
    fn carries(
        &self,
        at: usize,
        received: &Received,
        flow: &Flow,
    ) -> Result<(Vec<Option<String>>, Vec<(&'static str, String)>), String> {
        let description = self.description;
        let table = description.credentials;
        let endpoint = self.request_at(at);
        let mut credentials = flow.credentials.clone();
        let mut computed = flow.computed.clone();
        if at == description.steps.len() {
            for (index, sent) in description.sent.iter().enumerate() {
                if let (Some(value), Some(slot)) =
                    (received.credential(sent), credentials.get_mut(index))
                {
                    *slot = Some(value);
                }
            }
        }
        let templated = |constants: &'static [auth_runtime::description::Constant]| {
            constants
                .iter()
                .filter(|constant| const_is_template(constant.value))
                .map(|constant| constant.path)
                .collect::<Vec<_>>()
        };
        let (in_body, in_query) = (templated(endpoint.constants), templated(endpoint.query));
        if !is_template(endpoint.path)
            && endpoint.headers.is_empty()
            && in_body.is_empty()
            && in_query.is_empty()
        {
            return Ok((credentials, computed));
        }
        for site in received.sites(endpoint) {
            let Some(text) = &site.received else {
                return Err(format!("{} is missing", site.place));
            };
            let known = |name: &str| known_value(name, flow, &computed, &credentials, table);
            // Values side by side (`{password}{security_token}`) are read against the
            // accepted credentials, when a test gave some.
            let accepted = lock(&self.accepted).clone();
            let read = read_template(site.template, text, &known, table, description.computed)
                .or_else(|why| {
                    read_as_accepted(site.template, text, &known, table, &accepted).ok_or(why)
                })
                .map_err(|why| format!("{} {why}", site.place))?;
            for (what, value) in read {
                match what {
                    Read::Field(index) => {
                        if let Some(slot) = credentials.get_mut(index) {
                            *slot = Some(value);
                        }
                    }
                    Read::Computed(name) => {
                        if let Some(name) = description
                            .computed
                            .iter()
                            .map(|c| c.name)
                            .find(|known| *known == name)
                        {
                            computed.push((name, value));
                        }
                    }
                }
            }
        }
        // Credentials read only inside a computed value (a digest of the password):
        // each accepted set in turn gives them.
        let names = self.names_read(endpoint);
        let hidden: Vec<usize> = (0..credentials.len())
            .filter(|&index| credentials[index].is_none())
            .filter(|&index| {
                let field = &table.fields()[index];
                names.contains(&field.name()) || names.contains(&field.wire())
            })
            .collect();
        if hidden.is_empty() {
            self.renders(
                at,
                received,
                flow,
                &credentials,
                &computed,
                &in_body,
                &in_query,
            )?;
            return Ok((credentials, computed));
        }
        let accepted = lock(&self.accepted).clone();
        if accepted.is_empty() {
            return Err(
                "carries a credential only inside a computed value, which the mock checks \
                 only against the credentials it accepts (`MockVendor::accept`)"
                    .to_owned(),
            );
        }
        for set in &accepted {
            let mut candidate = credentials.clone();
            for &index in &hidden {
                candidate[index] = set.get(index).cloned().flatten();
            }
            if self
                .renders(
                    at, received, flow, &candidate, &computed, &in_body, &in_query,
                )
                .is_ok()
            {
                return Ok((candidate, computed));
            }
        }
        // None of the accepted credentials gives what was received: the credentials
        // are not accepted, which the vendor refuses in its documented words.
        for &index in &hidden {
            credentials[index] = Some(NOT_ACCEPTED.to_owned());
        }
        Ok((credentials, computed))
    }

    /// Whether request `at`, rendered by the interpreter with `credentials`, the
    /// values the mock issued to `flow` and the values its client computed, is what
    /// was received (its path, headers and templated constants); why not, in words
    /// that show no value.
    #[allow(clippy::too_many_arguments)]
    fn renders(
        &self,
        at: usize,
        received: &Received,
        flow: &Flow,
        credentials: &[Option<String>],
        computed: &[(&'static str, String)],
        in_body: &[&'static [&'static str]],
        in_query: &[&'static [&'static str]],
    ) -> Result<(), String> {
        let description = self.description;
        let values: Vec<Option<WireValue>> = credentials
            .iter()
            .map(|value| value.clone().map(WireValue::Plain))
            .collect();
        // The values computed from others are computed again for each rendering.
        let bound = flow.bound.without_computed();
        for (name, value) in computed {
            bound.keep_computed(name, SecretString::from(value.clone()), true);
        }
        let jwt_ids = self.signed(credentials, flow, computed)?;
        // Only the URL's path is compared: any loopback base does.
        let base = Base::new(&[], Some("http://127.0.0.1"));
        let expected = if at < description.steps.len() {
            description.step_request(&base, at, &values, &bound)
        } else {
            description.login_request_bound(&base, &values, &bound)
        }
        .map_err(|error| match error {
            auth_runtime::Error::InvalidRequest { reason, .. } => reason,
            other => other.to_string(),
        })?;
        if expected.url.path() != received.path {
            return Err("the path is not as described with this login's values".to_owned());
        }
        for (name, value) in &expected.headers {
            match received.header(name) {
                None => return Err(format!("the `{name}` header is missing")),
                Some(sent) if Some(sent) != wire_text(value) => {
                    return Err(format!(
                        "the `{name}` header is not as described with this login's values"
                    ));
                }
                Some(_) => {}
            }
        }
        for (fields, templated, query) in [
            (&expected.fields, in_body, false),
            (&expected.query, in_query, true),
        ] {
            for field in fields.iter().filter(|f| templated.contains(&f.path)) {
                let holds = match &field.value {
                    WireValue::Json(value) => received.holds(field.path, value, query),
                    other => received.text(field.path, query).as_deref() == wire_text(other),
                };
                if !holds {
                    return Err(format!(
                        "`{}` is not as described with this login's values",
                        field.path.join(".")
                    ));
                }
            }
        }
        // A JWT is good for one login: its `jti` seen again is a replay.
        let mut seen = lock(&self.jwt_ids);
        if jwt_ids.iter().any(|jti| seen.contains(jti)) {
            return Err("presents a JWT already presented (its `jti` again)".to_owned());
        }
        seen.extend(jwt_ids);
        Ok(())
    }

    /// The `jti` of each JWT the client signed and sent in this request, when each is
    /// the one the description signs with `credentials` (see `jwt::verified`); why
    /// not, in words that show no value.
    fn signed(
        &self,
        credentials: &[Option<String>],
        flow: &Flow,
        computed: &[(&'static str, String)],
    ) -> Result<Vec<String>, String> {
        let table = self.description.credentials;
        let known = |name: &str| known_value(name, flow, computed, credentials, table);
        let mut ids = Vec::new();
        for value in self.description.computed {
            let auth_description::Function::Jwt(jwt) = value.function else {
                continue;
            };
            let Some((_, token)) = computed.iter().find(|(name, _)| *name == value.name) else {
                continue;
            };
            let inputs = value
                .function
                .inputs()
                .iter()
                .map(|template| render(template, &known))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| {
                    format!("`{{{}}}` names a value the mock does not know", value.name)
                })?;
            ids.push(self.verified_jwt(&jwt, token, &inputs, value.name)?);
        }
        Ok(ids)
    }

    #[cfg(feature = "sign")]
    fn verified_jwt(
        &self,
        jwt: &auth_description::Jwt<'_>,
        token: &str,
        inputs: &[String],
        name: &str,
    ) -> Result<String, String> {
        let now = self
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        crate::jwt::verified(jwt, token, inputs, now).map_err(|why| format!("`{{{name}}}` {why}"))
    }

    #[cfg(not(feature = "sign"))]
    fn verified_jwt(
        &self,
        _: &auth_description::Jwt<'_>,
        _: &str,
        _: &[String],
        name: &str,
    ) -> Result<String, String> {
        Err(format!(
            "`{{{name}}}` is a signed JWT, which the mock verifies with its `sign` feature only"
        ))
    }

    /// The names the templates of `endpoint` read: those they name, and those the
    /// computed values they name read, through each other.
    fn names_read(&self, endpoint: &'static EndpointDescription) -> Vec<&'static str> {
        let mut names = template_names(endpoint);
        let mut at = 0;
        // Each name once: a cycle (which the generator refuses) ends here too.
        while let Some(&name) = names.get(at) {
            at += 1;
            let Some(computed) = self.description.computed.iter().find(|c| c.name == name) else {
                continue;
            };
            for input in computed.function.inputs() {
                for piece in auth_description::pieces(input).unwrap_or_default() {
                    if let auth_description::Piece::Name(read) = piece
                        && !names.contains(&read)
                    {
                        names.push(read);
                    }
                }
            }
        }
        names
    }

    /// The endpoint of the login's request `at`: a step's, or the token request's after
    /// them.
    fn request_at(&self, at: usize) -> &'static EndpointDescription {
        let description = self.description;
        description
            .steps
            .get(at)
            .map_or(&description.login, |step| &step.endpoint)
    }

    /// The names the steps before request `at` bind.
    fn bound_before(&self, at: usize) -> Vec<&'static str> {
        let steps = self.description.steps.iter().take(at);
        steps
            .flat_map(|step| step.bindings.iter().map(|binding| binding.name))
            .collect()
    }

    /// The last of the login's requests to carry a credential (in a template, or where
    /// `sent` puts it on the token request), where the credentials are checked once
    /// all are in; the token request when none does.
    fn credentials_at(&self) -> usize {
        let description = self.description;
        let last = description.steps.len();
        if !description.sent.is_empty() {
            return last;
        }
        (0..=last)
            .rev()
            .find(|&at| {
                let bound = self.bound_before(at);
                self.names_read(self.request_at(at)).iter().any(|name| {
                    !bound.contains(name) && description.credentials.field_index(name).is_some()
                })
            })
            .unwrap_or(last)
    }

    /// The credentials the login's requests carried up to request `at`, checked: by
    /// the rules at the last request to carry one (they need every field), and against
    /// the accepted sets at every request (one that agrees on each field received so
    /// far), so that wrong credentials are refused at the request that carries them.
    /// `Err` says why they are refused.
    fn check_credentials(
        &self,
        at: usize,
        credentials: &[Option<String>],
        received: &Received,
    ) -> Result<(), (Why, String)> {
        let last = at == self.credentials_at();
        let values = if last {
            let mut values = FieldValues::new(self.description.credentials);
            for (index, value) in credentials.iter().enumerate() {
                if let Some(value) = value {
                    values.set(index, value.clone());
                }
            }
            plain_values(values).map_err(|error| (Why::Request, error.to_string()))?
        } else {
            credentials.to_vec()
        };
        let agrees = |set: &Vec<Option<String>>| {
            if last {
                *set == values
            } else {
                let mut given = values.iter().zip(set);
                given.all(|(value, accepted)| value.is_none() || value == accepted)
            }
        };
        let accepted = lock(&self.accepted);
        if !accepted.is_empty() && !accepted.iter().any(agrees) {
            drop(accepted);
            let why = if self.client_authenticated(received) {
                Why::Owner
            } else {
                Why::Client
            };
            return Err((why, "these credentials are not accepted".to_owned()));
        }
        Ok(())
    }

    /// OAuth 2.0's refresh grant: a known refresh token is traded for a new token and a
    /// new refresh token (rotation); an unknown one is `invalid_grant`.
    fn refresh(&self, received: &Received, jkt: Option<String>) -> Response {
        if !self.client_authenticated(received) {
            self.counts.refused.inc();
            let why = "the client's credentials are not accepted";
            *lock(&self.last_refusal) = Some(why.to_owned());
            return invalid("invalid_client", why);
        }
        let presented = received.text(&["refresh_token"], false).unwrap_or_default();
        if !lock(&self.refresh_tokens).remove(&presented) {
            self.counts.refused.inc();
            let why = "the refresh token is not known";
            *lock(&self.last_refusal) = Some(why.to_owned());
            return invalid("invalid_grant", why);
        }
        self.counts.refreshes.inc();
        let token = self.issue(jkt);
        self.success(&token)
    }

    async fn api(&self, parts: &Parts, body: &[u8]) -> Response {
        self.counts.api_calls.inc();
        let token = presented(&self.description.placement, parts, body).await;
        // A bound token only with a proof by its key (RFC 9449 section 7.1).
        if let Some(token) = &token
            && let Err(refused) = self.proven_for(parts, token)
        {
            self.counts.rejected.inc();
            return *refused;
        }
        if token.as_deref().is_some_and(|t| self.use_token(t)) {
            let mut answer = Answer::new(200);
            answer.put(Spot::Json(&["mock"]), Value::String("ok".to_owned()));
            return answer.into_response();
        }
        self.counts.rejected.inc();
        let why = if token.is_some() {
            "the token is not valid"
        } else {
            "no token where the description applies it"
        };
        answer::rejection(self.description, why).into_response()
    }

    async fn logout(&self, parts: &Parts, body: &[u8]) -> Response {
        self.counts.logouts.inc();
        let placement = self
            .description
            .logout
            .as_ref()
            .and_then(|e| e.placement.as_ref())
            .unwrap_or(&self.description.placement);
        if let Some(token) = presented(placement, parts, body).await {
            lock(&self.tokens).remove(&token);
        }
        (
            axum::http::StatusCode::OK,
            axum::Json(serde_json::json!({})),
        )
            .into_response()
    }

    async fn keepalive(&self, parts: &Parts, body: &[u8]) -> Response {
        self.counts.keepalives.inc();
        let placement = self
            .description
            .keepalive
            .as_ref()
            .and_then(|e| e.placement.as_ref())
            .unwrap_or(&self.description.placement);
        match presented(placement, parts, body).await {
            Some(token) if self.use_token(&token) => (
                axum::http::StatusCode::OK,
                axum::Json(serde_json::json!({})),
            )
                .into_response(),
            _ => {
                self.counts.rejected.inc();
                answer::rejection(self.description, "the token is not valid").into_response()
            }
        }
    }

    /// RFC 7009: the token (access or refresh) is forgotten; 200 even when unknown.
    /// The client authenticates as on the token endpoint.
    async fn revoke(&self, parts: &Parts, body: axum::body::Bytes) -> Response {
        self.counts.revocations.inc();
        if let Err(refused) = self.proven(parts, None) {
            return *refused;
        }
        let received = match Received::read(
            parts,
            body,
            auth_runtime::__private::WireFormat::Form,
            self.description.basic_encoding(),
        )
        .await
        {
            Ok(received) => received,
            Err(why) => return invalid("invalid_request", &why),
        };
        if !self.client_authenticated(&received) {
            return invalid(
                "invalid_client",
                "the client's credentials are not accepted",
            );
        }
        if let Some(token) = received.text(&["token"], false) {
            lock(&self.tokens).remove(&token);
            lock(&self.refresh_tokens).remove(&token);
        }
        axum::http::StatusCode::OK.into_response()
    }

    /// The thumbprint of the key a good DPoP proof on this request was signed with,
    /// for a description that binds tokens (`None` for one that does not); else the
    /// answer refusing it: 400 `invalid_dpop_proof` or `use_dpop_nonce` at the token
    /// and revocation endpoints (sections 5 and 8), 401 with a `WWW-Authenticate: DPoP`
    /// challenge for an API call with `token` (sections 7.1 and 9), with the nonce
    /// when the mock hands them out.
    #[cfg(feature = "sign")]
    fn proven(&self, parts: &Parts, token: Option<&str>) -> Result<Option<String>, Box<Response>> {
        use auth_faults::dpop::Refused;
        if !self.description.oauth2.is_some_and(|oauth2| oauth2.dpop) {
            return Ok(None);
        }
        let now = self
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let refused = match self
            .proofs
            .check(&parts.headers, &parts.method, &parts.uri, token, now)
        {
            Ok(jkt) => return Ok(Some(jkt)),
            Err(refused) => refused,
        };
        let (code, why) = match refused {
            Refused::Nonce => ("use_dpop_nonce", "a DPoP nonce is required"),
            Refused::Invalid(why) => ("invalid_dpop_proof", why),
        };
        *lock(&self.last_refusal) = Some(why.to_owned());
        let mut response = match token {
            None => invalid(code, why),
            Some(_) => {
                let mut response = (
                    axum::http::StatusCode::UNAUTHORIZED,
                    axum::Json(serde_json::json!({"error": code})),
                )
                    .into_response();
                if let Ok(value) = axum::http::HeaderValue::from_str(&format!(
                    "DPoP error=\"{code}\", algs=\"ES256\""
                )) {
                    response
                        .headers_mut()
                        .insert(axum::http::header::WWW_AUTHENTICATE, value);
                }
                response
            }
        };
        if let Some(nonce) = self.proofs.nonce()
            && let Ok(value) = axum::http::HeaderValue::from_str(&nonce)
        {
            response.headers_mut().insert("dpop-nonce", value);
        }
        Err(Box::new(response))
    }

    /// Without the `sign` feature the mock checks no DPoP proof: a description that
    /// binds tokens is refused, saying so.
    #[cfg(not(feature = "sign"))]
    fn proven(&self, _: &Parts, _: Option<&str>) -> Result<Option<String>, Box<Response>> {
        match self.description.oauth2.is_some_and(|oauth2| oauth2.dpop) {
            true => Err(Box::new(invalid(
                "invalid_dpop_proof",
                "the mock checks DPoP proofs with its `sign` feature only",
            ))),
            false => Ok(None),
        }
    }

    /// A DPoP proof on an API call with `token`, by the key `token` is bound to.
    fn proven_for(&self, parts: &Parts, token: &str) -> Result<(), Box<Response>> {
        let bound = lock(&self.tokens)
            .get(token)
            .and_then(|issued| issued.jkt.clone());
        let Some(bound) = bound else {
            // Unbound (or unknown: the token check answers that).
            return Ok(());
        };
        match self.proven(parts, Some(token))? {
            Some(jkt) if jkt == bound => Ok(()),
            _ => Err(Box::new(
                answer::rejection(self.description, "the DPoP proof is by another key")
                    .into_response(),
            )),
        }
    }

    /// Whether the OAuth 2.0 client authenticated as an accepted credential set has it
    /// (HTTP Basic, or `client_id` and `client_secret` in the body); with no set
    /// accepted, or no client authentication in the description (a JWT-bearer login's
    /// assertion says who the client is), any client is.
    fn client_authenticated(&self, received: &Received) -> bool {
        let description = self.description;
        let fields = description.credentials.fields();
        let client: Vec<(usize, Option<String>)> = description
            .sent
            .iter()
            .zip(fields)
            .enumerate()
            // A field sent only inside templates (the JWT-bearer grant's `client_id`, in
            // the assertion) is not how the client authenticates.
            .filter(|(_, (sent, field))| {
                matches!(sent.place, SentIn::BasicUser | SentIn::BasicPassword)
                    || (sent.place != SentIn::Templates
                        && ["client_id", "client_secret"].contains(&field.wire()))
            })
            .map(|(index, (sent, _))| (index, received.credential(sent)))
            .collect();
        let accepted = lock(&self.accepted);
        accepted.is_empty()
            || accepted.iter().any(|set| {
                client
                    .iter()
                    .all(|(index, value)| set.get(*index).is_some_and(|v| v == value))
            })
    }
}

impl Answer {
    /// Puts `value` at a JSON `path` unless the answer already has a value there.
    fn put_if_absent(&mut self, path: &'static [&'static str], value: Value) {
        if !self.has(path) {
            self.put(Spot::Json(path), value);
        }
    }
}

async fn serve(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let endpoint = match shared.endpoint(&parts) {
        Ok(endpoint) => endpoint,
        Err(method) => {
            return (
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                format!("auth-mock: the description sends {method} here\n"),
            )
                .into_response();
        }
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "auth-mock: the body is larger than 1 MiB\n",
        )
            .into_response();
    };
    match endpoint {
        Endpoint::Step(at) => shared.step(at, &parts, body).await,
        Endpoint::Login => shared.login(&parts, body).await,
        Endpoint::Logout => shared.logout(&parts, &body).await,
        Endpoint::KeepAlive => shared.keepalive(&parts, &body).await,
        Endpoint::Revoke => shared.revoke(&parts, body).await,
        Endpoint::Api => shared.api(&parts, &body).await,
    }
}

/// Answers a request by an armed fault of its scope, if any.
async fn inject_fault(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let scope = match shared.endpoint(&parts) {
        Ok(Endpoint::Login | Endpoint::Step(_)) => Scope::Login,
        Ok(Endpoint::Logout | Endpoint::Revoke) => Scope::Logout,
        _ => Scope::Api,
    };
    let request = Request::from_parts(parts, body);
    match shared.faults.take(scope) {
        Some(fault) => auth_faults::answer(fault, request, next).await,
        None => next.run(request).await,
    }
}

/// The described constants of `endpoint` are there, and nothing it does not send
/// (its constants, and the credential fields `sent` puts in its body or query). A
/// constant holding a template is checked with the login's values instead
/// (`Shared::carries`).
fn check_shape(
    endpoint: &EndpointDescription,
    sent: &[Sent],
    received: &Received,
) -> Result<(), String> {
    let mut expected: Vec<(String, bool)> = Vec::new();
    for (constants, in_query) in [(endpoint.constants, false), (endpoint.query, true)] {
        for constant in constants {
            expected.push((constant.path.join("."), in_query));
            if const_is_template(constant.value) {
                continue;
            }
            let value = auth_runtime::description::const_json(constant.value);
            if !received.holds(constant.path, &value, in_query) {
                return Err(format!(
                    "`{}` is not {value}{}",
                    constant.path.join("."),
                    if in_query { " in the query" } else { "" }
                ));
            }
        }
    }
    for sent in sent {
        expected.push((sent.path.join("."), sent.place == SentIn::Query));
    }
    let unexpected: Vec<String> = received
        .names()
        .into_iter()
        .filter(|(name, in_query)| {
            !expected
                .iter()
                .any(|(e, q)| q == in_query && (e == name || name.starts_with(&format!("{e}."))))
        })
        .map(|(name, in_query)| {
            if in_query {
                format!("`{name}` (query)")
            } else {
                format!("`{name}`")
            }
        })
        .collect();
    if unexpected.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "it carries {}, which the description does not send",
            unexpected.join(", ")
        ))
    }
}

/// Whether a request's `path` is at the described `template`: the same text, or for a
/// template, the same segments, a segment naming a value matching any one segment
/// (whose value `Shared::carries` checks).
fn path_matches(template: &str, path: &str) -> bool {
    if !is_template(template) {
        return template == path;
    }
    let (described, received): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.split('/').collect());
    described.len() == received.len()
        && described.iter().zip(&received).all(|(segment, sent)| {
            let Ok(pieces) = auth_description::pieces(segment) else {
                return false;
            };
            let mut literal = String::new();
            for piece in pieces {
                match piece {
                    auth_description::Piece::Text(text) => literal.push_str(text),
                    auth_description::Piece::Brace(brace) => literal.push(brace),
                    auth_description::Piece::Name(_) => return !sent.is_empty(),
                }
            }
            literal == *sent
        })
}

/// The text of a value the interpreter renders; `None` for JSON other than a string,
/// which is compared as JSON.
fn wire_text(value: &WireValue) -> Option<&str> {
    match value {
        WireValue::Plain(text) | WireValue::Json(Value::String(text)) => Some(text),
        WireValue::Secret(secret) => Some(secret.expose_secret()),
        WireValue::Json(_) => None,
    }
}

/// Every field's value of `values` after checking the rules, as text by field index.
fn plain_values(values: FieldValues) -> Result<Vec<Option<String>>, CredentialsError> {
    let count = values.table().fields().len();
    let mut checked = values.finish()?;
    Ok((0..count).map(|index| checked.plain_opt(index)).collect())
}

/// The JWT-bearer grant's `grant_type` (RFC 7523 section 2.1).
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An OAuth 2.0 error answer (RFC 6749 section 5.2): 401 for `invalid_client`, else 400.
fn invalid(error: &str, description: &str) -> Response {
    let status = if error == "invalid_client" { 401 } else { 400 };
    let mut answer = Answer::new(status);
    answer.put(Spot::Json(&["error"]), Value::String(error.to_owned()));
    answer.put(
        Spot::Json(&["error_description"]),
        Value::String(description.to_owned()),
    );
    answer.into_response()
}

fn random_text(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}

fn unix_i64(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

/// The value of `name` the mock knows in a login: one it issued to the login, one the
/// client computed and sent, or a credential read so far.
fn known_value(
    name: &str,
    flow: &Flow,
    computed: &[(&'static str, String)],
    credentials: &[Option<String>],
    table: &auth_runtime::__private::CredentialTable,
) -> Option<String> {
    match flow.bound.get(name) {
        Some((value, _)) => Some(value.expose_secret().to_owned()),
        None => computed
            .iter()
            .find(|(read, _)| *read == name)
            .map(|(_, value)| value.clone())
            .or_else(|| {
                table
                    .field_index(name)
                    .and_then(|index| credentials.get(index).cloned().flatten())
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn a_path_template_matches_one_segment_where_it_names_a_value() {
        assert!(path_matches("/token", "/token"));
        assert!(!path_matches("/token", "/token/"));
        let template = "/sessions/{session}/token";
        assert!(path_matches(template, "/sessions/abc%2Fd/token"));
        assert!(!path_matches(template, "/sessions//token"));
        assert!(!path_matches(template, "/sessions/a/b/token"));
        assert!(!path_matches(template, "/session/a/token"));
        assert!(path_matches("/v{{1}}/{id}", "/v{1}/x"));
        assert!(!path_matches("/{broken", "/x"));
    }
}
