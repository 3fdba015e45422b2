//! Scrubbing secrets out of vendor answers by value.
//!
//! Masking what *looks* like a secret (JSON string values, see
//! [`excerpt`](crate::excerpt)) misses an HTML error page that echoes the request, a
//! plain-text answer, or a message field that quotes the password. The session knows
//! the exact secrets it sent (credential secrets, HTTP Basic passwords) and the tokens
//! it holds, so before a vendor's body can reach an error, a log line or a store, it
//! replaces each of them, in every encoding a server is likely to echo it in, with
//! [`REDACTED`].

use base64::Engine as _;
use secrecy::{ExposeSecret as _, SecretString};

use crate::provider::{VendorRequest, WireValue};

/// What a scrubbed secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Secrets shorter than this are not scrubbed by value: replacing every `1234` or `ab`
/// in a body would mangle it past reading, and such a secret is not protected by
/// hiding it anyway. JSON string values are still masked.
const MIN_SCRUBBED_LEN: usize = 4;

/// The secrets to take out of a body, each in the encodings it may come back in.
#[derive(Default)]
pub(crate) struct Scrubber {
    needles: Vec<SecretString>,
}

impl Scrubber {
    /// Scrubs the secrets of a login (or logout, keep-alive) request: its secret fields
    /// (body and query), its secret headers and its HTTP Basic password.
    pub(crate) fn for_request(request: &VendorRequest) -> Self {
        let mut scrubber = Scrubber::default();
        let headers = request.headers.iter().map(|(_, value)| value);
        let fields = request
            .fields
            .iter()
            .chain(&request.query)
            .map(|f| &f.value);
        for value in fields.chain(headers) {
            if let WireValue::Secret(secret) = value {
                scrubber.add(secret.expose_secret());
            }
        }
        // The password as given (a server echoes what it decoded), as sent, and the
        // header's base64 of what was sent.
        if let Some((_, password)) = &request.basic {
            scrubber.add(password.expose_secret());
        }
        if let Some((user, password)) = request.basic_as_sent() {
            let password = password.expose_secret();
            scrubber.add(password);
            let basic = format!("{user}:{password}");
            scrubber.push(base64::engine::general_purpose::STANDARD.encode(basic.as_bytes()));
        }
        scrubber
    }

    /// The error of a failed reading of `reply`, made again from the answer with every
    /// secret taken out: `read` is the pure function that made `error` (a decoder, a
    /// step's reader), so reading the scrubbed body gives the same error without the
    /// secrets a hostile or careless server echoed (in JSON, HTML, text or a form).
    pub(crate) fn error<E: From<crate::error::Error>>(
        &self,
        vendor: &'static str,
        reply: &crate::provider::LoginReply<'_>,
        error: E,
        read: impl Fn(&crate::provider::LoginReply<'_>) -> Option<E>,
    ) -> E {
        let std::borrow::Cow::Owned(scrubbed) = self.bytes(reply.body) else {
            return error;
        };
        match read(&crate::provider::LoginReply {
            body: &scrubbed,
            ..*reply
        }) {
            Some(error) => error,
            // Only the secrets made it fail: say so without them.
            None => crate::error::Error::UnexpectedStatus {
                vendor,
                stage: crate::error::Stage::Login,
                status: reply.status,
                excerpt: crate::error::excerpt(&scrubbed),
            }
            .into(),
        }
    }

    /// Also scrubs every secret `other` scrubs.
    pub(crate) fn with(mut self, other: &Scrubber) -> Self {
        for needle in &other.needles {
            self.push(needle.expose_secret().to_owned());
        }
        self
    }

    /// Also scrubs `secret` (a token, say).
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.chars().count() < MIN_SCRUBBED_LEN {
            return;
        }
        self.push(secret.to_owned());
        // As a JSON string would hold it, escapes and all.
        if let Ok(json) = serde_json::to_string(secret) {
            self.push(json[1..json.len() - 1].to_owned());
        }
        // As a form or query string would hold it (`+` for space, and `%20`).
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        self.push(form.replace('+', "%20"));
        self.push(form);
        // As an HTML page would show it.
        self.push(
            secret
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;"),
        );
    }

    fn push(&mut self, needle: String) {
        if needle.len() >= MIN_SCRUBBED_LEN
            && !self.needles.iter().any(|n| n.expose_secret() == needle)
        {
            self.needles.push(SecretString::from(needle));
        }
    }

