//! Endpoint URLs from a provider's `base` template: every `{placeholder}` value checked
//! for the place it fills, so that no setting can change where credentials go.

use crate::error::Error;

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
