//! Where a token may go: only to the vendor's origins, and never over plain http except
//! to a loopback host. Checked on every request that carries a token — [`Session::send`],
//! `AuthMiddleware`, `AuthLayer` — before the token is put on it (and before any login),
//! not on the cache read, which stays two atomic loads.
//!
//! [`Session::send`]: crate::Session::send

use crate::error::Error;

/// The origins a session's token may be sent to: the vendor's, the user's, and the API
/// base a login names when it is on one of the API hosts.
#[derive(Debug, Clone)]
pub(crate) struct Origins {
    allowed: Vec<url::Origin>,
    /// The host patterns an API base named by a login may be on (the description's,
    /// then the session's own): `auth_description::host_matches`.
    api_hosts: Vec<String>,
}

/// The host of a [`Session::api`](crate::Session::api) request's URL until it is sent:
/// a name in `.invalid`, which never resolves (RFC 2606 section 2, RFC 6761 section
/// 6.4), so that a placeholder handed to another client goes nowhere.
pub(crate) const API_PLACEHOLDER_HOST: &str = "api-base.invalid";

impl Origins {
    /// The origins of the vendor's own endpoints (login, logout, keep-alive), which
    /// the provider built from its description and checked.
    pub(crate) fn of<'u>(urls: impl IntoIterator<Item = &'u url::Url>) -> Self {
        let mut origins = Origins {
            allowed: Vec::new(),
            api_hosts: Vec::new(),
        };
        for url in urls {
            origins.add(url.origin());
        }
        origins
    }

    pub(crate) fn add(&mut self, origin: url::Origin) {
        if origin.is_tuple() && !self.allowed.contains(&origin) {
            self.allowed.push(origin);
        }
    }

    /// An origin the user allows besides the vendor's: `https://api.example.com`, or an
    /// http origin on a loopback host.
    pub(crate) fn allow(&mut self, vendor: &'static str, url: &str) -> Result<(), Error> {
        let parsed = url::Url::parse(url).map_err(|e| Error::InvalidUrl {
            vendor,
            reason: format!("the allowed origin `{url}` is not a URL: {e}"),
        })?;
        check_scheme(vendor, &parsed)?;
        self.add(parsed.origin());
        Ok(())
    }

    /// Adds host patterns an API base may be on; refused when one is not a pattern.
    pub(crate) fn allow_api_hosts<'p>(
        &mut self,
        vendor: &'static str,
        patterns: impl IntoIterator<Item = &'p str>,
    ) -> Result<(), Error> {
        for pattern in patterns {
            if let Some(problem) = auth_description::host_pattern_problem(pattern) {
                return Err(Error::InvalidUrl {
                    vendor,
                    reason: format!("`{pattern}` is not an API host pattern: {problem}"),
                });
            }
            self.api_hosts.push(pattern.to_owned());
        }
        Ok(())
    }

    /// The API base a login answer names, when the token may go there: an absolute
    /// https URL (or http to a loopback host) without credentials or query, on a host
    /// that matches one of the API host patterns.
    pub(crate) fn admit_api_base(
        &self,
        vendor: &'static str,
        named: &str,
    ) -> Result<url::Url, Error> {
        let refused = |reason: String| Error::ApiBase { vendor, reason };
        let base = url::Url::parse(named.trim()).map_err(|_| {
            refused("the login answer's API base is not an absolute URL".to_owned())
        })?;
        check_scheme(vendor, &base).map_err(|error| {
            refused(format!(
                "the login answer's API base cannot take the token: {error}"
            ))
        })?;
        if !base.username().is_empty() || base.password().is_some() || base.query().is_some() {
            return Err(refused(
                "the login answer's API base holds credentials or a query".to_owned(),
            ));
        }
        let host = base.host_str().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if !self
            .api_hosts
            .iter()
            .any(|pattern| auth_description::host_matches(pattern, host))
        {
            return Err(refused(format!(
                "the login named the API base on `{host}`, which matches none of the vendor's API hosts ({}); add a pattern with SessionBuilder::api_hosts if that host is the vendor's",
                self.api_hosts.join(", ")
            )));
        }
        Ok(base)
    }

    /// Whether a token may be put on a request to `url`.
    pub(crate) fn check(&self, vendor: &'static str, url: &url::Url) -> Result<(), Error> {
        check_scheme(vendor, url)?;
        let origin = url.origin();
        if self.allowed.contains(&origin) {
            return Ok(());
        }
        Err(Error::OriginNotAllowed {
            vendor,
            origin: origin.ascii_serialization(),
        })
    }
}

/// The API base a token's login named; an error when it named none (a request that
/// needs one, with a token from elsewhere).
pub(crate) fn api_base_of<'u>(
    vendor: &'static str,
    base: Option<&'u url::Url>,
) -> Result<&'u url::Url, Error> {
    base.ok_or_else(|| Error::ApiBase {
        vendor,
        reason: "the current token came without an API base, so a request on the API's base has nowhere to go".to_owned(),
    })
}

/// Whether `url` is a [`Session::api`](crate::Session::api) request's placeholder.
pub(crate) fn is_api_placeholder(url: &url::Url) -> bool {
    url.host_str() == Some(API_PLACEHOLDER_HOST)
}