    /// `body` with every secret replaced by [`REDACTED`]; borrowed when none occurs.
    pub(crate) fn bytes<'b>(&self, body: &'b [u8]) -> std::borrow::Cow<'b, [u8]> {
        let mut out = std::borrow::Cow::Borrowed(body);
        // Longest first, so a secret is not half-replaced through a shorter encoding.
        let mut needles: Vec<&[u8]> = self
            .needles
            .iter()
            .map(|n| n.expose_secret().as_bytes())
            .collect();
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for needle in needles {
            if let Some(replaced) = replace_all(&out, needle, REDACTED.as_bytes()) {
                out = std::borrow::Cow::Owned(replaced);
            }
        }
        out
    }

    /// `headers` with every secret in their values replaced by [`REDACTED`] (a value
    /// that is no longer a header value after that is [`REDACTED`] whole).
    pub(crate) fn headers(&self, headers: &http::HeaderMap) -> http::HeaderMap {
        let mut scrubbed = http::HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            let value = match self.bytes(value.as_bytes()) {
                std::borrow::Cow::Borrowed(_) => value.clone(),
                std::borrow::Cow::Owned(bytes) => http::HeaderValue::from_bytes(&bytes)
                    .unwrap_or_else(|_| http::HeaderValue::from_static(REDACTED)),
            };
            scrubbed.append(name.clone(), value);
        }
        scrubbed
    }

    /// `text` with every secret replaced by [`REDACTED`].
    #[cfg(test)]
    fn text(&self, text: &str) -> String {
        String::from_utf8_lossy(&self.bytes(text.as_bytes())).into_owned()
    }
}

/// `haystack` with every `needle` replaced, or `None` when there is none.
fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    let first = find(haystack, needle)?;
    let mut out = Vec::with_capacity(haystack.len());
    out.extend_from_slice(&haystack[..first]);
    out.extend_from_slice(with);
    let mut rest = &haystack[first + needle.len()..];
    while let Some(at) = find(rest, needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrubber(secrets: &[&str]) -> Scrubber {
        let mut scrubber = Scrubber::default();
        for secret in secrets {
            scrubber.add(secret);
        }
        scrubber
    }

    #[test]
    fn secrets_are_scrubbed_in_every_encoding() {
        let s = scrubber(&["p@ss word&\"<x>"]);
        for body in [
            "echo: p@ss word&\"<x>",
            r#"{"password":"p@ss word&\"<x>"}"#,
            "password=p%40ss+word%26%22%3Cx%3E&user=ada",
            "password=p%40ss%20word%26%22%3Cx%3E",
            "<td>p@ss word&amp;&quot;&lt;x&gt;</td>",
        ] {
            let shown = s.text(body);
            assert!(shown.contains(REDACTED), "{body} -> {shown}");
            assert!(
                !shown.contains("ss word") && !shown.contains("ss+word"),
                "{shown}"
            );
        }
    }

    #[test]
    fn short_secrets_are_left_and_absent_ones_cost_no_copy() {
        let s = scrubber(&["abc"]);
        assert!(s.needles.is_empty());
        let s = scrubber(&["token-123"]);
        assert!(matches!(
            s.bytes(b"nothing here"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            s.text("a token-123 b token-123"),
            "a [REDACTED] b [REDACTED]"
        );
        assert_eq!(s.text("token-12"), "token-12");
    }

    #[test]
    fn a_form_encoded_basic_password_is_scrubbed_as_given_as_sent_and_in_the_header() {
        let url = url::Url::parse("https://auth.example/token").expect("url");
        let mut request = VendorRequest::new(
            crate::provider::Method::Post,
            url,
            crate::provider::WireFormat::Form,
        );
        request.basic = Some(("app".to_owned(), SecretString::from("c0l:on+50%")));
        request.basic_encoding = crate::provider::BasicEncoding::FormUrlEncoded;
        let s = Scrubber::for_request(&request);
        let header = base64::engine::general_purpose::STANDARD.encode("app:c0l%3Aon%2B50%25");
        for body in [
            "secret c0l:on+50% refused".to_owned(),
            "secret c0l%3Aon%2B50%25 refused".to_owned(),
            format!("header Basic {header} refused"),
        ] {
            let shown = s.text(&body);
            assert!(shown.contains(REDACTED), "{body} -> {shown}");
            assert!(
                !shown.contains("c0l") && !shown.contains(&header),
                "{shown}"
            );
        }
    }
}
