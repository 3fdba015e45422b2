//! # auth-runtime
//!
//! Token authentication for vendor HTTP APIs. Describe the vendor's token endpoint once
//! with [`#[auth_provider]`](macro@auth_provider), and a [`Session`] logs in, caches the
//! token (lock-free while it is fresh), replaces it once for any number of concurrent
//! callers when it is due, puts it on your requests the vendor's way, logs in again
//! once when the vendor rejects it, and logs out — without ever showing a secret in
//! `Debug`, errors or logs.
//!
//! Ready-made providers for Modulus, CRM.COM, Currencycloud and OneBox are in the
//! `auth-vendors` crate, generated from their spec files; they need no generator (depend
//! on this crate with `default-features = false` beside them).
//!
//! ## Log in and send
//!
//! Any provider, ready-made or your own, is used the same way. Here the provider is a
//! vendor's token endpoint described in a few lines (OneBox's; the example runs against
//! the repository's simulator):
//!
//! ```
//! use auth_runtime::{Session, auth_provider};
//!
//! /// A OneBox host.
//! #[auth_provider(
//!     vendor = "OneBox",
//!     base = "{host}",
//!     login(path = "/api/authenticate", format = "json"),
//!     token = "token",
//!     apply(bearer),
//!     expiry(absolute = "15m", jwt),
//! )]
//! pub struct OneBox {
//!     email: String,
//!     #[auth(secret)]
//!     password: String,
//!     #[auth(rename = "siteId")]
//!     site_id: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = auth_sim::Sim::start().await;
//! # let host = format!("{}{}", sim.base_url(), auth_sim::onebox::PREFIX);
//! // let host = "https://cloud.onebox.co.id";
//!
//! // The builder compiles only with every mandatory field: leave out `.site_id(...)`
//! // and the error says "OneBox credentials: `site_id` is mandatory".
//! let credentials = OneBox::credentials()
//!     .email("userdemo@gmail.com")
//!     .password("userdemo")
//!     .site_id("123")
//!     .build();
//! let session = Session::new(OneBox::new(&host), credentials)?;
//!
//! // Logs in on first use; the token goes in an `Authorization: Bearer` header.
//! let url = format!("{host}/api/list");
//! let response = session.send(session.request(reqwest::Method::GET, &url)).await?;
//! assert!(response.status().is_success());
//! # Ok(())
//! # }
//! ```
//!
//! ## Describe your vendor
//!
//! The struct's fields are the credentials (`String`: mandatory, `Option<String>`: not
//! always given); the attribute describes the endpoint. The struct becomes the provider
//! (its constructor takes the `{placeholders}` of `base`), and the attribute generates
//! `ExampleCredentials` with its builder, `ExampleLoginResponse` and `ExampleError`.
//!
//! ```
//! use auth_runtime::auth_provider;
//!
//! /// Example Corp's token endpoint.
//! #[auth_provider(
//!     vendor = "Example Corp",
//!     base = "https://{tenant}.example.com",
//!     login(path = "/oauth/login", format = "form"),
//!     token = "data.access_token",
//!     success(path = "status", equals = "ok"),
//!     apply(bearer),
//!     expiry(idle = "30m"),
//!     response(user_id = "data.user.id"),
//!     one_of((username, password), (api_key)),
//!     error(Locked, status = 423, display = "the account is locked", fields(reason = "reason")),
//!     logout(path = "/oauth/logout"),
//! )]
//! pub struct Example {
//!     /// The user's name.
//!     username: Option<String>,
//!     #[auth(secret)]
//!     password: Option<String>,
//!     #[auth(secret, rename = "key", length = 32, charset = "hex")]
//!     api_key: Option<String>,
//! }
//!
//! let provider = Example::new("acme");
//! let credentials = Example::credentials().username("ada").password("s3cret").build();
//! # let _ = (provider, credentials);
//! ```
//!
//! | key | meaning |
//! |---|---|
//! | `vendor = ".."` | the vendor's name, used in every message |
//! | `base = ".."` | base URL; `{name}` placeholders become arguments of `new` |
//! | `login(path, method, format)` | the token endpoint; `format` is `json`, `form` or `multipart` |
//! | `logout(path, method, format)` | the vendor's logout, if any; the token is applied to it |
//! | `keepalive(path, method, format)` | the call that extends a token's life ([`Session::keep_alive`]) |
//! | `oauth2(grant = "password" \| "client_credentials", revoke = "..")` | an OAuth 2.0 token endpoint; `revoke`: its revocation endpoint (RFC 7009) is the logout |
//! | `token = "a.b"` | where the token is in a successful response; `"."`: the body is the token |
//! | `success(path, equals)` | what marks a response as successful besides a 2xx status |
//! | `rejected(path, equals)` | what in an API response's JSON body means "token rejected", besides HTTP 401 |
//! | `apply(bearer \| header = ".." \| query = ".." \| body = "..")` | where the token goes on API requests |
//! | `expiry(absolute = ".." \| idle = ".." \| unknown, jwt, field = "..", format = "..")` | the lifetime; `jwt` lets a JWT's `exp` decide; `field` reads it from the response (`seconds`, `rfc3339`, `unix`) |
//! | `one_of((a, b), (c))` | exactly one alternative is given, each whole |
//! | `response(name = "path")` | more fields of the successful response |
//! | `error(Variant, status, path, equals, display, doc, fields(..))` | a documented failure, its condition inline as in `success`; `fields(x = field_messages("path"))` keeps per-field messages |
//! | `computed(name(sha256 = "{nonce}{password}"), ts(now = "unix"))` | values computed once per attempt to log in (`sha256`, `sha512`, `hmac_sha256` with `key`, `base64`, `concat`, `now`, `nonce`, `uuid`; `output` `hex`, `base64`, `base64url`), named `{name}` by any request's templates |
//! | `crate = "path"` | where `auth_runtime` is, when re-exported under another name |
//! | field `#[auth(secret, rename = "a.b", requires = other, max_length, length, charset, basic = "user" \| "password")]` | secrets, wire names (dotted: nested JSON), rules, checks, HTTP Basic credentials |
//!
//! ## Credentials from configuration
//!
//! Every generated credentials type can also be built at run time, under the same rules
//! and in the same words as the builder's compile errors: `XCredentials::draft()` with
//! `set(name, value)` and `try_build()`, `serde::Deserialize`, and
//! `XCredentials::from_env("PREFIX_")`; see [`credentials`] and [`CredentialsError`].
//!
//! ## Choose an expiry policy
//!
//! A provider states the vendor's documented lifetime; [`SessionBuilder::expiry`]
//! overrides it (CRM.COM releases that expire tokens after an hour of *inactivity*:
//! `ExpiryPolicy::idle(Duration::from_secs(3600))`). A token is replaced a margin before
//! it expires: 10% of its lifetime, between 1 s and 5 min, plus up to a quarter more at
//! random so replicas do not log in together. [`ExpiryPolicy::with_jwt_exp`] lets a JWT's
//! `exp` claim decide; [`SessionBuilder::background_refresh`] replaces tokens before any
//! caller has to wait; [`SessionBuilder::on_token`] and [`SessionBuilder::restore`] keep
//! a token across restarts.
//!
//! Checking that a cached token is still fresh reads no clock: sessions compare against
//! a millisecond counter that one small thread, `authgen-clock`, keeps current while
//! tokens are being read (it stops after a second without reads; see [`Clock::system`]).
//! Tests use [`Clock::manual`] and move time themselves.
//!
//! ## Send requests
//!
//! [`Session::send`] takes a `reqwest::RequestBuilder`, puts the token on, and on a 401
//! replaces the token (one login for all concurrent callers) and replays the request
//! once when its body can be replayed. Existing stacks adopt it on the session's own
//! client: `AuthMiddleware::client_builder(session)` for `reqwest-middleware` (feature
//! `middleware`), or `AuthLayer` over a `SessionClient` for `tower` (feature `tower`);
//! neither can be had over a client of your own. [`Session::token`] gives the token
//! itself.
//!
//! The token goes only to the vendor's origins (those of its own endpoints, plus
//! [`SessionBuilder::allow_origin`]), over https or to a loopback host, on the
//! session's own client, which follows no redirect to another origin; proxies and
//! certificates go in [`SessionBuilder::configure_client`].
//!
//! ## When logins fail
//!
//! A session remembers its failed logins across calls: after a refusal it does not try
//! the same credentials again for [`SessionBuilder::refusal_hold`] (callers get the
//! vendor's refusal meanwhile, without a request), after a `Retry-After` not before
//! it, and after transient failures only after a cool-down that doubles each time
//! ([`Session::login_held_for`]). One login, retries included, ends within
//! [`SessionBuilder::login_deadline`]. Errors never hold a secret the session sent or a
//! token it holds, whatever the vendor echoed.
//!
//! ## Handle errors
//!
//! Each vendor has its own error enum: one variant per documented failure, with the
//! vendor's fields, plus `Runtime(`[`Error`]`)` for what every vendor shares
//! (transport, timeout, decoding, rate limiting, a rejected token). A refused login is
//! never retried (Currencycloud locks an account after four); transient failures are,
//! as [`RetryPolicy`] says.
//!
//! ```
//! use auth_runtime::{Error, Session, auth_provider};
//!
//! /// A OneBox host; a 401 is its documented refusal.
//! #[auth_provider(
//!     vendor = "OneBox",
//!     base = "{host}",
//!     login(path = "/api/authenticate", format = "json"),
//!     token = "token",
//!     apply(bearer),
//!     expiry(absolute = "15m", jwt),
//!     error(Unauthorized, status = 401, fields(message = "records.userMessage")),
//! )]
//! pub struct OneBox {
//!     email: String,
//!     #[auth(secret)]
//!     password: String,
//!     #[auth(rename = "siteId")]
//!     site_id: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = auth_sim::Sim::start().await;
//! # let host = format!("{}{}", sim.base_url(), auth_sim::onebox::PREFIX);
//! let credentials = OneBox::credentials()
//!     .email("userdemo@gmail.com")
//!     .password("wrong")
//!     .site_id("123")
//!     .build();
//! let session = Session::new(OneBox::new(&host), credentials)?;
//! match session.token().await {
//!     Err(OneBoxError::Unauthorized { message }) => println!("refused: {message:?}"),
//!     Err(OneBoxError::Runtime(Error::Timeout { .. })) => println!("try later"),
//!     Err(other) => return Err(other.into()),
//!     Ok(_) => unreachable!("the password is wrong"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Write a provider by hand
//!
//! For a vendor the attribute cannot describe yet, implement [`Provider`] yourself:
//! everything it needs is in this crate. A provider does no I/O — it builds the login
//! request and reads the whole answer ([`LoginReply`]: status, headers, body) — so it
//! can be tested on bytes. Here Acme returns the token in a response header:
//!
//! ```
//! use std::time::Duration;
//!
//! use auth_runtime::{
//!     Error, ExpiryPolicy, ExposeSecret, HeaderMap, Login, LoginReply, Method, Placement,
//!     Provider, SecretString, Session, Stage, Url, VendorRequest, WireField, WireFormat,
//!     WireValue,
//! };
//!
//! /// Acme's API: `POST /session` with `{"key": ...}`; the token comes back in the
//! /// `X-Session` header and goes on every call in the same header, for an hour.
//! pub struct Acme {
//!     base: Url,
//! }
//!
//! /// Acme credentials; `Debug` never shows the key.
//! pub struct AcmeCredentials {
//!     pub key: SecretString,
//! }
//!
//! impl std::fmt::Debug for AcmeCredentials {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         f.write_str("AcmeCredentials { key: [REDACTED] }")
//!     }
//! }
//!
//! /// Acme's documented failure, and what every vendor shares.
//! #[derive(Debug, Clone)]
//! pub enum AcmeError {
//!     /// 401: the key is wrong.
//!     WrongKey,
//!     /// Transport, timeouts, undocumented answers...
//!     Runtime(Error),
//! }
//!
//! impl From<Error> for AcmeError {
//!     fn from(error: Error) -> Self {
//!         AcmeError::Runtime(error)
//!     }
//! }
//!
//! impl std::fmt::Display for AcmeError {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         match self {
//!             AcmeError::WrongKey => f.write_str("Acme refused the key"),
//!             AcmeError::Runtime(error) => error.fmt(f),
//!         }
//!     }
//! }
//!
//! impl std::error::Error for AcmeError {}
//!
//! impl Provider for Acme {
//!     type Credentials = AcmeCredentials;
//!     type Response = ();
//!     type Error = AcmeError;
//!     const VENDOR: &'static str = "Acme";
//!
//!     fn login_request(&self, credentials: &AcmeCredentials) -> Result<VendorRequest, AcmeError> {
//!         let url = self.base.join("/session").map_err(|e| Error::InvalidUrl {
//!             vendor: Self::VENDOR,
//!             reason: e.to_string(),
//!         })?;
//!         let mut request = VendorRequest::new(Method::Post, url, WireFormat::Json);
//!         request.fields.push(WireField {
//!             path: &["key"],
//!             value: WireValue::Secret(credentials.key.clone()),
//!         });
//!         Ok(request)
//!     }
//!
//!     fn decode_login(&self, reply: &LoginReply<'_>) -> Result<Login<()>, AcmeError> {
//!         match reply.status {
//!             200..=299 => {
//!                 let token = reply
//!                     .headers
//!                     .get("x-session")
//!                     .and_then(|v| v.to_str().ok())
//!                     .filter(|t| !t.is_empty())
//!                     .ok_or_else(|| Error::Decode {
//!                         vendor: Self::VENDOR,
//!                         stage: Stage::Login,
//!                         status: reply.status,
//!                         reason: "no X-Session header".to_owned(),
//!                         excerpt: auth_runtime::excerpt(reply.body),
//!                     })?;
//!                 Ok(Login::new(SecretString::from(token), ()))
//!             }
//!             401 => Err(AcmeError::WrongKey),
//!             status => Err(Error::UnexpectedStatus {
//!                 vendor: Self::VENDOR,
//!                 stage: Stage::Login,
//!                 status,
//!                 excerpt: auth_runtime::excerpt(reply.body),
//!             }
//!             .into()),
//!         }
//!     }
//!
//!     fn placement(&self) -> &Placement {
//!         const IN_HEADER: Placement = Placement {
//!             header: Some("X-Session"),
//!             ..Placement::NONE
//!         };
//!         &IN_HEADER
//!     }
//!
//!     fn expiry(&self) -> ExpiryPolicy {
//!         ExpiryPolicy::absolute(Duration::from_secs(3600))
//!     }
//!
//!     // Lets the session tell a garbled answer from a refusal.
//!     fn runtime_error(error: &mut AcmeError) -> Option<&mut Error> {
//!         match error {
//!             AcmeError::Runtime(error) => Some(error),
//!             _ => None,
//!         }
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let acme = Acme { base: Url::parse("https://api.acme.example")? };
//! // The decoder is a pure function: test it on answers.
//! let mut headers = HeaderMap::new();
//! headers.insert("x-session", "s3ss10n".parse()?);
//! let login = acme.decode_login(&LoginReply::new(200, b"").with_headers(&headers))?;
//! assert_eq!(login.token.expose_secret(), "s3ss10n");
//! assert!(matches!(acme.decode_login(&LoginReply::new(401, b"")), Err(AcmeError::WrongKey)));
//!
//! let credentials = AcmeCredentials { key: SecretString::from("k3y") };
//! let session = Session::new(acme, credentials)?;
//! # let _ = session;
//! # Ok(())
//! # }
//! ```
//!
//! ## Write a login by hand
//!
//! Some logins no description can say: Riddle's first asks for a challenge, then wants
//! an HMAC of it keyed by the password, which your code computes; and every call
//! carries a signature over the request. Write the login as a [`HandLogin`], turned on
//! by [`Provider::login_procedure`], and the signature as the per-request hook
//! [`Provider::sign_request`]. The login sends its requests through the
//! [`LoginClient`] it is given, which keeps the session's rules: only the vendor's
//! origins (a request elsewhere fails before anything is sent), no redirects, capped
//! bodies, the login's deadline, and every secret it knows (the credentials' secret
//! values, the secret values of the requests sent, and what
//! [`LoginClient::secret`] marks) taken out of the answers it hands back. The session
//! keeps the rest: one login for any number of callers, a refusal held, the store,
//! background refresh, keep-alive and logout; it calls the login when it needs a
//! token, never when it is built. The hook runs on [`Session::send`], `AuthMiddleware`
//! and `AuthLayer`, only for requests to the vendor's origins.
//!
//! ```
//! use std::time::Duration;
//!
//! use auth_runtime::{
//!     ApiRequest, Error, ExpiryPolicy, ExposeSecret, HandLogin, HeaderName, HeaderValue,
//!     Login, LoginClient, LoginProcedure, LoginReply, Method, Placement, Provider,
//!     SecretString, Session, Url, VendorRequest, WireField, WireFormat, WireValue,
//! };
//! use hmac::{Hmac, KeyInit as _, Mac as _};
//! use sha2::Sha256;
//!
//! /// HMAC-SHA256 of `message` keyed by `key`, in hexadecimal.
//! fn hmac_hex(key: &[u8], message: &[u8]) -> String {
//!     let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
//!         return String::new(); // HMAC takes a key of any length.
//!     };
//!     mac.update(message);
//!     mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
//! }
//!
//! /// Riddle: `GET /challenge?user=` answers `{"challenge": ...}`; `POST /answer` with
//! /// `{"user", "challenge", "proof"}`, the proof an HMAC of the challenge keyed by the
//! /// password, answers `{"token", "expires_in"}` or 401. Every call carries the token
//! /// as a bearer and `X-Signature`, an HMAC of `method \n path \n body` keyed by it.
//! pub struct Riddle {
//!     base: Url,
//! }
//!
//! pub struct RiddleCredentials {
//!     pub user: String,
//!     pub password: SecretString,
//! }
//!
//! #[derive(Debug, Clone)]
//! pub enum RiddleError {
//!     /// 401 to the answer.
//!     WrongPassword,
//!     /// A streamed body cannot be signed.
//!     Unsignable,
//!     Runtime(Error),
//! }
//!
//! impl From<Error> for RiddleError {
//!     fn from(error: Error) -> Self {
//!         RiddleError::Runtime(error)
//!     }
//! }
//!
//! impl std::fmt::Display for RiddleError {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         match self {
//!             RiddleError::WrongPassword => f.write_str("Riddle refused the password"),
//!             RiddleError::Unsignable => f.write_str("Riddle: a streamed body cannot be signed"),
//!             RiddleError::Runtime(error) => error.fmt(f),
//!         }
//!     }
//! }
//!
//! impl std::error::Error for RiddleError {}
//!
//! impl Riddle {
//!     fn url(&self, path: &str) -> Result<Url, Error> {
//!         self.base.join(path).map_err(|e| Error::InvalidUrl {
//!             vendor: Self::VENDOR,
//!             reason: e.to_string(),
//!         })
//!     }
//! }
//!
//! impl Provider for Riddle {
//!     type Credentials = RiddleCredentials;
//!     type Response = ();
//!     type Error = RiddleError;
//!     const VENDOR: &'static str = "Riddle";
//!
//!     // With a hand login, this names the credentials: its origin is admitted, its
//!     // secret values are scrubbed, a shared store keys the account by it.
//!     fn login_request(&self, credentials: &RiddleCredentials) -> Result<VendorRequest, RiddleError> {
//!         let mut request = VendorRequest::new(Method::Post, self.url("/answer")?, WireFormat::Json);
//!         request.fields.push(WireField {
//!             path: &["user"],
//!             value: WireValue::Plain(credentials.user.clone()),
//!         });
//!         request.fields.push(WireField {
//!             path: &["password"],
//!             value: WireValue::Secret(credentials.password.clone()),
//!         });
//!         Ok(request)
//!     }
//!
//!     fn login_procedure(&self) -> LoginProcedure<Self> {
//!         LoginProcedure::by_hand()
//!     }
//!
//!     fn decode_login(&self, reply: &LoginReply<'_>) -> Result<Login<()>, RiddleError> {
//!         let answer: serde_json::Value = serde_json::from_slice(reply.body).unwrap_or_default();
//!         match (reply.status, answer["token"].as_str()) {
//!             (200, Some(token)) => Ok(Login::new(SecretString::from(token), ())
//!                 .with_expires_in(answer["expires_in"].as_u64().map(Duration::from_secs))),
//!             (401, _) => Err(RiddleError::WrongPassword),
//!             (status, _) => Err(Error::UnexpectedStatus {
//!                 vendor: Self::VENDOR,
//!                 stage: auth_runtime::Stage::Login,
//!                 status,
//!                 excerpt: auth_runtime::excerpt(reply.body),
//!             }
//!             .into()),
//!         }
//!     }
//!
//!     fn placement(&self) -> &Placement {
//!         const BEARER: Placement = Placement { bearer: true, ..Placement::NONE };
//!         &BEARER
//!     }
//!
//!     fn expiry(&self) -> ExpiryPolicy {
//!         ExpiryPolicy::absolute(Duration::from_secs(900))
//!     }
//!
//!     fn runtime_error(error: &mut RiddleError) -> Option<&mut Error> {
//!         match error {
//!             RiddleError::Runtime(error) => Some(error),
//!             _ => None,
//!         }
//!     }
//!
//!     // The per-request hook: a signature over the request, keyed by the token.
//!     fn sign_request(&self, _: &RiddleCredentials, request: &mut ApiRequest<'_>) -> Result<(), RiddleError> {
//!         let body = match (request.body(), request.method().as_str()) {
//!             (Some(body), _) => body,
//!             (None, "GET" | "HEAD" | "DELETE") => &[],
//!             (None, _) => return Err(RiddleError::Unsignable),
//!         };
//!         let mut signed = format!("{}\n{}\n", request.method(), request.url().path()).into_bytes();
//!         signed.extend_from_slice(body);
//!         let signature = hmac_hex(request.expose_token().as_bytes(), &signed);
//!         let value = HeaderValue::from_str(&signature).map_err(|_| RiddleError::Unsignable)?;
//!         request.insert_header(HeaderName::from_static("x-signature"), value);
//!         Ok(())
//!     }
//! }
//!
//! impl HandLogin for Riddle {
//!     async fn log_in(
//!         &self,
//!         credentials: &RiddleCredentials,
//!         client: &LoginClient,
//!     ) -> Result<Login<()>, RiddleError> {
//!         let mut url = self.url("/challenge")?;
//!         url.query_pairs_mut().append_pair("user", &credentials.user);
//!         // A form request without fields has no body: a plain GET.
//!         let answer = client.send(VendorRequest::new(Method::Get, url, WireFormat::Form)).await?;
//!         let challenge: serde_json::Value = serde_json::from_slice(answer.body())
//!             .map_err(|e| answer.undecodable(e.to_string()))?;
//!         let Some(challenge) = challenge["challenge"].as_str() else {
//!             return Err(answer.undecodable("no challenge").into());
//!         };
//!         let proof = hmac_hex(credentials.password.expose_secret().as_bytes(), challenge.as_bytes());
//!         let mut request = VendorRequest::new(Method::Post, self.url("/answer")?, WireFormat::Json);
//!         for (name, value) in [
//!             (&["user"], WireValue::Plain(credentials.user.clone())),
//!             (&["challenge"], WireValue::Plain(challenge.to_owned())),
//!             // Secret: taken out of every answer and error.
//!             (&["proof"], WireValue::Secret(SecretString::from(proof))),
//!         ] {
//!             request.fields.push(WireField { path: name, value });
//!         }
//!         let answer = client.send(request).await?;
//!         self.decode_login(&answer.reply())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let riddle = Riddle { base: Url::parse("https://api.riddle.example")? };
//! let credentials = RiddleCredentials {
//!     user: "ada".to_owned(),
//!     password: SecretString::from("correct horse"),
//! };
//! // Nothing is sent yet: the first call that needs a token logs in.
//! let session = Session::builder(riddle, credentials).build()?;
//! assert!(session.cached_token().is_none());
//! // A request to another origin fails before any login, and before the hook.
//! let elsewhere = session.send(session.get("https://elsewhere.example/data")).await;
//! assert!(matches!(elsewhere, Err(RiddleError::Runtime(Error::OriginNotAllowed { .. }))));
//! # Ok(())
//! # }
//! ```
//!
//! This vendor's twin, Vault, runs end to end against a server on 127.0.0.1 in the
//! repository's `tests/tests/hand_login.rs`.
//!
//! ## Observe
//!
//! Sessions log through `tracing` (logins with their reason and duration, failures,
//! retries, store fallbacks; never a secret). With the feature `metrics` they also
//! count and time what they do through the `metrics` facade: logins by reason and
//! kind, failed logins by kind, login durations, cached against waiting token
//! requests, store outcomes and token rejections. The names, labels and values are in
//! [`metrics`]; install the exporter before building sessions.
//!
//! ## Features
//!
//! | feature | adds |
//! |---|---|
//! | `derive` (default) | `#[auth_provider]` |
//! | `spec` | `#[auth_provider(spec = "specs/vendor.toml")]` |
//! | `middleware` | `AuthMiddleware` for `reqwest-middleware` clients |
//! | `tower` | `AuthLayer` for `tower` services |
//! | `redis` | `RedisStore`, a token store in Redis (one server, ACL users) |
//! | `redis-tls` | `RedisStore` over TLS (`rediss://`, rustls), with a certificate authority of your own |
//! | `redis-cluster` | `RedisStore::cluster`, a token store in a Redis Cluster |
//! | `metrics` | counters and a histogram through the `metrics` facade ([`metrics`]) |
//! | `sign` | signed JWTs in a login (`jwt` computed values: the JWT-bearer grant, `private_key_jwt`, GitHub Apps) and DPoP-bound tokens (`oauth2(dpop)`, `DpopKey`), with the crypto the TLS stack builds |
//!
//! ## Test against a simulator
//!
//! Give the session a [`Clock::manual`] and advance it instead of sleeping; point the
//! provider at a local server with `with_base_url` or its `base` setting (plain `http://`
//! is accepted for loopback hosts only). This repository's `auth-sim` crate serves the
//! four vendors that way, and its tests show the pattern.
#![warn(missing_docs)]

