//! Everything generated code names, and nothing else. Not a public API: generated code
//! reaches the runtime's dependencies only through here, so a user's crate needs
//! `auth-runtime` alone in its `Cargo.toml`.

pub use secrecy::{ExposeSecret, SecretString};
pub use serde_json::Value;
pub use std::{clone::Clone, fmt, option::Option, result::Result, string::String, vec::Vec};
pub use url::Url;

pub use crate::error::{Error, Stage};
pub use crate::expiry::{ExpiryPolicy, Lifetime};
pub use crate::messages::FieldMessages;
pub use crate::provider::{
    BodyMatch, Login, Method, Placement, Provider, VendorRequest, WireField, WireFormat, WireValue,
};

pub use std::time::Duration;

/// Typestate of a builder field that has been given a value.
#[derive(Debug)]
pub struct Set;
/// Typestate of a builder field that has not been given a value yet.
#[derive(Debug)]
pub struct Unset;

/// What a builder stores for a field in a given state: the value once `Set`, nothing
/// while `Unset`. `build()` therefore never has to unwrap.
pub trait FieldState {
    /// The storage for a field of type `T` in this state.
    type Slot<T>;
    /// The value, if this state has one.
    fn into_option<T>(slot: Self::Slot<T>) -> Option<T>;
}

impl FieldState for Set {
    type Slot<T> = T;
    fn into_option<T>(slot: T) -> Option<T> {
        Some(slot)
    }
}

impl FieldState for Unset {
    type Slot<T> = ();
    fn into_option<T>(_: ()) -> Option<T> {
        None
    }
}

/// Builds an endpoint URL: `base` (or the user's override of it) with its `{placeholder}`s
/// filled from `settings`, then `path` appended.
///
/// Setting values come from users (and their configuration files), so each is checked
/// for the position it fills before it is spliced in: `evil.com/#` as the account of
/// `https://{account}.modulus.biz` would otherwise send the credentials to `evil.com`.
/// Each position accepts what it can hold safely (see `Position`). The override is
/// checked as a base URL. The result's host is then compared with what the template
/// means, as a second line of defence.
///
/// Plain `http://` is refused unless the host is a loopback address: a token or a
/// password must not cross a network in clear text.
pub fn endpoint(
    vendor: &'static str,
    base: &str,
    settings: &[(&str, &str)],
    base_override: Option<&str>,
    path: &str,
) -> Result<url::Url, Error> {
    let invalid = |reason: String| Error::InvalidUrl { vendor, reason };
    let (filled, expected) = match base_override {
        Some(url) => {
            let subject = "the base URL given to `with_base_url`";
            let parsed = base_url(subject, url).map_err(invalid)?;
            (
                url.trim_end_matches('/').to_owned(),
                ExpectedHost::Exactly(parsed),
            )
        }
        None => fill(base, settings).map_err(invalid)?,
    };
    let joined = format!("{}{}", filled.trim_end_matches('/'), path);
    // The values are checked, so the text can be shown: it holds no user info.
    let url = url::Url::parse(&joined).map_err(|e| invalid(format!("{e} in `{joined}`")))?;
    expected.check(&url).map_err(invalid)?;
    crate::origin::check_scheme(vendor, &url)?;
    Ok(url)
}

/// Where a `{placeholder}` sits in a `base` template, which decides what its value may
/// hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// The whole base, or its start before a path (`{server}`, `{server}/t`): an
    /// absolute http(s) URL with a host and neither user info, query nor fragment.
    BaseUrl,
    /// The whole host (`https://{host}/v1`): DNS labels (letters, digits, `-`) joined
    /// by dots, none empty.
    Host,
    /// Part of the host, next to other host text (`https://{account}.modulus.biz`):
    /// one DNS label, no dot.
    HostLabel,
    /// The port (`https://host:{port}`): a number up to 65535.
    Port,
    /// In the path: one segment. `/ ? # @ \`, whitespace and control characters are
    /// refused, and so is `%` (`%2e%2e` is read as `..`), as are `.` and `..`
    /// themselves; `:` is harmless after a host and allowed.
    PathSegment,
    /// User info, query or fragment, or a template that is not a URL: no check is
    /// known to make a value safe there, so the template is refused.
    Unsupported(&'static str),
}

