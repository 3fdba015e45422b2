//! Where `auth-sim`'s fault switches apply: the vendor and scope of each request. The
//! switches themselves ([`Fault`], [`Faults`], [`Scope`]) are the `auth-faults` crate's,
//! shared with the mock vendor (`auth-mock`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

pub use auth_faults::{Fault, Faults, HUGE_BODY, Scope};

use crate::{
    Shared, cookie_session, crmcom, csrf_login, currencycloud, github_app, google, header_token,
    modulus, oauth2, onebox, salesforce,
};

/// The vendor and scope of a request path, if it is one of the simulated endpoints.
fn route<'s>(shared: &'s Shared, path: &str) -> Option<(&'s Faults, Scope)> {
    let scope = |rest: &str, login: &[&str], logout: &[&str]| {
        if login.contains(&rest) {
            Scope::Login
        } else if logout.contains(&rest) {
            Scope::Logout
        } else {
            Scope::Api
        }
    };
    if let Some(rest) = path.strip_prefix(crmcom::PREFIX) {
        let s = scope(rest, &[crmcom::LOGIN_PATH], &[crmcom::RELEASE_PATH]);
        return Some((shared.crmcom.faults(), s));
    }
    if let Some(rest) = path.strip_prefix(currencycloud::PREFIX) {
        let s = scope(
            rest,
            &[currencycloud::LOGIN_PATH],
            &[currencycloud::CLOSE_SESSION_PATH],
        );
        return Some((shared.currencycloud.faults(), s));
    }
    if let Some(rest) = path.strip_prefix(cookie_session::PREFIX) {
        let s = scope(
            rest,
            &[cookie_session::LOGIN_PATH],
            &[cookie_session::LOGOUT_PATH],
        );
        return Some((shared.cookie_session.faults(), s));
    }
    if let Some(rest) = path.strip_prefix(header_token::PREFIX) {
        // Login and logout share a path; only the method tells them apart.
        let s = scope(rest, &[header_token::TOKENS_PATH], &[]);
        return Some((shared.header_token.faults(), s));
    }
    if let Some(rest) = path.strip_prefix(oauth2::PREFIX) {
        let s = scope(rest, &[oauth2::TOKEN_PATH], &[oauth2::REVOKE_PATH]);
        return Some((shared.oauth2.faults(), s));
    }
    if let Some(rest) = path.strip_prefix(onebox::PREFIX) {
        let s = scope(rest, &[onebox::AUTHENTICATE_PATH], &[]);
        return Some((shared.onebox.faults(), s));
    }
    if let Some(rest) = path.strip_prefix(csrf_login::PREFIX) {
        // The CSRF token's request is a step of the login.
        let s = scope(
            rest,
            &[csrf_login::CSRF_PATH, csrf_login::LOGIN_PATH],
            &[csrf_login::LOGOUT_PATH],
        );
        return Some((shared.csrf_login.faults(), s));
    }
    if let Some(rest) = path.strip_prefix(github_app::PREFIX) {
        let s = match rest.starts_with("/app/installations/") {
            true => Scope::Login,
            false => scope(rest, &[], &[github_app::INSTALLATION_TOKEN_PATH]),
        };
        return Some((shared.github_app.faults(), s));
    }
    if let Some(rest) = path.strip_prefix(google::PREFIX) {
        let s = scope(rest, &[google::TOKEN_PATH], &[google::REVOKE_PATH]);
        return Some((shared.google.faults(), s));
    }
    if let Some(rest) = path.strip_prefix(salesforce::PREFIX) {
        let s = scope(rest, &[salesforce::TOKEN_PATH], &[salesforce::REVOKE_PATH]);
        return Some((shared.salesforce.faults(), s));
    }
    if path.starts_with("/services/data/") {
        // Only a Salesforce instance serves this path.
        return Some((shared.salesforce.faults(), Scope::Api));
    }
    if let Some(rest) = path.strip_prefix("/modulus/") {
        // `/modulus/{account}/...`: skip the account segment.
        let rest = &rest[rest.find('/')?..];
        let s = scope(
            rest,
            &[modulus::AUTHENTICATE_PATH, modulus::AUTHENTICATE_TOKEN_PATH],
            &[],
        );
        return Some((shared.modulus.faults(), s));
    }
    None
}

/// The middleware in front of every vendor route.
pub(crate) async fn inject(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    match route(&shared, req.uri().path()).and_then(|(f, scope)| f.take(scope)) {
        Some(fault) => auth_faults::answer(fault, req, next).await,
        None => next.run(req).await,
    }
}