mod checks;
mod clock;
pub mod credentials;
mod decode;
pub mod description;
#[cfg(feature = "sign")]
mod dpop;
mod endpoint;
mod error;
mod expiry;
mod gate;
mod hand;
#[cfg(any(feature = "middleware", feature = "tower"))]
mod integrations;
mod messages;
pub mod metrics;
mod origin;
mod pool;
mod provider;
mod redact;
mod retry;
mod send;
mod session;
pub mod store;
mod token;
mod transport;
mod typestate;

#[doc(hidden)]
pub mod __private;

pub use clock::Clock;
pub use credentials::{CredentialsError, DynamicCredentials};
#[cfg(feature = "sign")]
pub use dpop::{DpopKey, DpopKeyError};
pub use error::{
    ERROR_KEYS, ERROR_VALUE_CHARS, EXCERPT_CHARS, Error, MESSAGE_CHARS, Stage, excerpt,
};
pub use expiry::{ExpiryPolicy, Lifetime};
pub use hand::{HandLogin, LoginAnswer, LoginClient, LoginProcedure};
#[cfg(feature = "middleware")]
pub use integrations::AuthMiddleware;
#[cfg(feature = "tower")]
pub use integrations::{AuthBody, AuthLayer, AuthService, AuthServiceError, SessionClient};
pub use messages::{FieldMessage, FieldMessages};
pub use origin::redirect_policy;
pub use pool::{SessionPool, SessionPoolBuilder};
pub use provider::{
    AnswerTest, ApiBase, BasicEncoding, Bindings, Expected, Login, LoginReply, Method, Placement,
    Provider, Rejection, Spot, TokenKind, VendorRequest, WireField, WireFormat, WireValue,
};
pub use redact::REDACTED;
pub use retry::RetryPolicy;
pub use send::ApiRequest;
pub use session::{API_MAX_BODY, LoggedOut, Session, SessionBuilder, StoredToken};
pub use store::{MemoryStore, SharedRefusal, SharedToken, StoreError, StoreSecret, TokenStore};
#[cfg(feature = "redis")]
pub use store::{RedisStore, RedisStoreBuilder, RedisStoreError};
pub use token::TokenRef;
pub use transport::DEFAULT_MAX_BODY;

pub use http::{HeaderMap, HeaderName, HeaderValue};
pub use secrecy::{ExposeSecret, SecretString};
pub use url::Url;

#[cfg(feature = "derive")]
#[doc = include_str!("attribute.md")]
pub use auth_derive::auth_provider;
