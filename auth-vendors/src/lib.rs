//! # auth-vendors
//!
//! Ready-made [`auth_runtime`] providers for the vendors authgen ships: **Modulus**
//! ([`Modulus`], [`ModulusJwt`]), **CRM.COM** ([`CrmCom`]), **Currencycloud**
//! ([`Currencycloud`]), **OneBox** ([`OneBox`]) and **Salesforce** ([`Salesforce`], whose
//! login names the API's base); and, behind features of their own because their logins
//! sign a JWT (which turns on `auth-runtime`'s `sign`), **Google** service accounts
//! (`google`) and **GitHub Apps** (`github-app`). Each is derived from the vendor's own
//! documentation and tested against `auth-sim`, which emulates each vendor as documented.
//!
//! Each vendor has one source, its spec file in the repository's `specs/` directory. The
//! code it generates is committed in `src/generated/`, so building this crate compiles
//! no generator and no proc macro: only `auth-runtime` (without its default `derive`
//! feature) and this code. A test regenerates every spec and fails when the committed
//! code is stale (`AUTHGEN_BLESS=1 cargo test -p auth-codegen --test vendors_generated`
//! refreshes it).
//!
//! Each vendor is behind a feature of its own, all on by default (`crmcom`,
//! `currencycloud`, `modulus`, `onebox`, `salesforce`); a crate that uses one compiles
//! only that one's code with `default-features = false` and the vendor's feature:
//!
//! ```toml
//! auth-vendors = { version = "0.1", default-features = false, features = ["crmcom"] }
//! ```
//!
//! A [`Session`](auth_runtime::Session) comes from `auth-runtime`, re-exported here as
//! [`auth_runtime`]; add `auth-runtime` yourself (`default-features = false` is enough)
//! when you also use its optional features (`middleware`, `tower`, `redis`) or derive a
//! vendor of your own.
//!
//! ```
//! use auth_vendors::CrmCom;
//! use auth_vendors::auth_runtime::Session;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = auth_sim::Sim::start().await;
//! # let server = format!("{}{}", sim.base_url(), auth_sim::crmcom::PREFIX);
//! // let server = "https://crm.example.com";
//!
//! // The builder compiles only for credentials CRM.COM accepts: leave out
//! // `.password(...)` and the error says "`password` is mandatory when `username` is set".
//! let credentials = CrmCom::credentials()
//!     .organisation("CRMDEMO")
//!     .username("mpadministrator")
//!     .password("1234")
//!     .build();
//! let session = Session::new(CrmCom::new(&server), credentials)?;
//!
//! // Logs in on first use; CRM.COM takes the token as a `token` query parameter.
//! let url = format!("{server}/crmapi/rest/v2/contacts/list");
//! let response = session.send(session.request(reqwest::Method::GET, &url)).await?;
//! assert!(response.status().is_success());
//! session.logout().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Each vendor has its own error enum beside its provider: one variant per documented
//! failure, with the vendor's fields, plus `Runtime(`[`Error`](auth_runtime::Error)`)`
//! for what every vendor shares.
//!
//! ```
//! use auth_vendors::auth_runtime::{Error, Session};
//! use auth_vendors::{CrmCom, CrmComError};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sim = auth_sim::Sim::start().await;
//! # let server = format!("{}{}", sim.base_url(), auth_sim::crmcom::PREFIX);
//! let credentials = CrmCom::credentials()
//!     .organisation("CRMDEMO")
//!     .username("mpadministrator")
//!     .password("wrong")
//!     .build();
//! let session = Session::new(CrmCom::new(&server), credentials)?;
//! match session.token().await {
//!     Err(CrmComError::Rejected { code, .. }) => println!("refused: {code:?}"),
//!     Err(CrmComError::Runtime(Error::Timeout { .. })) => println!("try later"),
//!     Err(other) => return Err(other.into()),
//!     Ok(_) => unreachable!("the password is wrong"),
//! }
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub use auth_runtime;

#[cfg(feature = "crmcom")]
pub mod crmcom {
    //! CRM.COM: `POST {server}/crmapi/rest/v2/authentication/token`.
    //!
    //! The request is JSON: `organisation` (mandatory), then `username` + `password`, or an
    //! `access_token_identifier` holding either an `authentication_code` or an `identifier`
    //! with its `pass_code`; `unit` is optional. Every answer is the envelope
    //! `{"status": {"code", "message", "description"}, "data": {...}}`, successful only when
    //! `status.code` is `OK`; the token is `data.token`. API calls carry it as the `token`
    //! query parameter (GET) or a `token` field of the JSON body (POST). Tokens expire one
    //! hour after issue (some releases: after an hour of inactivity, see
    //! [`ExpiryPolicy::idle`](auth_runtime::ExpiryPolicy::idle)); R12 and later issue JWTs,
    //! whose `exp` claim then decides. `authentication/token/release` retires a token.
    //!
    //! An API call with a token CRM.COM no longer accepts is answered with HTTP 200 and a
    //! non-OK `status.code`; the document names no code, and this provider takes
    //! `INVALID_TOKEN` as the one that means "log in again" (so a validation failure on a
    //! call is not mistaken for an expired token).
    //!
    //! Generated from `specs/crmcom.toml`.

