//! An answer that names the API: the login's answer gives the base URL of every later
//! call (Salesforce's `instance_url`), on a host the description allows by pattern.

use crate::Spot;

/// Where a login answer names the base URL of the API calls that follow, and the hosts
/// it may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiBase<'a> {
    /// Where the base URL is in a successful login answer.
    pub spot: Spot<'a>,
    /// The hosts the base may be on, as patterns ([`host_matches`]): the token goes to
    /// the named base only when its host matches one of them (or one a session adds).
    pub hosts: &'a [&'a str],
}

/// What is wrong with `pattern` as a host pattern, if anything: a pattern is a host name
/// (`api.example.com`, an IP address), or `*.` and a suffix of at least two labels
/// (`*.my.salesforce.com`), without a scheme, port, path or other wildcard.
pub fn host_pattern_problem(pattern: &str) -> Option<&'static str> {
    let host = pattern.strip_prefix("*.").unwrap_or(pattern);
    if host.is_empty() {
        return Some("it names no host");
    }
    if host.contains("://") || host.contains(['/', '?', '#', '@']) {
        return Some("a host pattern is a host name alone, without scheme or path");
    }
    if host.contains('*') {
        return Some("`*` may only start a pattern, as `*.example.com`");
    }
    if host.contains(':') && !host.starts_with('[') && host.parse::<std::net::Ipv6Addr>().is_err() {
        return Some("a host pattern has no port: any port of the host matches");
    }
    if host.split('.').any(str::is_empty) {
        return Some("a host name has no empty label");
    }
    if pattern.starts_with("*.") && host.split('.').count() < 2 {
        return Some("`*.` must be followed by a domain of two labels or more");
    }
    None
}

/// Whether `host` matches `pattern` (see [`host_pattern_problem`]), ignoring ASCII case:
/// `*.my.salesforce.com` matches `acme.my.salesforce.com` and `a.b.my.salesforce.com`,
/// never `my.salesforce.com` itself nor `evilmy.salesforce.com`.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.');
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len() + 1
                && host.is_char_boundary(host.len() - suffix.len() - 1)
                && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
                && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => host.eq_ignore_ascii_case(pattern),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_matches_labels_before_its_suffix_only() {
        let pattern = "*.my.salesforce.com";
        for host in [
            "acme.my.salesforce.com",
            "A.B.MY.Salesforce.com",
            "x.my.salesforce.com.",
        ] {
            assert!(host_matches(pattern, host), "{host}");
        }
        for host in [
            "my.salesforce.com",
            "evilmy.salesforce.com",
            "acme.my.salesforce.com.evil.net",
            "salesforce.com",
            ".my.salesforce.com",
            "",
        ] {
            assert!(!host_matches(pattern, host), "{host}");
        }
        assert!(host_matches("127.0.0.1", "127.0.0.1"));
        assert!(host_matches("api.example.com", "API.example.com"));
        assert!(!host_matches("api.example.com", "x.api.example.com"));
        assert!(host_matches("*.example.com", "ü.example.com"));
    }

    #[test]
    fn a_pattern_is_a_host_or_a_wildcard_over_a_domain() {
        for good in [
            "*.my.salesforce.com",
            "api.example.com",
            "127.0.0.1",
            "localhost",
            "::1",
        ] {
            assert_eq!(host_pattern_problem(good), None, "{good}");
        }
        for bad in [
            "",
            "*.",
            "*",
            "*.com",
            "https://x.example.com",
            "x.example.com/api",
            "x.*.example.com",
            "*example.com",
            "x.example.com:443",
            "a..example.com",
        ] {
            assert!(host_pattern_problem(bad).is_some(), "{bad}");
        }
    }
}
