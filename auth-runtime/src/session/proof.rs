//! The session's side of DPoP (`crate::dpop`, feature `sign`): a proof on each request
//! to the token endpoint, the revocation endpoint and the API when the vendor binds its
//! tokens, and the nonces its servers ask for. Without the feature no vendor binds its
//! tokens (a generated one that would does not compile), and nothing is added.

use crate::error::Error;
use crate::provider::{Provider, VendorRequest, WireValue};
use crate::transport::Exchange;
use futures::future::BoxFuture;
use secrecy::SecretString;

use super::Inner;

/// The session's DPoP key and nonces, when its vendor binds tokens.
#[cfg(feature = "sign")]
pub(super) type Proofs = Option<crate::dpop::Dpop>;
/// Nothing: DPoP needs the `sign` feature.
#[cfg(not(feature = "sign"))]
pub(super) type Proofs = ();

/// The header a proof travels in (RFC 9449 section 4.1).
const DPOP: &str = "DPoP";

/// The session's proofs: a key made for it or given (`SessionBuilder::dpop_key`) when
/// the provider binds tokens; an error when it does and they cannot be had.
#[cfg(feature = "sign")]
pub(super) fn proofs<P: Provider>(
    provider: &P,
    key: Option<crate::dpop::DpopKey>,
    shared: bool,
) -> Result<Proofs, Error> {
    let vendor = provider.vendor();
    if !provider.dpop() {
        return Ok(None);
    }
    let key = match key {
        Some(key) => key,
        // Replicas sharing a token store share its tokens, which are bound to one key.
        None if shared => {
            return Err(Error::InvalidRequest {
                vendor,
                reason: "the vendor binds tokens to a DPoP key and the session shares a token \
                         store: give every replica the same key (SessionBuilder::dpop_key)"
                    .to_owned(),
            });
        }
        None => crate::dpop::DpopKey::generate().map_err(|error| Error::InvalidRequest {
            vendor,
            reason: error.to_string(),
        })?,
    };
    Ok(Some(crate::dpop::Dpop::new(key)))
}

/// Without the `sign` feature: an error for a provider that binds tokens.
#[cfg(not(feature = "sign"))]
pub(super) fn proofs<P: Provider>(provider: &P, _: Option<()>, _: bool) -> Result<Proofs, Error> {
    if provider.dpop() {
        return Err(Error::InvalidRequest {
            vendor: provider.vendor(),
            reason: "the vendor binds tokens to a DPoP key, which needs auth-runtime's `sign` \
                     feature"
                .to_owned(),
        });
    }
    Ok(())
}

impl<P: Provider> Inner<P> {
    /// A proof for `method` on `url`, with the hash of `token` on an API call, when the
    /// vendor binds tokens; `None` when it does not.
    #[cfg(feature = "sign")]
    pub(crate) fn dpop_proof(
        &self,
        method: &str,
        url: &url::Url,
        token: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let Some(dpop) = &self.proofs else {
            return Ok(None);
        };
        dpop.proof(method, url, token, self.clock.wall_now())
            .map(Some)
            .map_err(|reason| Error::InvalidRequest {
                vendor: self.provider.vendor(),
                reason,
            })
    }

    #[cfg(not(feature = "sign"))]
    pub(crate) fn dpop_proof(
        &self,
        _: &str,
        _: &url::Url,
        _: Option<&str>,
    ) -> Result<Option<String>, Error> {
        Ok(None)
    }

    /// Puts a proof on a request to the token or revocation endpoint.
    pub(super) fn prove(&self, request: &mut VendorRequest) -> Result<(), Error> {
        if let Some(proof) = self.dpop_proof(request.method.as_str(), &request.url, None)? {
            request
                .headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case(DPOP));
            request.headers.push((
                DPOP.to_owned(),
                WireValue::Secret(SecretString::from(proof)),
            ));
        }
        Ok(())
    }

    /// Whether an answer from `origin` asked for a nonce the next proof now carries
    /// (RFC 9449 sections 8 and 9): worth one more try.
    #[cfg(feature = "sign")]
    pub(crate) fn dpop_nonce(
        &self,
        origin: &url::Origin,
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> bool {
        match &self.proofs {
            Some(dpop) => {
                crate::dpop::asks_for_nonce(status, headers, body)
                    && dpop.remember_nonce(origin, headers)
            }
            None => false,
        }
    }

    #[cfg(not(feature = "sign"))]
    pub(crate) fn dpop_nonce(
        &self,
        _: &url::Origin,
        _: u16,
        _: &http::HeaderMap,
        _: &[u8],
    ) -> bool {
        false
    }

    /// The thumbprint of the session's DPoP key, when the vendor binds tokens to it.
    #[cfg(feature = "sign")]
    pub(crate) fn dpop_thumbprint(&self) -> Option<&str> {
        self.proofs.as_ref().map(|dpop| dpop.key().thumbprint())
    }

    /// Sends a request to the token or revocation endpoint with a proof, and once more
    /// with the nonce its server asks for (RFC 9449 section 8).
    /// `send` gives the answer and what `answer` reads its exchange from.
    pub(super) async fn exchange_proven<'s, T>(
        &self,
        mut request: VendorRequest,
        send: impl Fn(VendorRequest) -> BoxFuture<'s, Result<T, Error>>,
        answer: impl Fn(&T) -> &Exchange,
    ) -> Result<T, Error> {
        self.prove(&mut request)?;
        let again = self.binds_tokens().then(|| request.clone());
        let origin = request.url.origin();
        let sent = send(request).await?;
        let exchange = answer(&sent);
        match again {
            Some(mut again)
                if self.dpop_nonce(&origin, exchange.status, &exchange.headers, &exchange.body) =>
            {
                self.prove(&mut again)?;
                send(again).await
            }
            _ => Ok(sent),
        }
    }

    /// What the steps of the latest login bound.
    pub(super) fn last_bound(&self) -> crate::provider::Bindings {
        self.last_bound
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Whether the vendor's tokens are bound to the session's key.
    pub(crate) fn binds_tokens(&self) -> bool {
        self.provider.dpop()
    }
}

impl<P: Provider> super::Session<P> {
    /// The thumbprint (RFC 7638) of the key this session's tokens are bound to by DPoP,
    /// when its vendor binds them (`oauth2(dpop)`): what the server records as the
    /// tokens' `cnf.jkt`.
    #[cfg(feature = "sign")]
    pub fn dpop_thumbprint(&self) -> Option<&str> {
        self.inner.dpop_thumbprint()
    }

    /// Puts a DPoP proof for the API request `view` (its method, its URL, the hash of
    /// the token it carries) on it, when the vendor binds tokens.
    pub(crate) fn prove_api_request(
        &self,
        view: &mut crate::send::ApiRequest<'_>,
    ) -> Result<(), Error> {
        let proof = self.inner.dpop_proof(
            view.method().as_str(),
            view.url(),
            Some(view.expose_token()),
        )?;
        if let Some(proof) = proof {
            let value = http::HeaderValue::from_str(&proof).map_err(|_| Error::InvalidRequest {
                vendor: self.inner.provider.vendor(),
                reason: "the DPoP proof is not a header value".to_owned(),
            })?;
            view.insert_header(http::HeaderName::from_static("dpop"), value);
        }
        Ok(())
    }

    /// Whether an API answer from `origin` asked for a DPoP nonce the next proof now
    /// carries (RFC 9449 section 9).
    pub(crate) fn dpop_nonce_asked(
        &self,
        origin: &url::Origin,
        status: u16,
        headers: &http::HeaderMap,
    ) -> bool {
        self.inner.dpop_nonce(origin, status, headers, &[])
    }
}