/// The placeholder's path and query on `base`: `https://na1.example.com/api` and
/// `/v1/items?x=1` make `https://na1.example.com/api/v1/items?x=1`.
pub(crate) fn on_api_base(base: &url::Url, placeholder: &url::Url) -> url::Url {
    let mut url = base.clone();
    let path = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        placeholder.path().trim_start_matches('/')
    );
    url.set_path(&path);
    url.set_query(placeholder.query());
    url.set_fragment(None);
    url
}

/// https, or plain http to a loopback host: a token or a password must not cross a
/// network in clear text.
pub(crate) fn check_scheme(vendor: &'static str, url: &url::Url) -> Result<(), Error> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::InvalidUrl {
            vendor,
            reason: format!(
                "plain http is allowed only for loopback hosts, not `{}`",
                url.host_str().unwrap_or_default()
            ),
        }),
        other => Err(Error::InvalidUrl {
            vendor,
            reason: format!("unsupported scheme `{other}`"),
        }),
    }
}

/// `localhost`, `127.0.0.0/8` or `::1`.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The redirect policy of every client that carries a token: redirects are followed
/// only within the origin of the request, at most 5.
///
/// reqwest drops `Authorization` when a redirect leaves the host, but not a custom
/// header such as Currencycloud's `X-Auth-Token`, not a token in the query (which it
/// even repeats in `Referer`), and a 307 or 308 re-sends the body with its token
/// field: so a token-carrying client does not leave the origin at all. The session's
/// clients (under `Session::send`, `AuthMiddleware` and `AuthLayer` alike) have it,
/// with `.referer(false)`.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > 5 {
            attempt.error("more than 5 redirects")
        } else if same_origin {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).expect("url")
    }

    #[test]
    fn only_the_vendors_origins_and_allowed_ones_pass() {
        let mut origins = Origins::of([&url("https://crm.example.com/crmapi/rest/v2/auth")]);
        assert!(
            origins
                .check("V", &url("https://crm.example.com/other?x=1"))
                .is_ok()
        );
        for elsewhere in [
            "https://crm.example.com:8443/a",
            "https://evil.example.com/a",
            "https://crm.example.com.evil.net/a",
        ] {
            let err = origins.check("V", &url(elsewhere)).unwrap_err();
            assert!(matches!(err, Error::OriginNotAllowed { .. }), "{err}");
        }
        let err = origins
            .check("V", &url("http://crm.example.com/a"))
            .unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
        assert!(origins.allow("V", "https://files.example.com").is_ok());
        assert!(
            origins
                .check("V", &url("https://files.example.com/x"))
                .is_ok()
        );
        assert!(origins.allow("V", "http://files.example.com").is_err());
        assert!(origins.allow("V", "not a url").is_err());
        assert!(origins.allow("V", "http://127.0.0.1:9").is_ok());
        assert!(origins.check("V", &url("http://127.0.0.1:9/x")).is_ok());
    }

    #[test]
    fn an_api_base_is_admitted_only_on_an_api_host_over_https_or_loopback() {
        let mut origins = Origins::of([&url("https://login.example.com/token")]);
        origins
            .allow_api_hosts("V", ["*.my.example.com", "127.0.0.1"])
            .expect("patterns");
        let base = origins
            .admit_api_base("V", " https://acme.my.example.com ")
            .expect("admitted");
        assert_eq!(base.as_str(), "https://acme.my.example.com/");
        assert!(origins.admit_api_base("V", "http://127.0.0.1:8080").is_ok());
        for refused in [
            "https://my.example.com",
            "https://acme.my.example.com.evil.net",
            "https://evil.example.net",
            "http://acme.my.example.com",
            "ftp://acme.my.example.com",
            "https://user:pw@acme.my.example.com",
            "https://acme.my.example.com/?token=1",
            "acme.my.example.com",
            "",
        ] {
            let error = origins.admit_api_base("V", refused).unwrap_err();
            assert!(matches!(error, Error::ApiBase { .. }), "{refused}: {error}");
        }
        assert!(
            origins
                .allow_api_hosts("V", ["https://x.example.com"])
                .is_err()
        );
    }

    #[test]
    fn a_placeholder_request_lands_on_the_base_with_its_path_and_query() {
        let placeholder = url(&format!("https://{API_PLACEHOLDER_HOST}/v1/items?x=1#f"));
        assert!(is_api_placeholder(&placeholder));
        let on = on_api_base(&url("https://na1.example.com/api/"), &placeholder);
        assert_eq!(on.as_str(), "https://na1.example.com/api/v1/items?x=1");
        let on = on_api_base(&url("http://127.0.0.1:9"), &placeholder);
        assert_eq!(on.as_str(), "http://127.0.0.1:9/v1/items?x=1");
        let climbing = url(&format!("https://{API_PLACEHOLDER_HOST}/../../etc"));
        let on = on_api_base(&url("https://na1.example.com/api"), &climbing);
        assert_eq!(on.origin(), url("https://na1.example.com").origin());
    }
}
