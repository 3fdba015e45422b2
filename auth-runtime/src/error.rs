//! Failures every vendor shares. Each generated vendor error enum wraps these in its
//! `Runtime` variant, next to the failures that vendor documents.
//!
//! No variant ever holds a credential or a token: reqwest errors are stored without
//! their URL (a CRM.COM URL carries the token as a query parameter), and body excerpts
//! are bounded and have their string values masked, even in a cut-off body (see
//! [`excerpt`]), and vendor messages are capped (see [`MESSAGE_CHARS`]).

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
    /// Credentials break their vendor's rules (a value of the wrong form; from
    /// configuration, also a missing or unknown field): see [`CredentialsError`](crate::CredentialsError).
    #[error(transparent)]
    InvalidCredentials(#[from] crate::CredentialsError),
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
    /// An OAuth 2.0 server issued a token of another type than the session sends (RFC
    /// 6749 section 7.1): `Bearer` tokens (RFC 6750), or `DPoP` tokens for a vendor
    /// that binds them (`oauth2(dpop)`, RFC 9449 section 5; a bearer token there was
    /// not bound to the key, and a `DPoP` token sent as a bearer one would go without
    /// its proof). The token was not cached. An answer without `token_type` is taken
    /// as the type asked for.
    #[error(
        "{vendor}: the login answered with a `{token_type}` token, which is not the type the session asked for and sends (`Bearer`, or `DPoP` where the vendor binds tokens)"
    )]
    UnsupportedTokenType {
        /// The vendor's name.
        vendor: &'static str,
        /// The answer's `token_type`, capped at [`MESSAGE_CHARS`] characters.
        token_type: String,
    },
    /// The login answer named no API base where the vendor's description says it does,
    /// or one the token may not go to: not a URL, not https (nor http to a loopback
    /// host), or on a host that matches none of the vendor's API hosts. The token was
    /// not cached: sending it there could hand it to someone else.
    #[error("{vendor}: {reason}; the token was not kept")]
    ApiBase {
        /// The vendor's name.
        vendor: &'static str,
        /// What is wrong with the base, naming its host (never a token).
        reason: String,
    },
    /// The vendor did not revoke a token at logout (RFC 7009): it answered with an
    /// error (`unsupported_token_type`, a 503, ...). The session forgot the token
    /// anyway.
    #[error(
        "{vendor}: revoking the {token} failed: HTTP {status}{}{}; body: {excerpt}",
        match code { Some(code) => format!(" `{code}`"), None => String::new() },
        match description { Some(description) => format!(" (description: {description})"), None => String::new() },
    )]
    RevocationFailed {
        /// The vendor's name.
        vendor: &'static str,
        /// Which token.
        token: crate::token::TokenKind,
        /// The answer's HTTP status code.
        status: u16,
        /// The OAuth 2.0 `error` code of a JSON answer (`unsupported_token_type`,
        /// `invalid_client`, ...), capped at [`MESSAGE_CHARS`] characters, secrets
        /// scrubbed.
        code: Option<String>,
        /// The answer's `error_description`, capped at [`MESSAGE_CHARS`] characters,
        /// secrets scrubbed.
        description: Option<String>,
        /// A bounded excerpt of the body, string values masked, secrets scrubbed.
        excerpt: String,
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

/// The longest vendor message kept in an error, in characters: each text field of a
/// documented failure (`message`, `error_code`, …) and each part of a
/// [`FieldMessage`](crate::FieldMessage). Longer ones are cut and end in `…`.
pub const MESSAGE_CHARS: usize = 500;

/// The keys, compared without regard to case, whose short string values an
/// [`excerpt`] shows: those vendors name their errors with (OAuth 2.0's `error` and
/// `error_description`, CRM.COM's `status.code`/`message`/`description`, Currencycloud's
/// `error_code`, OneBox's `errorCode`, RFC 9457's `title`/`detail`).
pub const ERROR_KEYS: &[&str] = &[
    "error",
    "error_description",
    "error_code",
    "errorcode",
    "error_message",
    "errormessage",
    "code",
    "message",
    "description",
    "title",
    "detail",
    "reason",
    "status",
];

/// The longest value under an [`ERROR_KEYS`] key an [`excerpt`] shows, in characters.
pub const ERROR_VALUE_CHARS: usize = 120;

/// A bounded, secret-free excerpt of a response body for error messages.
///
/// A login response that fails to decode may still carry a token, often because it was
/// cut off, so masking cannot wait for the body to parse:
///
/// * a body that looks like JSON (it starts with `{`, `[` or `"`), valid or not, is shown
///   as its shape: keys kept, every string value replaced by `"…"`, including one left
///   unterminated at the end, and layout whitespace dropped — except the value of a key
///   that names an error ([`ERROR_KEYS`], at any depth, in any case) when it is a
///   complete string of at most [`ERROR_VALUE_CHARS`] printable characters without
///   escapes: `{"error":"invalid_client_id","error_description":"client identifier
///   invalid"}` is shown as it is. The session scrubs every secret it knows (the
///   credentials, its tokens) from the body by value first, so a secret echoed under
///   such a key shows as `[REDACTED]`;
/// * a body that looks like a URL-encoded form (`a=b&token=xyz`) is shown as its names
///   with the values masked (`a=…&token=…`);
/// * any other body (plain text, an HTML error page) is shown as its first characters
///   with control characters escaped; the session scrubs the secrets it knows from it.
///
/// At most [`EXCERPT_CHARS`] characters are kept, then `…`.
///
/// A value no secret the session knows, under an error key, is shown: a vendor that
/// put a token it has just issued under `message` of an answer the session could not
/// read would show it, when it is that short.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    let mut out = Bounded::default();
    if trimmed.starts_with(['{', '[', '"']) {
        mask_json(trimmed, &mut out);
    } else if looks_like_form(&text) {
        mask_form(&text, &mut out);
    } else {
        for c in text.chars() {
            if out.full() {
                break;
            }
            out.push_escaped(c, true);
        }
    }
    out.finish()
}