/// The host a filled template must have: anything else means a value escaped its place.
enum ExpectedHost {
    /// The scheme, host and port of a checked base URL.
    Exactly(url::Url),
    /// A scheme, and a host starting and ending with the template's host text around
    /// its placeholders (all of it when there are none).
    Around {
        scheme: String,
        prefix: String,
        suffix: String,
    },
}

impl ExpectedHost {
    fn check(&self, url: &url::Url) -> Result<(), String> {
        let host = url.host_str().unwrap_or_default();
        let ok = match self {
            ExpectedHost::Exactly(base) => {
                url.scheme() == base.scheme()
                    && url.host() == base.host()
                    && url.port_or_known_default() == base.port_or_known_default()
            }
            ExpectedHost::Around {
                scheme,
                prefix,
                suffix,
            } => {
                url.scheme() == scheme
                    && host.len() >= prefix.len() + suffix.len()
                    && host.starts_with(prefix.as_str())
                    && host.ends_with(suffix.as_str())
            }
        };
        let no_user_info = url.username().is_empty() && url.password().is_none();
        if ok && no_user_info {
            return Ok(());
        }
        Err(format!(
            "the URL's host `{host}` is not the one `base` describes"
        ))
    }
}

/// A `{name}` in a template: its byte range and name.
struct Placeholder<'t> {
    start: usize,
    end: usize,
    name: &'t str,
}

fn placeholders(template: &str) -> Vec<Placeholder<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = template[from..].find('{').map(|i| from + i) {
        let Some(close) = template[open..].find('}').map(|i| open + i) else {
            break;
        };
        found.push(Placeholder {
            start: open,
            end: close + 1,
            name: &template[open + 1..close],
        });
        from = close + 1;
    }
    found
}

/// The position of the placeholder at `start..end` in `template`.
fn position(template: &str, start: usize, end: usize) -> Position {
    let after = &template[end..];
    if start == 0 && (after.is_empty() || after.starts_with('/')) {
        return Position::BaseUrl;
    }
    let authority = if template.starts_with('{') {
        // A leading placeholder that is a base URL ends the authority; one that is
        // not (`{x}.example.com`) leaves the template without a scheme.
        match placeholders(template).first() {
            Some(first) if first.start == 0 && template[first.end..].starts_with('/') => {
                first.end..first.end
            }
            _ => return Position::Unsupported("a `base` that does not start with a URL"),
        }
    } else {
        let Some(from) = template.find("://").map(|i| i + 3) else {
            return Position::Unsupported("a `base` that is not a URL");
        };
        let to = template[from..]
            .find(['/', '?', '#'])
            .map_or(template.len(), |i| from + i);
        from..to
    };
    if start < authority.start {
        return Position::Unsupported("the scheme");
    }
    if start < authority.end {
        let text = &template[authority.clone()];
        if text.contains('@') {
            return Position::Unsupported("the user info");
        }
        let host_end = host_end(text) + authority.start;
        if start >= host_end {
            return Position::Port;
        }
        return if start == authority.start && end == host_end {
            Position::Host
        } else {
            Position::HostLabel
        };
    }
    let path_end = template[authority.end..]
        .find(['?', '#'])
        .map_or(template.len(), |i| authority.end + i);
    if start < path_end {
        Position::PathSegment
    } else {
        Position::Unsupported("the query or fragment")
    }
}

/// Where the host ends in an authority (`host:port`, `[v6]:port`): at its port's `:`.
fn host_end(authority: &str) -> usize {
    let after_v6 = authority.rfind(']').map_or(0, |i| i + 1);
    authority[after_v6..]
        .find(':')
        .map_or(authority.len(), |i| after_v6 + i)
}