    include!("generated/crmcom.rs");
}

#[cfg(feature = "currencycloud")]
pub mod currencycloud {
    //! Currencycloud: `POST {host}/v2/authenticate/api`.
    //!
    //! The request is `multipart/form-data` with `login_id` (usually an e-mail address, at
    //! most 255 characters) and `api_key` (64 lowercase hexadecimal characters; both are
    //! checked by `build()`, which returns a `Result` for this vendor, and by `try_build()`). The answer is `{"auth_token"}`, sent on API calls
    //! as the `X-Auth-Token` header. Tokens expire after 30 minutes of inactivity. Failures
    //! are `{"error_code", "error_messages": {field: [{code, message, params}]}}`: 400
    //! `auth_invalid_user_login_details`, 401 `auth_failed` (also what an expired token
    //! gets), 429 `too_many_requests`, and 500/503. Four failed logins lock the account, so
    //! a refused login is never retried. `POST /v2/authenticate/close_session` retires a
    //! token.
    //!
    //! Generated from `specs/currencycloud.toml`.

    /// The demo (sandbox) host.
    pub const DEMO: &str = "https://devapi.currencycloud.com";
    /// The production host.
    pub const PRODUCTION: &str = "https://api.currencycloud.com";

    include!("generated/currencycloud.rs");
}

#[cfg(feature = "modulus")]
pub mod modulus {
    //! Modulus: `POST https://{account}.modulus.biz/api/cmn/Authenticate`.
    //!
    //! The request is form-urlencoded `app` and `secret`, as the Modulus team issued them.
    //! Every answer is the envelope `{"result", "title", "message", "object"}`; on success
    //! `result` is `true` and `object` is `{"token", "app_id", "ip"}`. A missing parameter
    //! is a 400 ("Missing one or more of parameters account, app, secret."), wrong
    //! credentials a 401 ("Authentication failed."). The token expires 15 minutes after
    //! creation. Modulus does not document how API calls carry the token; the provider sends
    //! it as `Authorization: Bearer`.
    //!
    //! The second flow, [`ModulusJwt`], posts JSON `username` and `password` to
    //! `/api/cmn/AuthenticateToken` and receives the token itself as `object`.
    //!
    //! Generated from `specs/modulus.toml` and `specs/modulus_jwt.toml`.

    include!("generated/modulus.rs");
    include!("generated/modulus_jwt.rs");
}

#[cfg(feature = "onebox")]
pub mod onebox {
    //! OneBox: `POST {host}/api/authenticate`.
    //!
    //! The request carries `email`, `password` and `siteId`. Success is
    //! `{"response_code": "200", "response_status": "Success", "token"}`, the token an HS256
    //! JWT whose `exp` claim gives its expiry (about 15 minutes), sent on API calls as
    //! `Authorization: Bearer`. Wrong credentials are a 401 with
    //! `{"_meta": {"status", "count"}, "records": {"errorCode", "userMessage", "devMessage",
    //! "more", "applicationCode"}}`, where `errorCode` is sometimes a number and
    //! `applicationCode` sometimes null. OneBox has no logout.
    //!
    //! Generated from `specs/onebox.toml`.

    /// The documented host.
    pub const CLOUD: &str = "https://cloud.onebox.co.id";

    include!("generated/onebox.rs");
}

#[cfg(feature = "salesforce")]
pub mod salesforce {
    //! Salesforce: `POST {login}/services/oauth2/token`, the OAuth 2.0 username-password
    //! flow.
    //!
    //! The request is a form: `grant_type=password`, `client_id` and `client_secret` (the
    //! connected app's consumer key and secret), `username`, and `password` with the
    //! user's security token appended (the two are separate credential fields here). The
    //! answer is `{"access_token", "instance_url", "id", "token_type", "issued_at",
    //! "signature"}` without a lifetime or a refresh token; `instance_url` is the org's
    //! instance, another host than the login's, and the base of every API call:
    //! [`Session::api`](auth_runtime::Session::api) puts a request's path on it, and the
    //! session sends the token there only when it is on `*.my.salesforce.com` or
    //! `*.salesforce.com` (add hosts with
    //! [`SessionBuilder::api_hosts`](auth_runtime::SessionBuilder::api_hosts)). Refusals are
    //! OAuth 2.0 errors (`invalid_grant` for wrong credentials, `invalid_client_id`,
    //! `invalid_client`); an ended session is a 401 `INVALID_SESSION_ID` on an API call,
    //! and the session logs in again. The logout revokes the token at
    //! `/services/oauth2/revoke`.
    //!
    //! Generated from `specs/salesforce.toml`, written from Salesforce's public
    //! documentation.

    /// The production login host.
    pub const LOGIN: &str = "https://login.salesforce.com";
    /// The sandboxes' login host.
    pub const TEST_LOGIN: &str = "https://test.salesforce.com";

    include!("generated/salesforce.rs");

