//! Reading a vendor's login answer, for generated decoders: JSON paths that tolerate
//! what vendors send, the token, documented failures and their fields, and errors that
//! show no secret.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;

use crate::error::{Error, Stage};
use crate::provider::{Expected, LoginReply, Spot};

/// Parses a response body as JSON, or says why not without echoing a secret.
pub fn parse_json(
    vendor: &'static str,
    stage: Stage,
    status: u16,
    body: &[u8],
) -> Result<Value, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        vendor,
        stage,
        status,
        reason: format!("not JSON ({})", e.classify_name()),
        excerpt: crate::error::excerpt(body),
    })
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

/// The value at a dotted path such as `data.token`; `None` where any step is missing.
pub fn lookup<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// A value as text, tolerating what vendors send in practice: strings, numbers and
/// booleans become text; `null`, absent and empty strings become `None`.
pub fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether the value at `path` is the string (or number, or boolean) `expected`.
pub fn equals(value: &Value, path: &[&str], expected: &str) -> bool {
    text(lookup(value, path)).as_deref() == Some(expected)
}

/// The token at `path`, which must be a non-empty string.
pub fn token_at(
    vendor: &'static str,
    status: u16,
    body: &[u8],
    value: &Value,
    path: &[&str],
    shown_path: &str,
) -> Result<SecretString, Error> {
    match lookup(value, path) {
        Some(Value::String(token)) if !token.is_empty() => Ok(SecretString::from(token.as_str())),
        _ => Err(Error::Decode {
            vendor,
            stage: Stage::Login,
            status,
            reason: format!("no token at `{shown_path}`"),
            excerpt: crate::error::excerpt(body),
        }),
    }
}

/// The value at `spot` of an answer, as text: a JSON value as [`text`] reads it (with
/// `json` the body already parsed), a header's or cookie's value, or the body; `None`
/// when absent or empty.
pub(crate) fn read(
    spot: Spot,
    headers: &http::HeaderMap,
    body: &[u8],
    json: Option<&Value>,
) -> Option<String> {
    let present = |text: &str| {
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    };
    match spot {
        Spot::Json(path) => text(lookup(json?, path)),
        Spot::Header(name) => present(headers.get(name)?.to_str().ok()?),
        Spot::Cookie(name) => present(set_cookie(headers, name)?.value()),
        Spot::Text => present(std::str::from_utf8(body).ok()?),
    }
}

/// The cookie named `name` among an answer's `Set-Cookie` headers (the last one, as a
/// browser would keep it).
fn set_cookie(headers: &http::HeaderMap, name: &str) -> Option<cookie::Cookie<'static>> {
    headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .rev()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|text| cookie::Cookie::parse(text.to_owned()).ok())
        .find(|cookie| cookie.name() == name)
}

/// The error for a login response that is neither a documented failure nor a success.
pub fn unexpected(vendor: &'static str, status: u16, body: &[u8]) -> Error {
    if status == 429 {
        // The session already waited out any short Retry-After before giving up.
        return Error::RateLimited {
            vendor,
            retry_after: None,
        };
    }
    Error::UnexpectedStatus {
        vendor,
        stage: Stage::Login,
        status,
        excerpt: crate::error::excerpt(body),
    }
}

/// A field of a documented error, as shown after its message.
pub trait ShownField {
    /// The text shown, if the field has a value.
    fn shown(&self) -> Option<String>;
}

impl ShownField for Option<String> {
    fn shown(&self) -> Option<String> {
        self.clone()
    }
}

impl ShownField for crate::FieldMessages {
    fn shown(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.to_string())
    }
}

/// The field messages at `path` (empty when absent or not in the documented shape).
pub fn field_messages(response: &LoginResponse<'_>, path: &[&str]) -> crate::FieldMessages {
    response
        .json
        .as_ref()
        .and_then(|v| lookup(v, path))
        .map(crate::FieldMessages::from_json)
        .unwrap_or_default()
}

