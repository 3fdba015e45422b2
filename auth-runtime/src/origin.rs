//! Where a token may go: only to the vendor's origins, and never over plain http except
//! to a loopback host. Checked on every request that carries a token — [`Session::send`],
//! `AuthMiddleware`, `AuthLayer` — before the token is put on it (and before any login),
//! not on the cache read, which stays two atomic loads.
//!
//! [`Session::send`]: crate::Session::send

use crate::error::Error;

/// The origins a session's token may be sent to.
#[derive(Debug, Clone)]
pub(crate) struct Origins {
    allowed: Vec<url::Origin>,
}

impl Origins {
    /// The origins of the vendor's own endpoints (login, logout, keep-alive), which
    /// the provider built from its description and checked.
    pub(crate) fn of<'u>(urls: impl IntoIterator<Item = &'u url::Url>) -> Self {
        let mut origins = Origins {
            allowed: Vec::new(),
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
/// field: so a token-carrying client does not leave the origin at all. Build the
/// client under `AuthMiddleware` or `AuthLayer` with this policy (or start from
/// [`Session::http_client`](crate::Session::http_client)) and with
/// `.referer(false)`.
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
}
