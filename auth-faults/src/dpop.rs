//! DPoP proofs as a server checks them (RFC 9449 section 4.3), for the token,
//! revocation and protected endpoints of auth-sim's OAuth 2.0 server and of auth-mock's
//! mock of a description with DPoP (feature `dpop`): one `DPoP` header holding a JWT
//! whose header has `typ` `dpop+jwt`, `alg` ES256 and a public `jwk` (no private
//! member), signed by that key; `htm` the request's method, `htu` its URL without query
//! and fragment (compared by host and path: the simulator may sit behind a TLS front);
//! `iat` within a minute of the server's time; a `jti` never seen before; `ath` the
//! hash of the access token on a protected call (section 7.1); the server's current
//! nonce when it hands out nonces (sections 8 and 9). A token is bound to the key's
//! thumbprint (RFC 7638; `cnf.jkt`, section 6).

use std::collections::HashSet;
use std::sync::Mutex;

use axum::http::{HeaderMap, Method, Uri, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::AlgorithmParameters;
use serde_json::Value;
use sha2::Digest as _;

use crate::lock;

/// How far a proof's `iat` may be from the server's time.
const IAT_WINDOW_SECS: u64 = 60;

/// Why a proof is refused: a nonce is wanted, or the proof is not good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No nonce, or not the server's current one: `use_dpop_nonce`.
    Nonce,
    /// `invalid_dpop_proof`, with why.
    Invalid(&'static str),
}

/// A server's memory of proofs: the `jti`s seen, the current nonce.
#[derive(Debug, Default)]
pub struct Proofs {
    seen: Mutex<HashSet<String>>,
    nonce: Mutex<Option<String>>,
}

impl Proofs {
    /// Starts handing out nonces (a new one each call), or stops.
    pub fn set_nonce(&self, nonce: Option<String>) {
        *lock(&self.nonce) = nonce;
    }

    /// The nonce proofs must carry now, if the server hands them out.
    pub fn nonce(&self) -> Option<String> {
        lock(&self.nonce).clone()
    }

    /// The thumbprint of the key that signed the request's proof, when the proof is
    /// good for `method` on `uri` at `now` (seconds), with the hash of `token` on a
    /// protected call.
    pub fn check(
        &self,
        headers: &HeaderMap,
        method: &Method,
        uri: &Uri,
        token: Option<&str>,
        now: u64,
    ) -> Result<String, Refused> {
        let mut proofs = headers.get_all("dpop").iter();
        let (Some(proof), None) = (proofs.next(), proofs.next()) else {
            return Err(Refused::Invalid("one DPoP header is required"));
        };
        let proof = proof
            .to_str()
            .map_err(|_| Refused::Invalid("the proof is not text"))?;
        let header = jsonwebtoken::decode_header(proof)
            .map_err(|_| Refused::Invalid("the proof is not a JWT"))?;
        if header.typ.as_deref() != Some("dpop+jwt") {
            return Err(Refused::Invalid("the proof's typ is not dpop+jwt"));
        }
        if header.alg != jsonwebtoken::Algorithm::ES256 {
            return Err(Refused::Invalid("the proof is not signed with ES256"));
        }
        let jwk = header
            .jwk
            .ok_or(Refused::Invalid("the proof's header has no jwk"))?;
        let AlgorithmParameters::EllipticCurve(point) = &jwk.algorithm else {
            return Err(Refused::Invalid("the proof's jwk is not an EC key"));
        };
        let raw = proof
            .split('.')
            .next()
            .and_then(|part| URL_SAFE_NO_PAD.decode(part).ok())
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
        if raw.as_ref().and_then(|h| h["jwk"].get("d")).is_some() {
            return Err(Refused::Invalid("the proof's jwk holds a private key"));
        }
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk)
            .map_err(|_| Refused::Invalid("the proof's jwk is not a key"))?;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Value>(proof, &key, &validation)
            .map_err(|_| Refused::Invalid("the proof's signature does not verify"))?
            .claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        if text("htm") != Some(method.as_str()) {
            return Err(Refused::Invalid("htm is not the request's method"));
        }
        let htu = text("htu")
            .and_then(|htu| htu.parse::<Uri>().ok())
            .ok_or(Refused::Invalid("htu is not a URL"))?;
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        if htu.query().is_some()
            || htu.path() != uri.path()
            || htu.authority().map(|a| a.as_str()) != host
        {
            return Err(Refused::Invalid("htu is not the request's URL"));
        }
        let iat = claims
            .get("iat")
            .and_then(Value::as_u64)
            .ok_or(Refused::Invalid("iat is missing"))?;
        if iat.abs_diff(now) > IAT_WINDOW_SECS {
            return Err(Refused::Invalid(
                "iat is not within a minute of the server's time",
            ));
        }
        if let Some(token) = token {
            let ath = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token.as_bytes()));
            if text("ath") != Some(ath.as_str()) {
                return Err(Refused::Invalid("ath is not the hash of the access token"));
            }
        }
        if let Some(nonce) = self.nonce()
            && text("nonce") != Some(nonce.as_str())
        {
            return Err(Refused::Nonce);
        }
        let jti = text("jti")
            .filter(|jti| !jti.is_empty())
            .ok_or(Refused::Invalid("jti is missing"))?;
        if !lock(&self.seen).insert(jti.to_owned()) {
            return Err(Refused::Invalid("the proof was used before (its jti)"));
        }
        // RFC 7638 section 3.2: the required members, in lexicographic order.
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            point.x, point.y
        );
        Ok(URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes())))
    }
}