/// Writes ` (name: value, …)` for the fields that have a value, after an error's message.
pub fn write_fields(f: &mut fmt::Formatter<'_>, fields: &[(&str, &dyn ShownField)]) -> fmt::Result {
    let mut first = true;
    for (name, value) in fields {
        if let Some(value) = value.shown() {
            f.write_str(if first { " (" } else { ", " })?;
            write!(f, "{name}: {value}")?;
            first = false;
        }
    }
    if !first {
        f.write_str(")")?;
    }
    Ok(())
}

/// A login response as generated decoders read it: status, raw body and, when the body
/// is JSON, its parsed value. Every accessor tolerates absent or odd values.
pub struct LoginResponse<'b> {
    vendor: &'static str,
    status: u16,
    headers: &'b http::HeaderMap,
    body: &'b [u8],
    json: Option<Value>,
    /// The vendor answers logins in text, not JSON: a body that is not JSON is no
    /// reason to fail.
    text_answers: bool,
}

impl<'b> LoginResponse<'b> {
    /// Parses `body` (JSON or not) of a response with `status`.
    pub fn new(vendor: &'static str, reply: &LoginReply<'b>) -> Self {
        LoginResponse {
            vendor,
            status: reply.status,
            headers: reply.headers,
            body: reply.body,
            json: serde_json::from_slice(reply.body).ok(),
            text_answers: false,
        }
    }

    /// For a vendor whose login answers are not JSON (the token in a header, a cookie
    /// or the text body): an answer that is not JSON is then not itself a problem.
    pub fn with_text_answers(mut self) -> Self {
        self.text_answers = true;
        self
    }

    /// The body as JSON, when it is.
    pub fn json(&self) -> Option<&Value> {
        self.json.as_ref()
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the HTTP status is 2xx.
    pub fn is_2xx(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Whether the value at `path` reads as `expected` (see [`text`]).
    pub fn equals(&self, path: &[&str], expected: &str) -> bool {
        self.json
            .as_ref()
            .is_some_and(|v| equals(v, path, expected))
    }

    /// Whether the body is JSON holding a value (even `null`) at one of `paths`; with
    /// no paths, whether the body is JSON at all.
    pub fn has_any(&self, paths: &[&[&str]]) -> bool {
        self.json.as_ref().is_some_and(|json| {
            paths.is_empty() || paths.iter().any(|path| lookup(json, path).is_some())
        })
    }

    /// The value at `path` as text (see [`text`]).
    pub fn text(&self, path: &[&str]) -> Option<String> {
        text(self.json.as_ref().and_then(|v| lookup(v, path)))
    }

    /// The value at `path` as text (see [`text`]) for a documented failure's field:
    /// cut to [`MESSAGE_CHARS`](crate::MESSAGE_CHARS) characters, since the vendor's
    /// message ends up in errors, logs and stored refusals.
    pub fn message(&self, path: &[&str]) -> Option<String> {
        self.text(path)
            .map(|text| crate::error::capped(text, crate::MESSAGE_CHARS))
    }

    /// The value at `spot` as text (see [`read`]).
    pub fn read(&self, spot: Spot) -> Option<String> {
        read(spot, self.headers, self.body, self.json.as_ref())
    }

    /// Whether the value at `spot` is as `expected`.
    pub fn is(&self, spot: Spot, expected: Expected) -> bool {
        self.read(spot)
            .is_some_and(|value| expected.accepts(&value))
    }

    /// A lifetime in seconds at `spot` (a number or a numeric string).
    pub fn seconds(&self, spot: Spot) -> Option<Duration> {
        let seconds: f64 = self.read(spot)?.parse().ok()?;
        (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e12)))
    }

    /// An expiry time at `spot`, as RFC 3339 / ISO 8601 (`2026-11-23T10:00:00Z`,
    /// `2026-11-23T12:00:00+02:00`).
    pub fn rfc3339(&self, spot: Spot) -> Option<std::time::SystemTime> {
        let text = self.read(spot)?;
        let at = time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
            .ok()?;
        Some(at.into())
    }

    /// An expiry time at `spot`, as seconds since the Unix epoch.
    pub fn unix_time(&self, spot: Spot) -> Option<std::time::SystemTime> {
        self.seconds(spot)
            .map(|since| std::time::UNIX_EPOCH + since)
    }