/// `base` with its placeholders filled, each value checked for its position, and the
/// host the result must have.
fn fill(template: &str, settings: &[(&str, &str)]) -> Result<(String, ExpectedHost), String> {
    let found = placeholders(template);
    let mut filled = String::with_capacity(template.len() + 32);
    let mut copied = 0;
    let mut base_url_host = None;
    for p in &found {
        let subject = format!("the setting `{}`", p.name);
        let Some(value) = settings
            .iter()
            .find(|(name, _)| *name == p.name)
            .map(|(_, value)| *value)
        else {
            return Err(format!("no value for `{{{}}}` in `{template}`", p.name));
        };
        if value.is_empty() {
            return Err(format!("{subject} is empty"));
        }
        let position = position(template, p.start, p.end);
        let value = match position {
            Position::BaseUrl => {
                base_url_host = Some(base_url(&subject, value)?);
                value.trim_end_matches('/')
            }
            Position::Host => host(&subject, value).map(|()| value)?,
            Position::HostLabel => host_label(&subject, value).map(|()| value)?,
            Position::Port => port(&subject, value).map(|()| value)?,
            Position::PathSegment => path_segment(&subject, value).map(|()| value)?,
            Position::Unsupported(place) => {
                return Err(format!(
                    "`{{{}}}` is in {place} of `{template}`, where a setting cannot be checked",
                    p.name
                ));
            }
        };
        filled.push_str(&template[copied..p.start]);
        filled.push_str(value);
        copied = p.end;
    }
    filled.push_str(&template[copied..]);
    let expected = match base_url_host {
        Some(url) => ExpectedHost::Exactly(url),
        None => around(template),
    };
    Ok((filled, expected))
}

/// The scheme and the host text around the placeholders of a `scheme://host…` template.
fn around(template: &str) -> ExpectedHost {
    let (scheme, rest) = template.split_once("://").unwrap_or(("", template));
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = &authority[..host_end(authority)];
    let (prefix, suffix) = match (host.find('{'), host.rfind('}')) {
        (Some(open), Some(close)) => (&host[..open], &host[close + 1..]),
        _ => (host, ""),
    };
    ExpectedHost::Around {
        scheme: scheme.to_ascii_lowercase(),
        prefix: prefix.to_ascii_lowercase(),
        suffix: suffix.to_ascii_lowercase(),
    }
}

/// How a refused character is named in a message (control characters by kind only).
fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        c if c.is_control() => "a control character".to_owned(),
        c if c.is_whitespace() => "whitespace".to_owned(),
        c => format!("'{c}'"),
    }
}

fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

fn host_label(subject: &str, value: &str) -> Result<(), String> {
    let what = "must be a host label (letters, digits, '-')";
    if let Some(c) = value.chars().find(|&c| !is_label_char(c)) {
        return Err(format!("{subject} {what}, not contain {}", describe(c)));
    }
    if value.len() > 63 {
        return Err(format!("{subject} {what} of at most 63 characters"));
    }
    Ok(())
}

fn host(subject: &str, value: &str) -> Result<(), String> {
    let what = "must be a host name (labels of letters, digits and '-', joined by '.')";
    if let Some(c) = value.chars().find(|&c| !is_label_char(c) && c != '.') {
        return Err(format!("{subject} {what}, not contain {}", describe(c)));
    }
    if value.split('.').any(str::is_empty) {
        return Err(format!("{subject} {what}, not have an empty label"));
    }
    if value.len() > 253 || value.split('.').any(|label| label.len() > 63) {
        return Err(format!(
            "{subject} {what} of at most 253 characters, 63 per label"
        ));
    }
    Ok(())
}

fn port(subject: &str, value: &str) -> Result<(), String> {
    let valid = value.len() <= 5
        && value.bytes().all(|b| b.is_ascii_digit())
        && value.parse::<u32>().is_ok_and(|n| n <= 65535);
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{subject} must be a port number (digits, at most 65535)"
        ))
    }
}