/// Output that stops growing one character past [`EXCERPT_CHARS`], so that a huge
/// body costs no more than a short one.
#[derive(Default)]
struct Bounded {
    text: String,
    chars: usize,
}

impl Bounded {
    fn full(&self) -> bool {
        self.chars > EXCERPT_CHARS
    }

    fn push(&mut self, c: char) {
        if !self.full() {
            self.text.push(c);
            self.chars += 1;
        }
    }

    fn push_str(&mut self, s: &str) {
        s.chars().for_each(|c| self.push(c));
    }

    /// Pushes `c`, control characters as escapes (and, in plain text, quotes and
    /// backslashes too, as `escape_debug` does).
    fn push_escaped(&mut self, c: char, plain: bool) {
        if c.is_control() || plain {
            c.escape_debug().for_each(|e| self.push(e));
        } else {
            self.push(c);
        }
    }

    fn finish(self) -> String {
        if !self.full() {
            return self.text;
        }
        let mut cut: String = self.text.chars().take(EXCERPT_CHARS).collect();
        cut.push('…');
        cut
    }
}

/// A lenient scan of JSON-looking text that needs no valid JSON: a string is a key when
/// it is the first thing after `{` or `,` in an object, and every other string is a
/// value and masked. Escapes are skipped, not decoded, so `\"` never ends a string.
fn mask_json(text: &str, out: &mut Bounded) {
    // The open containers: `true` for an object.
    let mut objects: Vec<bool> = Vec::new();
    let mut expect_key = false;
    // Whether the last key read names an error, until its value starts.
    let mut error_key = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if out.full() {
            return;
        }
        match c {
            '"' => {
                let key = expect_key && objects.last() == Some(&true);
                let shown = !key && error_key;
                expect_key = false;
                error_key = false;
                out.push('"');
                // A key, read to be matched; a value under an error key, read to be
                // shown when it is short, printable and complete.
                let mut read = String::new();
                let mut escaped_any = false;
                let mut closed = false;
                while let Some(c) = chars.next() {
                    if c == '"' {
                        closed = true;
                        break;
                    }
                    if c == '\\' {
                        escaped_any = true;
                        let escaped = chars.next();
                        if key {
                            out.push('\\');
                            escaped.into_iter().for_each(|e| out.push_escaped(e, false));
                        }
                    } else if key {
                        out.push_escaped(c, false);
                    }
                    if (key || shown) && read.len() <= 4 * ERROR_VALUE_CHARS {
                        read.push(c);
                    }
                }
                if key {
                    error_key = !escaped_any
                        && ERROR_KEYS
                            .iter()
                            .any(|name| name.eq_ignore_ascii_case(&read));
                } else if shown
                    && closed
                    && !escaped_any
                    && read.chars().count() <= ERROR_VALUE_CHARS
                    && !read.chars().any(char::is_control)
                {
                    out.push_str(&read);
                } else {
                    out.push('…');
                }
                if closed {
                    out.push('"');
                }
                // The key stays named until its value: `:` keeps it, anything else not.
                if !key {
                    error_key = false;
                }
            }
            '{' | '[' => {
                objects.push(c == '{');
                expect_key = c == '{';
                error_key = false;
                out.push(c);
            }
            '}' | ']' => {
                objects.pop();
                expect_key = false;
                error_key = false;
                out.push(c);
            }
            ',' => {
                expect_key = objects.last() == Some(&true);
                error_key = false;
                out.push(c);
            }
            ':' => {
                expect_key = false;
                out.push(c);
            }
            c if c.is_whitespace() => {}
            c => {
                // Whatever stands where a key should be, the next string is not one.
                expect_key = false;
                error_key = false;
                out.push_escaped(c, false);
            }
        }
    }
}

