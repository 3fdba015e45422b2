//! DPoP (RFC 9449): tokens bound to a key the session holds, so that a token that leaks
//! (a log, a proxy, a redirect) is useless without the private key.
//!
//! A session of a vendor whose description says `oauth2(dpop)` holds a P-256 key
//! ([`DpopKey`]: made for the session, or given, to share one across replicas that
//! share a token store) and signs a proof JWT (section 4.2: `typ` `dpop+jwt`, ES256,
//! the public `jwk` in the header; `jti`, `htm`, `htu` without query and fragment,
//! `iat`, `ath` (section 4.2, the hash of the access token) on API calls, and the
//! server's latest `nonce` for the origin (sections 8 and 9)) for the token request,
//! the refresh, the revocation and every API call, whichever of `Session::send`,
//! `AuthMiddleware` or `AuthLayer` sends it. The token goes as `Authorization: DPoP`
//! (section 7.1), and an answer whose `token_type` is not `DPoP` is refused (section
//! 5). A server asking for a nonce (`use_dpop_nonce` with a `DPoP-Nonce` header) is
//! answered by one retry with it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::Digest as _;

/// The header a server's nonce comes in (sections 8 and 9).
pub(crate) const DPOP_NONCE: &str = "DPoP-Nonce";

/// A P-256 key a session proves possession of. Its `Debug` shows the thumbprint only.
#[derive(Clone)]
pub struct DpopKey {
    signing: EncodingKey,
    jwk: Jwk,
    thumbprint: String,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopKey")
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

/// Why a [`DpopKey`] could not be made or read; it never shows the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DPoP key: {0}")]
pub struct DpopKeyError(&'static str);

impl DpopKey {
    /// A new key from the operating system's generator: what a session makes for
    /// itself when given none.
    ///
    /// # Errors
    ///
    /// When the generator fails.
    pub fn generate() -> Result<DpopKey, DpopKeyError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| DpopKeyError("no key could be made"))?;
        let pkcs8 = pair
            .to_pkcs8v1()
            .map_err(|_| DpopKeyError("the key could not be written"))?;
        Self::from_pair(&pair, pkcs8.as_ref())
    }

    /// The P-256 private key of `pem` (PKCS#8, `-----BEGIN PRIVATE KEY-----`): one key
    /// for the replicas sharing a token store, whose tokens are bound to it.
    ///
    /// # Errors
    ///
    /// When `pem` is not a P-256 private key in PKCS#8 PEM.
    pub fn from_pkcs8_pem(pem: &str) -> Result<DpopKey, DpopKeyError> {
        let not_one = || DpopKeyError("not a P-256 private key in PKCS#8 PEM");
        let pem = pem::parse(pem.as_bytes()).map_err(|_| not_one())?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pem.contents())
            .map_err(|_| not_one())?;
        Self::from_pair(&pair, pem.contents())
    }

    fn from_pair(pair: &EcdsaKeyPair, pkcs8: &[u8]) -> Result<DpopKey, DpopKeyError> {
        // An uncompressed P-256 point: 0x04, then x and y of 32 bytes each.
        let point = pair.public_key().as_ref();
        let (Some(x), Some(y)) = (point.get(1..33), point.get(33..65)) else {
            return Err(DpopKeyError(
                "the public key is not an uncompressed P-256 point",
            ));
        };
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        // RFC 7638 section 3.2: the required members in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let thumbprint = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()));
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x,
                y,
            }),
        };
        Ok(DpopKey {
            signing: EncodingKey::from_ec_der(pkcs8),
            jwk,
            thumbprint,
        })
    }

    /// The key's JWK thumbprint (RFC 7638, SHA-256, base64url): what a server binds
    /// the tokens to (`cnf.jkt`, RFC 9449 section 6.1).
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }
}

/// A session's key and the latest nonce each origin gave.
#[derive(Debug)]
pub(crate) struct Dpop {
    key: DpopKey,
    nonces: Mutex<HashMap<String, String>>,
}

impl Dpop {
    pub(crate) fn new(key: DpopKey) -> Self {
        Dpop {
            key,
            nonces: Mutex::new(HashMap::new()),
        }
    }

    /// The key.
    pub(crate) fn key(&self) -> &DpopKey {
        &self.key
    }

    /// A proof for `method` on `url` at `now`, with the hash of `token` on an API call
    /// and the origin's latest nonce; `Err` says why none could be signed.
    pub(crate) fn proof(
        &self,
        method: &str,
        url: &url::Url,
        token: Option<&str>,
        now: SystemTime,
    ) -> Result<String, String> {
        let mut htu = url.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let _ = htu.set_username("");
        let _ = htu.set_password(None);
        let mut jti = [0u8; 16];
        getrandom::fill(&mut jti).map_err(|_| "no random bytes for a proof's `jti`")?;
        let iat = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| "the clock is before 1970")?
            .as_secs();
        let mut claims = json!({
            "jti": URL_SAFE_NO_PAD.encode(jti),
            "htm": method,
            "htu": htu.as_str(),
            "iat": iat,
        });
        if let Some(token) = token {
            claims["ath"] = Value::String(URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token)));
        }
        if let Some(nonce) = self.nonce(url) {
            claims["nonce"] = Value::String(nonce);
        }
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".to_owned());
        header.jwk = Some(self.key.jwk.clone());
        jsonwebtoken::encode(&header, &claims, &self.key.signing)
            .map_err(|_| "the DPoP proof could not be signed".to_owned())
    }

    /// The latest nonce `url`'s origin gave.
    fn nonce(&self, url: &url::Url) -> Option<String> {
        let nonces = self
            .nonces
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        nonces.get(&url.origin().ascii_serialization()).cloned()
    }

    /// Keeps the nonce of an answer from `origin` (its `DPoP-Nonce` header, a token of
    /// printable ASCII, section 8.1), replacing the one before; whether it gave one
    /// that differs from what the proof carried.
    pub(crate) fn remember_nonce(&self, origin: &url::Origin, headers: &http::HeaderMap) -> bool {
        let Some(nonce) = headers
            .get(DPOP_NONCE)
            .and_then(|value| value.to_str().ok())
            .filter(|nonce| !nonce.is_empty() && nonce.len() <= 512)
        else {
            return false;
        };
        let mut nonces = self
            .nonces
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let origin = origin.ascii_serialization();
        if nonces.get(&origin).map(String::as_str) == Some(nonce) {
            return false;
        }
        nonces.insert(origin, nonce.to_owned());
        true
    }
}