fn path_segment(subject: &str, value: &str) -> Result<(), String> {
    let what = "must be one path segment";
    let refused = |c: char| {
        matches!(c, '/' | '?' | '#' | '@' | '\\' | '%') || c.is_whitespace() || c.is_control()
    };
    if let Some(c) = value.chars().find(|&c| refused(c)) {
        return Err(format!("{subject} {what}, not contain {}", describe(c)));
    }
    if value == "." || value == ".." {
        return Err(format!("{subject} {what}, not be `.` or `..`"));
    }
    Ok(())
}

/// Checks a base URL given by a user; the parsed URL, for the host check. The value is
/// never echoed: it could hold a password (`https://user:password@host`).
fn base_url(subject: &str, value: &str) -> Result<url::Url, String> {
    let what = "must be a base URL";
    // The URL parser would quietly drop tabs and newlines and read `\` as `/`.
    if let Some(c) = value
        .chars()
        .find(|&c| c == '\\' || c.is_whitespace() || c.is_control())
    {
        return Err(format!("{subject} {what} and not contain {}", describe(c)));
    }
    let url = url::Url::parse(value).map_err(|e| {
        format!("{subject} must be an absolute URL such as `https://host.example.com` ({e})")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{subject} must be an http(s) URL, not `{}:`",
            url.scheme()
        ));
    }
    let authority = value.split_once("://").map_or("", |(_, rest)| {
        &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())]
    });
    if authority.contains('@') || !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{subject} {what} and not hold a user name or password ('@')"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{subject} {what} with a host"));
    }
    if url.query().is_some() {
        return Err(format!("{subject} {what} and not have a query ('?')"));
    }
    if url.fragment().is_some() {
        return Err(format!("{subject} {what} and not have a fragment ('#')"));
    }
    Ok(url)
}

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
    body: &'b [u8],
    json: Option<Value>,
}