/// Whether `text` reads as `name=value&name=value`: no whitespace or control
/// characters, names of URL characters, and at least one real value (so a base64 token
/// ending in `=` padding is not read as a name).
fn looks_like_form(text: &str) -> bool {
    let name_char = |c: char| c.is_ascii_alphanumeric() || "-_.~%+[]".contains(c);
    let mut has_value = false;
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name.is_empty() || !name.chars().all(name_char) {
            return false;
        }
        has_value |= !value.is_empty() && !value.starts_with('=');
    }
    has_value && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `a=b&token=xyz` as `a=…&token=…`.
fn mask_form(text: &str, out: &mut Bounded) {
    for (i, pair) in text.split('&').enumerate() {
        if out.full() {
            return;
        }
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, _)) => {
                out.push_str(name);
                out.push_str("=…");
            }
            None => out.push_str(pair),
        }
    }
}

/// `text` cut to at most `max` characters (on a character boundary), ending in `…`
/// when cut.
pub(crate) fn capped(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max) {
        text.truncate(cut);
        text.push('…');
    }
    text
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

    /// The excerpt of `body`, checked to hold none of `secrets`.
    fn shown_without(body: &str, secrets: &[&str]) -> String {
        let shown = excerpt(body.as_bytes());
        for secret in secrets {
            assert!(!shown.contains(secret), "`{secret}` in {shown}");
        }
        assert!(shown.chars().count() <= EXCERPT_CHARS + 1, "{shown}");
        shown
    }

    #[test]
    fn truncated_json_has_its_string_values_masked() {
        let shown = shown_without(r#"{"token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIi"#, &["eyJ"]);
        assert_eq!(shown, r#"{"token":"…"#);
        let shown = shown_without(r#"{"data":{"token":"abc123"#, &["abc123"]);
        assert_eq!(shown, r#"{"data":{"token":"…"#);
        // The values of error keys are shown; the token beside them is not.
        let shown = shown_without(
            r#"{"status":{"code":"OK","message":"fine"},"data":{"token":"abc123","n":12,"ok":true,"#,
            &["abc123"],
        );
        assert_eq!(
            shown,
            r#"{"status":{"code":"OK","message":"fine"},"data":{"token":"…","n":12,"ok":true,"#
        );
        // Pretty-printed: the layout is dropped, the shape kept.
        let shown = shown_without(
            "{\n  \"token\": \"abc123\",\n  \"user\": {\n    \"id\"",
            &["abc123"],
        );
        assert_eq!(shown, r#"{"token":"…","user":{"id""#);
    }

    #[test]
    fn arrays_and_escapes_do_not_unmask_a_value() {
        let shown = shown_without(
            r#"{"tokens":["abc123","def456",7,"ghi7"#,
            &["abc123", "def456", "ghi7"],
        );
        assert_eq!(shown, r#"{"tokens":["…","…",7,"…"#);
        // An escaped quote or backslash does not end the string.
        let shown = shown_without(
            r#"{"token":"abc\"def\\\"still secret\\","next":"x"#,
            &["abc", "def", "still secret"],
        );
        assert_eq!(shown, r#"{"token":"…","next":"…"#);
        let shown = shown_without(r#"{"token":"abc\"#, &["abc"]);
        assert_eq!(shown, r#"{"token":"…"#);
        // A string where a key is expected but after another string is a value.
        shown_without(r#"{"token" "abc123"}"#, &["abc123"]);
        shown_without(r#"{1 "abc123"}"#, &["abc123"]);
        shown_without(r#"["abc123"#, &["abc123"]);
        shown_without(r#""abc123"#, &["abc123"]);
        shown_without(r#"  [{"a":1},{"b":"abc123"}"#, &["abc123"]);
        // Invalid but complete: trailing garbage after a value.
        shown_without(r#"{"token":"abc123"}}} <oops>"#, &["abc123"]);
        // Control characters in keys are escaped.
        assert_eq!(excerpt(b"{\"a\nb\":\"x"), r#"{"a\nb":"…"#);
    }

    #[test]
    fn form_bodies_show_their_names_only() {
        let shown = shown_without("a=b&token=xyz", &["xyz"]);
        assert_eq!(shown, "a=…&token=…");
        let shown = shown_without(
            "access_token=abc%2F123&expires_in=3600&flag",
            &["abc", "3600"],
        );
        assert_eq!(shown, "access_token=…&expires_in=…&flag");
        let shown = shown_without("token=abc&token_type=bearer&refresh=d", &["abc", "bearer"]);
        assert_eq!(shown, "token=…&token_type=…&refresh=…");
    }

    #[test]
    fn text_and_html_stay_shown_escaped_and_bounded() {
        assert_eq!(excerpt(b"Service Unavailable"), "Service Unavailable");
        assert_eq!(
            excerpt(b"<html><body>a = b\r\n</body></html>"),
            "<html><body>a = b\\r\\n</body></html>"
        );
        assert_eq!(excerpt(b"\x1b[31mred"), "\\u{1b}[31mred");
        let huge = format!("{{\"token\":\"{}", "s".repeat(3 << 20));
        assert_eq!(shown_without(&huge, &["ss"]), r#"{"token":"…"#);
        let huge = format!("{{{}", r#""k":"v","#.repeat(100_000));
        let shown = shown_without(&huge, &["\"v\""]);
        assert_eq!(shown.chars().count(), EXCERPT_CHARS + 1);
        let huge = "a=b&".repeat(100_000);
        assert_eq!(
            shown_without(&huge, &["=b"]).chars().count(),
            EXCERPT_CHARS + 1
        );
        assert_eq!(excerpt(&[0xff, 0xfe, b'x']), "\u{fffd}\u{fffd}x");
        assert_eq!(excerpt(b""), "");
    }

    #[test]
    fn error_keys_show_short_printable_values_at_any_depth() {
        // A vendor's non-standard OAuth 2.0 error, as it came.
        let body =
            r#"{"error":"invalid_client_id","error_description":"client identifier invalid"}"#;
        assert_eq!(excerpt(body.as_bytes()), body);
        // Any case, any depth; other keys beside them stay masked.
        let shown = shown_without(
            r#"{"records":{"errorCode":"AUTH_7","userMessage":"hunter2","Detail":"bad login"},"session":"s3cr3t"}"#,
            &["hunter2", "s3cr3t"],
        );
        assert_eq!(
            shown,
            r#"{"records":{"errorCode":"AUTH_7","userMessage":"…","Detail":"bad login"},"session":"…"}"#
        );
        // Too long, with an escape, cut off, with a control character, or not a string
        // value of the key itself: masked.
        let long = "x".repeat(ERROR_VALUE_CHARS + 1);
        let shown = shown_without(&format!(r#"{{"message":"{long}"}}"#), &[&long]);
        assert_eq!(shown, r#"{"message":"…"}"#);
        let shown =
            excerpt(&format!(r#"{{"message":"{}"}}"#, "é".repeat(ERROR_VALUE_CHARS)).into_bytes());
        assert!(shown.contains('é'), "{shown}");
        let many = "é".repeat(ERROR_VALUE_CHARS + 1);
        shown_without(&format!(r#"{{"message":"{many}"}}"#), &[&many]);
        shown_without(r#"{"message":"a\"quoted\" secret"}"#, &["secret"]);
        assert_eq!(excerpt(br#"{"error":"abc123"#), r#"{"error":"…"#);
        shown_without(r#"{"error":"a\tb"}"#, &["a\\tb"]);
        let shown = shown_without(
            r#"{"error":["abc123"],"code":{"x":"def456"}}"#,
            &["abc123", "def456"],
        );
        assert_eq!(shown, r#"{"error":["…"],"code":{"x":"…"}}"#);
        // A value is never taken for a key, nor a key's name for an error key's value.
        shown_without(r#"{"x":"error","y":"abc123"}"#, &["abc123"]);
        shown_without(r#"["error","abc123"]"#, &["abc123"]);
        shown_without(r#"{"err\u006fr":"abc123"}"#, &["abc123"]);
    }
}
