//! The JWTs a client signs for a login (`jwt` computed values), verified as a vendor
//! would: the signature with the public half of the key the mock accepts (RS256,
//! ES256) or the shared key (HS256), the header's algorithm and `kid`, every claim the
//! description writes, `iat` not ahead of the mock's clock, `exp` still ahead of it and
//! the lifetime described, and a `jti` the mock has not seen before.

use auth_description::{Jwt, JwtAlgorithm};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// How far a client's clock may be ahead of the mock's, as vendors allow.
const DRIFT_SECS: u64 = 60;

/// The `jti` of `token` when it is the JWT `jwt` describes, signed with `inputs[0]` (the
/// rendered key), with the rendered `kid` and claims (`inputs` in the order of
/// `Function::inputs`), at the mock's time `now` (seconds since 1970); else why not, in
/// words that show no value.
pub(crate) fn verified(
    jwt: &Jwt<'_>,
    token: &str,
    inputs: &[String],
    now: u64,
) -> Result<String, String> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("is not a JWT (three base64url parts)".to_owned());
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).ok();
    let json = |part: &str| decode(part).and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    let (Some(header_json), Some(claims), Some(signature)) =
        (json(header), json(payload), decode(signature))
    else {
        return Err("is not a JWT (a part does not decode)".to_owned());
    };
    let mut inputs = inputs.iter();
    let key = inputs.next().map_or("", String::as_str);
    if header_json.get("alg").and_then(Value::as_str) != Some(jwt.algorithm.word()) {
        return Err(format!("is not signed with {}", jwt.algorithm.word()));
    }
    if jwt.key_id.is_some() {
        let kid = inputs.next().map(String::as_str);
        if header_json.get("kid").and_then(Value::as_str) != kid {
            return Err("names another `kid`".to_owned());
        }
    }
    let message = &token[..header.len() + 1 + payload.len()];
    check_signature(jwt.algorithm, key, message.as_bytes(), &signature)?;
    for (claim, expected) in jwt.claims.iter().zip(inputs) {
        if claims.get(claim.name).and_then(Value::as_str) != Some(expected.as_str()) {
            return Err(format!("has another `{}` claim than described", claim.name));
        }
    }
    let time = |name: &str| claims.get(name).and_then(Value::as_u64);
    let (Some(iat), Some(exp)) = (time("iat"), time("exp")) else {
        return Err("has no `iat` and `exp` in seconds".to_owned());
    };
    if iat > now + DRIFT_SECS {
        return Err("is issued in the future (`iat`)".to_owned());
    }
    if exp <= now {
        return Err("has expired (`exp`)".to_owned());
    }
    if exp.checked_sub(iat) != Some(u64::from(jwt.lifetime_secs)) {
        return Err("lives another time than described (`exp` - `iat`)".to_owned());
    }
    match claims.get("jti").and_then(Value::as_str) {
        Some(jti) if !jti.is_empty() => Ok(jti.to_owned()),
        _ => Err("has no `jti`".to_owned()),
    }
}

/// Whether `signature` is `algorithm`'s over `message` with `key`: a PEM private key
/// whose public half verifies (RS256, ES256), or the shared key's text (HS256).
fn check_signature(
    algorithm: JwtAlgorithm,
    key: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
    let bad = || "is not signed with the accepted key".to_owned();
    let pem = || pem::parse(key.as_bytes()).map_err(|_| bad());
    match algorithm {
        JwtAlgorithm::Hs256 => {
            let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key.as_bytes());
            aws_lc_rs::hmac::verify(&key, message, signature).map_err(|_| bad())
        }
        JwtAlgorithm::Rs256 => {
            let pem = pem()?;
            let pair = match pem.tag() {
                "RSA PRIVATE KEY" => signature::RsaKeyPair::from_der(pem.contents()),
                _ => signature::RsaKeyPair::from_pkcs8(pem.contents()),
            }
            .map_err(|_| bad())?;
            UnparsedPublicKey::new(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                pair.public_key().as_ref(),
            )
            .verify(message, signature)
            .map_err(|_| bad())
        }
        JwtAlgorithm::Es256 => {
            let pem = pem()?;
            let pair = signature::EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                pem.contents(),
            )
            .map_err(|_| bad())?;
            UnparsedPublicKey::new(
                &signature::ECDSA_P256_SHA256_FIXED,
                pair.public_key().as_ref(),
            )
            .verify(message, signature)
            .map_err(|_| bad())
        }
    }
}