    #[cfg(feature = "salesforce-jwt")]
    mod jwt {
        //! Salesforce's JWT bearer flow for server-to-server integration: the login
        //! signs an assertion (RS256; `iss` the consumer key, `sub` the user's name,
        //! `aud` the login host, `exp` three minutes on) with the key of the
        //! certificate uploaded to the connected app, every login a new one; the answer
        //! names the instance as the username-password flow's does. Generated from
        //! `specs/salesforce_jwt.toml`, written from Salesforce's public documentation.
        include!("generated/salesforce_jwt.rs");
    }
    #[cfg(feature = "salesforce-jwt")]
    pub use jwt::*;
}

#[cfg(feature = "github-app")]
pub mod github_app {
    //! GitHub Apps: `POST {api}/app/installations/{installation_id}/access_tokens` with
    //! `Authorization: Bearer <app JWT>` (feature `github-app`).
    //!
    //! The login signs a JWT with the app's private key (RS256; `iss` the app's client ID,
    //! `iat` backdated a minute against clock drift, `exp` nine minutes after it) and buys
    //! the installation's token with it; every login signs a new one. The answer is
    //! `{"token": "ghs_...", "expires_at": "<RFC 3339>", ...}`; the token goes on API calls
    //! as `Authorization: Bearer` and expires after an hour. A JWT GitHub refuses is a 401
    //! ([`GitHubAppError::Unauthorized`]), an unknown installation a 404
    //! ([`GitHubAppError::NotFound`]), each with GitHub's `message`. The logout revokes
    //! the token (`DELETE /installation/token`).
    //!
    //! ```no_run
    //! use auth_vendors::GitHubApp;
    //! use auth_vendors::auth_runtime::Session;
    //! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    //! let credentials = GitHubApp::credentials()
    //!     .client_id("Iv23liExample")
    //!     .installation_id("4242")
    //!     .private_key(std::fs::read_to_string("app.private-key.pem")?)
    //!     .build();
    //! let session = Session::new(GitHubApp::new(auth_vendors::github_app::API), credentials)?;
    //! let url = format!("{}/installation/repositories", auth_vendors::github_app::API);
    //! let repositories = session.send(session.request(reqwest::Method::GET, &url)).await?;
    //! # let _ = repositories;
    //! # Ok(())
    //! # }
    //! ```
    //!
    //! Generated from `specs/github_app.toml`, written from GitHub's public documentation.

    /// GitHub's REST API.
    pub const API: &str = "https://api.github.com";

    include!("generated/github_app.rs");
}

#[cfg(feature = "google")]
pub mod google {
    //! Google service accounts: `POST {server}/token`, the JWT-bearer grant of RFC 7523
    //! (feature `google`).
    //!
    //! The credentials are the service account's key file and the scopes asked for. The
    //! login signs an assertion with the key file's `private_key` (RS256, `kid` its
    //! `private_key_id`; `iss` the `client_email`, `aud` the `token_uri`, `scope`, `iat`,
    //! `exp` ten minutes later) and exchanges it for an access token, sent on API calls
    //! as `Authorization: Bearer`; every login signs a new one. Refusals are OAuth 2.0
    //! errors (`invalid_grant` for an assertion Google does not take, with its
    //! description). The logout revokes the token at `/revoke`.
    //!
    //! ```no_run
    //! use auth_vendors::Google;
    //! use auth_vendors::auth_runtime::Session;
    //! use auth_vendors::google::GoogleCredentials;
    //! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    //! let credentials = GoogleCredentials::draft()
    //!     .key_file(&std::fs::read_to_string("service-account.json")?)?
    //!     .scope("https://www.googleapis.com/auth/devstorage.read_only")
    //!     .try_build()?;
    //! let session = Session::new(Google::new(auth_vendors::google::TOKEN_HOST), credentials)?;
    //! let url = "https://storage.googleapis.com/storage/v1/b?project=my-project";
    //! let buckets = session.send(session.request(reqwest::Method::GET, url)).await?;
    //! # let _ = buckets;
    //! # Ok(())
    //! # }
    //! ```
    //!
    //! Generated from `specs/google.toml`, written from Google's public documentation.

    /// Google's OAuth 2.0 token host.
    pub const TOKEN_HOST: &str = "https://oauth2.googleapis.com";

    include!("generated/google.rs");
}

#[cfg(feature = "crmcom")]
pub use crmcom::{CrmCom, CrmComError};
#[cfg(feature = "currencycloud")]
pub use currencycloud::{Currencycloud, CurrencycloudError};
#[cfg(feature = "github-app")]
pub use github_app::{GitHubApp, GitHubAppError};
#[cfg(feature = "google")]
pub use google::{Google, GoogleError};
#[cfg(feature = "modulus")]
pub use modulus::{Modulus, ModulusError, ModulusJwt, ModulusJwtError};
#[cfg(feature = "onebox")]
pub use onebox::{OneBox, OneBoxError};
#[cfg(feature = "salesforce")]
pub use salesforce::{Salesforce, SalesforceError};
#[cfg(feature = "salesforce-jwt")]
pub use salesforce::{SalesforceJwt, SalesforceJwtError};