impl<'b> LoginResponse<'b> {
    /// Parses `body` (JSON or not) of a response with `status`.
    pub fn new(vendor: &'static str, status: u16, body: &'b [u8]) -> Self {
        LoginResponse {
            vendor,
            status,
            body,
            json: serde_json::from_slice(body).ok(),
        }
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

    /// A lifetime in seconds at `path` (a number or a numeric string).
    pub fn seconds(&self, path: &[&str]) -> Option<Duration> {
        let seconds: f64 = self.text(path)?.parse().ok()?;
        (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e12)))
    }

    /// An expiry time at `path`, as RFC 3339 / ISO 8601 (`2026-11-23T10:00:00Z`,
    /// `2026-11-23T12:00:00+02:00`).
    pub fn rfc3339(&self, path: &[&str]) -> Option<std::time::SystemTime> {
        let text = self.text(path)?;
        let at = time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
            .ok()?;
        Some(at.into())
    }

    /// An expiry time at `path`, as seconds since the Unix epoch.
    pub fn unix_time(&self, path: &[&str]) -> Option<std::time::SystemTime> {
        self.seconds(path)
            .map(|since| std::time::UNIX_EPOCH + since)
    }

    /// The token at `path` (shown in errors as `shown_path`).
    pub fn token(&self, path: &[&str], shown_path: &str) -> Result<SecretString, Error> {
        match &self.json {
            Some(json) => token_at(self.vendor, self.status, self.body, json, path, shown_path),
            None => Err(self.not_json()),
        }
    }

    /// The error for a response that is neither a documented failure nor a success.
    pub fn unexpected(&self) -> Error {
        if !self.is_2xx() {
            return unexpected(self.vendor, self.status, self.body);
        }
        if self.json.is_none() {
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

/// A check on a credential value, made when the value is given to the builder.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// At most this many characters.
    MaxLength(usize),
    /// Exactly this many characters.
    Length(usize),
    /// Only `0-9a-f`.
    LowerHex,
    /// Only `0-9a-fA-F`.
    Hex,
    /// Only `0-9`.
    Digits,
}

/// Applies `checks` to a credential value. The error says what is wrong, never the value.
pub fn check(
    vendor: &'static str,
    field: &'static str,
    value: &str,
    checks: &[Check],
) -> Result<(), Error> {
    let count = value.chars().count();
    let fail = |reason: String| {
        Err(Error::InvalidCredential {
            vendor,
            field,
            reason,
        })
    };
    for check in checks {
        match *check {
            Check::MaxLength(max) if count > max => {
                return fail(format!("must be at most {max} characters, not {count}"));
            }
            Check::Length(len) if count != len => {
                return fail(format!("must be exactly {len} characters, not {count}"));
            }
            Check::LowerHex
                if !value
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
            {
                return fail("must be lowercase hexadecimal (0-9, a-f)".to_owned());
            }
            Check::Hex if !value.bytes().all(|b| b.is_ascii_hexdigit()) => {
                return fail("must be hexadecimal (0-9, a-f, A-F)".to_owned());
            }
            Check::Digits if !value.bytes().all(|b| b.is_ascii_digit()) => {
                return fail("must be digits only (0-9)".to_owned());
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_fills_placeholders_and_refuses_plain_http_off_loopback() {
        let url = endpoint(
            "V",
            "https://{account}.example.com",
            &[("account", "acme")],
            None,
            "/api/x",
        )
        .expect("valid");
        assert_eq!(url.as_str(), "https://acme.example.com/api/x");
        let url = endpoint(
            "V",
            "{server}",
            &[("server", "http://127.0.0.1:9/p/")],
            None,
            "/a",
        )
        .expect("loopback");
        assert_eq!(url.as_str(), "http://127.0.0.1:9/p/a");
        let err = endpoint(
            "V",
            "{server}",
            &[("server", "http://example.com")],
            None,
            "/a",
        )
        .unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
        assert!(endpoint("V", "{server}", &[("server", "")], None, "/a").is_err());
        let url = endpoint(
            "V",
            "https://{a}.x",
            &[("a", "b")],
            Some("http://localhost:1"),
            "/p",
        )
        .expect("override");
        assert_eq!(url.as_str(), "http://localhost:1/p");
    }

    #[test]
    fn checks_say_what_is_wrong_without_the_value() {
        let key = "1f6a3e944f8c4ebdc6658d6fc1103f12ebbc33f5ed05ca3549fdbc3883556544";
        let hex64 = [Check::Length(64), Check::LowerHex];
        assert!(check("Currencycloud", "api_key", key, &hex64).is_ok());
        let upper = key.to_uppercase();
        let err = check("Currencycloud", "api_key", &upper, &hex64)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "Currencycloud credentials: `api_key` must be lowercase hexadecimal (0-9, a-f)"
        );
        let err = check("Currencycloud", "api_key", "abc", &hex64)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("exactly 64 characters, not 3") && !err.contains("abc"),
            "{err}"
        );
        let long = "é".repeat(256);
        assert!(check("V", "login_id", &long, &[Check::MaxLength(255)]).is_err());
        assert!(
            check(
                "V",
                "login_id",
                &long[..long.len() - 2],
                &[Check::MaxLength(255)]
            )
            .is_ok()
        );
        assert!(check("V", "site", "12a", &[Check::Digits]).is_err());
    }

    #[test]
    fn messages_are_capped_on_a_char_boundary() {
        let long = "é".repeat(crate::MESSAGE_CHARS + 10);
        let body = serde_json::json!({"m": long, "code": 401, "short": "fine"}).to_string();
        let response = LoginResponse::new("V", 401, body.as_bytes());
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

#[cfg(test)]
mod endpoint_tests {
    use super::*;

    fn fill(base: &str, name: &str, value: &str) -> Result<url::Url, String> {
        endpoint("V", base, &[(name, value)], None, "/api/x").map_err(|e| e.to_string())
    }

    fn refused(base: &str, name: &str, value: &str, why: &str) {
        match fill(base, name, value) {
            Ok(url) => panic!("`{value}` in `{base}` gave {url}"),
            Err(message) => {
                assert!(
                    message.contains("invalid endpoint URL")
                        && message.contains(&format!("`{name}`"))
                        && message.contains(why),
                    "`{value}` in `{base}`: {message}"
                );
            }
        }
    }

    const HOSTILE: [&str; 8] = [
        "evil.com/#",
        "a@b",
        "x?y",
        "a b",
        "a\r\nb",
        "..",
        "",
        "a\\b",
    ];

    #[test]
    fn a_host_label_is_one_label() {
        let base = "https://{account}.modulus.biz";
        assert_eq!(
            fill(base, "account", "acme-2").expect("label").as_str(),
            "https://acme-2.modulus.biz/api/x"
        );
        for value in HOSTILE {
            let message = fill(base, "account", value).expect_err(value);
            assert!(message.contains("`account`"), "{value:?}: {message}");
            assert!(
                !message.contains('\r') && !message.contains('\n'),
                "{message}"
            );
        }
        refused(
            base,
            "account",
            "evil.com/#",
            "must be a host label (letters, digits, '-'), not contain '.'",
        );
        refused(base, "account", "a@b", "not contain '@'");
        refused(base, "account", "x?y", "not contain '?'");
        refused(base, "account", "a b", "not contain a space");
        refused(base, "account", "a\r\nb", "not contain a control character");
        refused(base, "account", "evil.com", "not contain '.'");
        refused(base, "account", "a:1", "not contain ':'");
        refused(base, "account", "", "is empty");
        refused(base, "account", &"a".repeat(64), "at most 63 characters");
        refused(base, "account", "ä", "not contain 'ä'");
    }

    #[test]
    fn a_whole_host_is_dotted_labels() {
        let base = "https://{host}:8443/v1";
        assert_eq!(
            fill(base, "host", "api.example.com")
                .expect("host")
                .as_str(),
            "https://api.example.com:8443/v1/api/x"
        );
        for value in HOSTILE {
            fill(base, "host", value).expect_err(value);
        }
        refused(base, "host", "evil.com/#", "must be a host name");
        refused(base, "host", "a..b", "an empty label");
        refused(base, "host", ".a", "an empty label");
        refused(base, "host", "a.", "an empty label");
        refused(base, "host", "evil.com:80", "not contain ':'");
        refused(base, "host", "a@b", "not contain '@'");
    }

    #[test]
    fn a_port_is_a_number() {
        let base = "https://api.example.com:{port}";
        assert_eq!(
            fill(base, "port", "8443").expect("port").as_str(),
            "https://api.example.com:8443/api/x"
        );
        for value in ["80@evil.com", "1/x", "99999", "x", ""] {
            fill(base, "port", value).expect_err(value);
        }
        refused(base, "port", "80@evil.com", "must be a port number");
    }

    #[test]
    fn a_path_value_is_one_segment() {
        let base = "https://api.example.com/t/{tenant}";
        let url = fill(base, "tenant", "acme:eu_1").expect("segment");
        assert_eq!(url.as_str(), "https://api.example.com/t/acme:eu_1/api/x");
        for value in HOSTILE {
            fill(base, "tenant", value).expect_err(value);
        }
        refused(
            base,
            "tenant",
            "../../evil",
            "one path segment, not contain '/'",
        );
        refused(base, "tenant", "x?y#", "not contain '?'");
        refused(base, "tenant", "a#b", "not contain '#'");
        refused(base, "tenant", "a@b", "not contain '@'");
        refused(base, "tenant", "a\\b", "not contain '\\'");
        refused(base, "tenant", "%2e%2e", "not contain '%'");
        refused(base, "tenant", "..", "not be `.` or `..`");
        refused(base, "tenant", ".", "not be `.` or `..`");
        refused(base, "tenant", "a\u{a0}b", "not contain whitespace");
        refused(base, "tenant", "a\tb", "not contain a control character");
    }

    #[test]
    fn a_whole_base_is_an_absolute_http_url() {
        let base = "{server}";
        for good in [
            "https://crm.example.com",
            "https://crm.example.com/",
            "https://crm.example.com:8443/prefix",
            "http://127.0.0.1:9",
        ] {
            fill(base, "server", good).expect(good);
        }
        for value in HOSTILE {
            fill(base, "server", value).expect_err(value);
        }
        refused(
            base,
            "server",
            "https://user:pw@crm.example.com",
            "not hold a user name or password",
        );
        refused(base, "server", "https://evil.com@crm.example.com", "('@')");
        refused(
            base,
            "server",
            "https://crm.example.com?x=1",
            "not have a query",
        );
        refused(
            base,
            "server",
            "https://crm.example.com/#",
            "not have a fragment",
        );
        refused(
            base,
            "server",
            "https://crm.example.com/a b",
            "not contain a space",
        );
        refused(
            base,
            "server",
            "https://crm.example.com\n",
            "a control character",
        );
        refused(
            base,
            "server",
            " https://crm.example.com",
            "not contain a space",
        );
        refused(base, "server", "ftp://crm.example.com", "http(s)");
        refused(base, "server", "crm.example.com", "absolute URL");
        refused(base, "server", "https://evil.com\\@crm", "not contain '\\'");
        // The user name or password is never echoed.
        let message = fill(base, "server", "https://user:pw@crm.example.com").unwrap_err();
        assert!(!message.contains("pw"), "{message}");
    }

    #[test]
    fn a_base_followed_by_a_path_keeps_its_host() {
        let base = "{server}/t/{tenant}";
        let settings = [("server", "https://crm.example.com/"), ("tenant", "acme")];
        let url = endpoint("V", base, &settings, None, "/login").expect("valid");
        assert_eq!(url.as_str(), "https://crm.example.com/t/acme/login");
        for tenant in ["../../evil", "x?y#", "@evil.com", "..", "%2e%2e"] {
            let settings = [("server", "https://crm.example.com"), ("tenant", tenant)];
            let err = endpoint("V", base, &settings, None, "/login").expect_err(tenant);
            assert!(
                matches!(err, Error::InvalidUrl { .. }) && err.to_string().contains("`tenant`"),
                "{err}"
            );
        }
    }

    #[test]
    fn an_override_is_checked_as_a_base_url() {
        for bad in [
            "https://u:p@h.example.com",
            "https://h.example.com?x",
            "https://h.example.com#x",
            "https://h.example.com/\n",
        ] {
            let err = endpoint("V", "{server}", &[("server", "https://a")], Some(bad), "/p")
                .expect_err(bad)
                .to_string();
            assert!(err.contains("base URL"), "{err}");
        }
    }

    #[test]
    fn the_host_check_catches_what_escaped_its_place() {
        let url = |s: &str| url::Url::parse(s).expect("url");
        let expected = around("https://{account}.Modulus.biz");
        expected
            .check(&url("https://acme.modulus.biz/x"))
            .expect("same host");
        for escaped in [
            "https://evil.com/#.modulus.biz",
            "https://evil.com/.modulus.biz",
            "https://modulus.biz.evil.com",
            "http://acme.modulus.biz",
            "https://me:pw@acme.modulus.biz",
        ] {
            let err = expected.check(&url(escaped)).expect_err(escaped);
            assert!(err.contains("not the one `base` describes"), "{err}");
        }
        let exactly = ExpectedHost::Exactly(url("https://crm.example.com/p"));
        exactly
            .check(&url("https://crm.example.com:443/p/login"))
            .expect("same origin");
        exactly
            .check(&url("https://crm.example.com:8443/p"))
            .expect_err("another port");
    }

    #[test]
    fn unsupported_positions_are_refused_not_filled() {
        for base in [
            "https://{user}@api.example.com",
            "https://api.example.com/x?t={user}",
            "{user}.example.com",
        ] {
            let err = fill(base, "user", "acme").expect_err(base);
            assert!(err.contains("`{user}`"), "{err}");
        }
    }
}