    /// The lifetime the answer gives the cookie `name`: its `Max-Age` (which wins, as
    /// in browsers), else its `Expires`.
    pub fn cookie_lifetime(&self, name: &str) -> (Option<Duration>, Option<std::time::SystemTime>) {
        let Some(cookie) = set_cookie(self.headers, name) else {
            return (None, None);
        };
        if let Some(max_age) = cookie.max_age() {
            let seconds = u64::try_from(max_age.whole_seconds()).unwrap_or(0);
            return (Some(Duration::from_secs(seconds)), None);
        }
        let at = cookie.expires_datetime().map(std::time::SystemTime::from);
        (None, at)
    }

    /// The token at `spot` (shown in errors as `shown`): a non-empty string.
    pub fn token(&self, spot: Spot, shown: &str) -> Result<SecretString, Error> {
        if let Spot::Json(path) = spot {
            return match &self.json {
                Some(json) => token_at(self.vendor, self.status, self.body, json, path, shown),
                None => Err(self.not_json()),
            };
        }
        match self.read(spot) {
            Some(token) => Ok(SecretString::from(token)),
            None => Err(Error::Decode {
                vendor: self.vendor,
                stage: Stage::Login,
                status: self.status,
                reason: format!("no token in {shown}"),
                excerpt: crate::error::excerpt(self.body),
            }),
        }
    }

    /// The error for a response that is neither a documented failure nor a success.
    pub fn unexpected(&self) -> Error {
        if self.status == 429 {
            return Error::RateLimited {
                vendor: self.vendor,
                retry_after: crate::retry::retry_after(self.headers),
            };
        }
        if !self.is_2xx() {
            return unexpected(self.vendor, self.status, self.body);
        }
        if self.json.is_none() && !self.text_answers {
            return self.not_json();
        }
        Error::Decode {
            vendor: self.vendor,
            stage: Stage::Login,
            status: self.status,
            reason: "not the documented success response".to_owned(),
            excerpt: crate::error::excerpt(self.body),
        }
    }

    fn not_json(&self) -> Error {
        match parse_json(self.vendor, Stage::Login, self.status, self.body) {
            Err(error) => error,
            Ok(_) => unexpected(self.vendor, self.status, self.body),
        }
    }
}

/// Whether an answer with `headers` and `body` passes `test`.
pub(crate) fn holds(
    test: &crate::provider::AnswerTest,
    headers: &http::HeaderMap,
    body: &[u8],
) -> bool {
    let json = match test.spot {
        Spot::Json(_) => serde_json::from_slice(body).ok(),
        _ => None,
    };
    read(test.spot, headers, body, json.as_ref()).is_some_and(|value| test.expected.accepts(&value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_capped_on_a_char_boundary() {
        let long = "é".repeat(crate::MESSAGE_CHARS + 10);
        let body = serde_json::json!({"m": long, "code": 401, "short": "fine"}).to_string();
        let response = LoginResponse::new("V", &LoginReply::new(401, body.as_bytes()));
        let message = response.message(&["m"]).expect("message");
        assert_eq!(message.chars().count(), crate::MESSAGE_CHARS + 1);
        assert!(message.ends_with("é…"), "{message}");
        assert_eq!(response.message(&["code"]).as_deref(), Some("401"));
        assert_eq!(response.message(&["short"]).as_deref(), Some("fine"));
        assert_eq!(response.message(&["missing"]), None);
        // A success field is kept whole.
        assert_eq!(response.text(&["m"]), Some(long));
    }

    #[test]
    fn text_tolerates_vendor_variations() {
        let v: Value = serde_json::json!({"a": {"s": "x", "n": 401, "e": "", "z": null}});
        assert_eq!(text(lookup(&v, &["a", "s"])).as_deref(), Some("x"));
        assert_eq!(text(lookup(&v, &["a", "n"])).as_deref(), Some("401"));
        assert_eq!(text(lookup(&v, &["a", "e"])), None);
        assert_eq!(text(lookup(&v, &["a", "z"])), None);
        assert_eq!(text(lookup(&v, &["a", "missing", "deeper"])), None);
        assert!(equals(&v, &["a", "n"], "401"));
    }
}
