//! Failures every vendor shares. Each generated vendor error enum wraps these in its
//! `Runtime` variant, next to the failures that vendor documents.
//!
//! No variant ever holds a credential or a token: reqwest errors are stored without
//! their URL (a CRM.COM URL carries the token as a query parameter), and body excerpts
//! are bounded and have their JSON string values masked (see [`excerpt`]).

use std::sync::Arc;
use std::time::Duration;

/// Which exchange with the vendor failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// The login request.
    Login,
    /// An API request made with the token.
    Api,
    /// The logout request.
    Logout,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Login => "login",
            Stage::Api => "API",
            Stage::Logout => "logout",
        })
    }
}

/// A failure shared by all vendors.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or its response not received.
    #[error("{vendor}: the {stage} request failed: {source}")]
    Transport {
        /// The vendor's name.
        vendor: &'static str,
        /// Which request.
        stage: Stage,
        /// The cause, with its URL removed.
        #[source]
        source: Arc<reqwest::Error>,
    },
    /// The vendor did not answer in time.
    #[error("{vendor}: the {stage} request timed out")]
    Timeout {
        /// The vendor's name.
        vendor: &'static str,
        /// Which request.
        stage: Stage,
    },
    /// The response was not what the vendor documents.
    #[error(
        "{vendor}: the {stage} response (HTTP {status}) could not be read: {reason}; body: {excerpt}"
    )]
    Decode {
        /// The vendor's name.
        vendor: &'static str,
        /// Which response.
        stage: Stage,
        /// Its HTTP status code.
        status: u16,
        /// What was wrong with it.
        reason: String,
        /// A bounded excerpt of the body, string values masked.
        excerpt: String,
    },
    /// An HTTP status the vendor does not document for this request.
    #[error("{vendor}: unexpected HTTP {status} to the {stage} request; body: {excerpt}")]
    UnexpectedStatus {
        /// The vendor's name.
        vendor: &'static str,
        /// Which request.
        stage: Stage,
        /// Its HTTP status code.
        status: u16,
        /// A bounded excerpt of the body, string values masked.
        excerpt: String,
    },
    /// The response body was larger than the session accepts.
    #[error("{vendor}: the {stage} response is larger than {limit} bytes")]
    BodyTooLarge {
        /// The vendor's name.
        vendor: &'static str,
        /// Which response.
        stage: Stage,
        /// The cap, in bytes.
        limit: usize,
    },
    /// The vendor refuses more requests for now.
    #[error("{vendor}: rate limited{}", match retry_after { Some(d) => format!(", retry after {} s", d.as_secs()), None => String::new() })]
    RateLimited {
        /// The vendor's name.
        vendor: &'static str,
        /// How long the vendor asked us to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// The vendor rejected the token even after one fresh login.
    #[error("{vendor} rejected the token")]
    TokenRejected {
        /// The vendor's name.
        vendor: &'static str,
    },
    /// An endpoint URL could not be built or is not allowed.
    #[error("{vendor}: invalid endpoint URL: {reason}")]
    InvalidUrl {
        /// The vendor's name.
        vendor: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A credential value does not have the form the vendor requires.
    #[error("{vendor} credentials: `{field}` {reason}")]
    InvalidCredential {
        /// The vendor's name.
        vendor: &'static str,
        /// The credential field.
        field: &'static str,
        /// What is wrong with it (never the value itself).
        reason: String,
    },
    /// The login was interrupted by a panic in the task running it; the next call
    /// starts a new one.
    #[error("{vendor}: the login was interrupted")]
    Interrupted {
        /// The vendor's name.
        vendor: &'static str,
    },
    /// A session sharing this account's token store was refused by the vendor a moment
    /// ago, so this one did not try the same credentials (see
    /// [`SessionBuilder::store_refusal_hold`](crate::SessionBuilder::store_refusal_hold)).
    #[error("{vendor}: not logging in: a session sharing the token store was refused {} s ago: {message}", age.as_secs())]
    RefusedRecently {
        /// The vendor's name.
        vendor: &'static str,
        /// How long ago the refusal happened.
        age: Duration,
        /// The refused session's error.
        message: String,
    },
    /// A request carrying the token was addressed to an origin that is not the
    /// vendor's: the token was not put on it, and nothing was sent. Other origins are
    /// allowed with [`SessionBuilder::allow_origin`](crate::SessionBuilder::allow_origin).
    #[error("{vendor}: the token is sent only to the vendor's origins, not to {origin}")]
    OriginNotAllowed {
        /// The vendor's name.
        vendor: &'static str,
        /// The refused origin (`scheme://host:port`, no path or query).
        origin: String,
    },
    /// The vendor issued a token that cannot be sent the way the vendor takes it (a
    /// control character, or bytes not allowed in its header): it was not cached.
    #[error("{vendor}: the login answered with a token that cannot be used: {reason}")]
    InvalidToken {
        /// The vendor's name.
        vendor: &'static str,
        /// What is wrong with it (never the token itself).
        reason: String,
    },
    /// The request given to the session cannot be sent as it is.
    #[error("{vendor}: cannot send this request: {reason}")]
    InvalidRequest {
        /// The vendor's name.
        vendor: &'static str,
        /// Why.
        reason: String,
    },
}

impl Error {
    pub(crate) fn transport(vendor: &'static str, stage: Stage, err: reqwest::Error) -> Self {
        if err.is_timeout() {
            Error::Timeout { vendor, stage }
        } else {
            Error::Transport {
                vendor,
                stage,
                source: Arc::new(err.without_url()),
            }
        }
    }
}

/// The longest excerpt of a body kept in an error, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// A bounded, secret-free excerpt of a response body for error messages.
///
/// A JSON body is shown as its shape, with every string value replaced by `"…"`: a
/// login response that fails to decode may still carry a token. Any other body (an
/// HTML error page, say) is shown as its first characters with control characters
/// escaped.
pub fn excerpt(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) => {
            mask_strings(&mut value);
            value.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).escape_debug().to_string(),
    };
    if text.chars().count() <= EXCERPT_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(EXCERPT_CHARS).collect();
    cut.push('…');
    cut
}

fn mask_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => *s = "…".to_owned(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(mask_strings),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_masks_json_strings_and_bounds_length() {
        let body = br#"{"data":{"token":"4AD9C84FA60F9FE407140E20F707726A"},"n":1}"#;
        let shown = excerpt(body);
        assert!(!shown.contains("4AD9"), "{shown}");
        assert!(
            shown.contains("\"token\"") && shown.contains("\"n\":1"),
            "{shown}"
        );

        let long = "x".repeat(10_000);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(excerpt(b"<html>\n</html>"), "<html>\\n</html>");
    }
}