/// Whether an answer asks for a nonce: an error `use_dpop_nonce` from the token
/// endpoint (section 8: a 400 with it in the JSON body) or from a resource server
/// (section 9: a 401 whose `WWW-Authenticate: DPoP` challenge names it).
pub(crate) fn asks_for_nonce(status: u16, headers: &http::HeaderMap, body: &[u8]) -> bool {
    if headers.get(DPOP_NONCE).is_none() {
        return false;
    }
    match status {
        400 => serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|answer| {
                answer
                    .get("error")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .is_some_and(|error| error == "use_dpop_nonce"),
        401 => headers
            .get_all(http::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|value| {
                value.trim_start().to_ascii_lowercase().starts_with("dpop")
                    && value.contains("use_dpop_nonce")
            }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    fn verified(proof: &str) -> (Header, Value) {
        let header = jsonwebtoken::decode_header(proof).expect("a header");
        let jwk = header.jwk.clone().expect("a jwk");
        let key = DecodingKey::from_jwk(&jwk).expect("a public key");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Value>(proof, &key, &validation).expect("verified");
        (data.header, data.claims)
    }

    #[test]
    fn a_proof_is_signed_by_the_key_in_its_header_with_the_claims_of_section_4_2() {
        let dpop = Dpop::new(DpopKey::generate().expect("a key"));
        let url = url::Url::parse("https://user:pw@api.example.com/v1/items?q=1#top").unwrap();
        let at = UNIX_EPOCH + std::time::Duration::from_secs(1_764_873_600);
        let proof = dpop.proof("GET", &url, Some("tok"), at).expect("a proof");
        let (header, claims) = verified(&proof);
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["htu"], "https://api.example.com/v1/items");
        assert_eq!(claims["iat"], 1_764_873_600);
        // RFC 9449 section 4.2: ath is base64url(SHA-256(ASCII(token))).
        assert_eq!(
            claims["ath"],
            URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(b"tok"))
        );
        assert!(claims.get("nonce").is_none());
        let again = dpop.proof("GET", &url, Some("tok"), at).expect("a proof");
        assert_ne!(verified(&again).1["jti"], claims["jti"]);
        // The JWK in the header is the public key only.
        let jwk = serde_json::to_value(header.jwk).expect("json");
        assert!(jwk.get("d").is_none(), "{jwk}");
    }

    #[test]
    fn a_nonce_is_kept_per_origin_and_sent_in_the_next_proof() {
        let dpop = Dpop::new(DpopKey::generate().expect("a key"));
        let here = url::Url::parse("https://as.example.com/token").unwrap();
        let there = url::Url::parse("https://rs.example.com/data").unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert(DPOP_NONCE, http::HeaderValue::from_static("n-1"));
        assert!(dpop.remember_nonce(&here.origin(), &headers));
        assert!(
            !dpop.remember_nonce(&here.origin(), &headers),
            "the same nonce again"
        );
        let now = SystemTime::now();
        assert_eq!(
            verified(&dpop.proof("POST", &here, None, now).unwrap()).1["nonce"],
            "n-1"
        );
        assert!(
            verified(&dpop.proof("GET", &there, None, now).unwrap())
                .1
                .get("nonce")
                .is_none()
        );
    }

    #[test]
    fn the_thumbprint_follows_rfc_7638_and_a_shared_key_reads_back() {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let pkcs8 = pair.to_pkcs8v1().unwrap();
        let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8.as_ref().to_vec()));
        let key = DpopKey::from_pkcs8_pem(&pem).expect("read");
        let again = DpopKey::from_pkcs8_pem(&pem).expect("read");
        assert_eq!(key.thumbprint(), again.thumbprint());
        assert_eq!(key.thumbprint().len(), 43);
        assert!(!format!("{key:?}").contains("PRIVATE"));
        let error = DpopKey::from_pkcs8_pem(
            "-----BEGIN PRIVATE KEY-----\nU0VDUkVU\n-----END PRIVATE KEY-----\n",
        )
        .expect_err("not a key");
        assert!(!error.to_string().contains("U0VDUkVU"));
    }

    #[test]
    fn nonce_requests_are_told_apart_from_other_refusals() {
        let mut headers = http::HeaderMap::new();
        headers.insert(DPOP_NONCE, http::HeaderValue::from_static("n"));
        assert!(asks_for_nonce(
            400,
            &headers,
            br#"{"error":"use_dpop_nonce"}"#
        ));
        assert!(!asks_for_nonce(
            400,
            &headers,
            br#"{"error":"invalid_grant"}"#
        ));
        headers.insert(
            http::header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static(r#"DPoP error="use_dpop_nonce", algs="ES256""#),
        );
        assert!(asks_for_nonce(401, &headers, b""));
        assert!(!asks_for_nonce(401, &http::HeaderMap::new(), b""));
    }
}
