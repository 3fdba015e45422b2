//! The functions a description's computed values are made with: digests and HMACs
//! (RustCrypto's `sha2` and `hmac`), base64, the clock, and random bytes from the
//! operating system (`getrandom`). Their inputs are templates the caller has rendered.

use std::time::{SystemTime, UNIX_EPOCH};

use auth_description::{Encoding, Function, TimeFormat};
use base64::Engine as _;
use hmac::Mac as _;
use sha2::Digest as _;

/// The value of `function` over its rendered `inputs` (in the order of
/// [`Function::inputs`]), at the time `at` (the session clock's). `at` is `None` when
/// the request is built to be checked, not sent (see `Bindings::placeholders`): the
/// clock, randomness and signatures read as empty, and the request is the same each
/// time it is built. `Err` says why there is no value.
pub(super) fn compute(
    function: &Function<'_>,
    inputs: &[String],
    at: Option<SystemTime>,
) -> Result<String, String> {
    let input = |at: usize| inputs.get(at).map_or(&[][..], |text| text.as_bytes());
    Ok(match *function {
        Function::Sha256(_, output) => encode(&sha2::Sha256::digest(input(0)), output),
        Function::Sha512(_, output) => encode(&sha2::Sha512::digest(input(0)), output),
        Function::HmacSha256 { output, .. } => {
            let mut mac = crate::store::hmac_sha256(input(0));
            mac.update(input(1));
            encode(&mac.finalize().into_bytes(), output)
        }
        Function::Base64(_, output) => encode(input(0), output),
        Function::Concat(_) => String::from_utf8_lossy(input(0)).into_owned(),
        Function::Now(format) => at
            .map(|at| now(at, format))
            .transpose()?
            .unwrap_or_default(),
        _ if at.is_none() => String::new(),
        Function::Nonce(bytes, output) => encode(&random(usize::from(bytes))?, output),
        Function::Uuid => uuid_v4(&random(16)?),
        Function::Jwt(jwt) => match at {
            Some(at) => signed_jwt(&jwt, inputs, at)?,
            None => String::new(),
        },
    })
}

/// `jwt` signed over its rendered inputs (the key, the `kid` when there is one, then
/// each claim's value), issued at `at`. A key that does not read is named by its kind,
/// never shown.
#[cfg(feature = "sign")]
fn signed_jwt(
    jwt: &auth_description::Jwt<'_>,
    inputs: &[String],
    at: SystemTime,
) -> Result<String, String> {
    use auth_description::JwtAlgorithm;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::{Map, Value};

    let mut inputs = inputs.iter();
    let key = inputs.next().map_or("", String::as_str);
    let (algorithm, key) = match jwt.algorithm {
        JwtAlgorithm::Rs256 => (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(key.as_bytes())
                .map_err(|_| "the key is not an RSA private key in PEM".to_owned())?,
        ),
        JwtAlgorithm::Es256 => (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(key.as_bytes())
                .map_err(|_| "the key is not a P-256 private key in PEM (PKCS#8)".to_owned())?,
        ),
        JwtAlgorithm::Hs256 => (Algorithm::HS256, EncodingKey::from_secret(key.as_bytes())),
    };
    let mut header = Header::new(algorithm);
    if jwt.key_id.is_some() {
        header.kid = inputs.next().cloned();
    }
    let mut claims = Map::new();
    for (claim, value) in jwt.claims.iter().zip(inputs) {
        claims.insert(claim.name.to_owned(), Value::String(value.clone()));
    }
    let issued = at
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the clock is before 1970".to_owned())?
        .as_secs()
        .saturating_sub(u64::from(jwt.backdate_secs));
    claims.insert("iat".to_owned(), Value::from(issued));
    claims.insert(
        "exp".to_owned(),
        Value::from(issued + u64::from(jwt.lifetime_secs)),
    );
    claims.insert("jti".to_owned(), Value::String(uuid_v4(&random(16)?)));
    jsonwebtoken::encode(&header, &Value::Object(claims), &key)
        .map_err(|_| format!("the JWT could not be signed with {}", jwt.algorithm.word()))
}

/// Without the `sign` feature no JWT is signed; a generated vendor that signs one does
/// not compile without it (`__private::require_sign`), so only a description read at
/// run time gets here.
#[cfg(not(feature = "sign"))]
fn signed_jwt(
    _: &auth_description::Jwt<'_>,
    _: &[String],
    _: SystemTime,
) -> Result<String, String> {
    Err("signing a JWT needs auth-runtime's `sign` feature".to_owned())
}

/// `bytes` written as `encoding` says.
pub(super) fn encode(bytes: &[u8], encoding: Encoding) -> String {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    match encoding {
        Encoding::Hex => {
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            let mut out = String::with_capacity(bytes.len() * 2);
            for byte in bytes {
                out.push(char::from(DIGITS[usize::from(byte >> 4)]));
                out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
            }
            out
        }
        Encoding::Base64 => STANDARD.encode(bytes),
        Encoding::Base64Url => URL_SAFE_NO_PAD.encode(bytes),
    }
}

/// `at` as `format` writes it.
fn now(at: SystemTime, format: TimeFormat) -> Result<String, String> {
    let since = at
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the clock is before 1970".to_owned())?;
    Ok(match format {
        TimeFormat::UnixSeconds => since.as_secs().to_string(),
        TimeFormat::UnixMillis => since.as_millis().to_string(),
        TimeFormat::Rfc3339 => {
            let secs = i64::try_from(since.as_secs()).map_err(|_| "the clock is past 9999")?;
            let t = time::OffsetDateTime::from_unix_timestamp(secs)
                .map_err(|_| "the clock is past 9999".to_owned())?;
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        }
    })
}

/// `len` bytes from the operating system's generator.
fn random(len: usize) -> Result<Vec<u8>, String> {
    let mut bytes = vec![0; len];
    getrandom::fill(&mut bytes)
        .map_err(|error| format!("no random bytes from the operating system: {error}"))?;
    Ok(bytes)
}

/// A version 4 UUID (RFC 9562 section 5.4) of 16 random bytes: the version and the
/// variant set, in the hyphenated lower-case form.
fn uuid_v4(random: &[u8]) -> String {
    let mut bytes = [0u8; 16];
    for (to, from) in bytes.iter_mut().zip(random) {
        *to = *from;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = encode(&bytes, Encoding::Hex);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn run(function: Function<'_>, inputs: &[&str]) -> String {
        let inputs: Vec<String> = inputs.iter().map(|s| (*s).to_owned()).collect();
        compute(&function, &inputs, Some(SystemTime::now())).unwrap_or_else(|why| panic!("{why}"))
    }

    /// FIPS 180-2 appendix B.1 and C.1: "abc".
    #[test]
    fn sha256_and_sha512_of_abc() {
        assert_eq!(
            run(Function::Sha256("", Encoding::Hex), &["abc"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            run(Function::Sha512("", Encoding::Hex), &["abc"]),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
        assert_eq!(
            run(Function::Sha256("", Encoding::Base64), &["abc"]),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert_eq!(
            run(Function::Sha256("", Encoding::Base64Url), &["abc"]),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }

    /// RFC 4231 test cases 1 and 2 (keys of text: 0x0b is ASCII).
    #[test]
    fn hmac_sha256_rfc_4231() {
        let hmac = Function::HmacSha256 {
            key: "",
            message: "",
            output: Encoding::Hex,
        };
        assert_eq!(
            run(hmac, &[&"\u{b}".repeat(20), "Hi There"]),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            run(hmac, &["Jefe", "what do ya want for nothing?"]),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// RFC 4648 section 10's vectors, and the URL-safe alphabet.
    #[test]
    fn base64_of_text() {
        assert_eq!(
            run(Function::Base64("", Encoding::Base64), &["foobar"]),
            "Zm9vYmFy"
        );
        assert_eq!(run(Function::Base64("", Encoding::Base64), &["fo"]), "Zm8=");
        assert_eq!(
            run(Function::Base64("", Encoding::Base64Url), &["fo"]),
            "Zm8"
        );
        assert_eq!(
            run(Function::Base64("", Encoding::Base64Url), &["\u{ff}\u{fe}"]),
            "w7_Dvg"
        );
        assert_eq!(run(Function::Concat(""), &["ab{c"]), "ab{c");
    }

    #[test]
    fn the_clock_in_three_formats() {
        let at = UNIX_EPOCH + Duration::from_millis(1_764_873_600_123);
        assert_eq!(
            now(at, TimeFormat::UnixSeconds).as_deref(),
            Ok("1764873600")
        );
        assert_eq!(
            now(at, TimeFormat::UnixMillis).as_deref(),
            Ok("1764873600123")
        );
        assert_eq!(
            now(at, TimeFormat::Rfc3339).as_deref(),
            Ok("2025-12-04T18:40:00Z")
        );
        let live: u64 = run(Function::Now(TimeFormat::UnixSeconds), &[])
            .parse()
            .unwrap_or_default();
        assert!(live > 1_764_873_600);
    }

    #[test]
    fn nonces_and_uuids_are_fresh_and_well_formed() {
        let a = run(Function::Nonce(16, Encoding::Hex), &[]);
        let b = run(Function::Nonce(16, Encoding::Hex), &[]);
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(run(Function::Nonce(32, Encoding::Base64Url), &[]).len(), 43);
        let uuid = run(Function::Uuid, &[]);
        let parts: Vec<&str> = uuid.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"));
        assert_ne!(uuid, run(Function::Uuid, &[]));
        assert_eq!(uuid_v4(&[0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }

    #[cfg(feature = "sign")]
    mod jwt {
        use super::*;
        use auth_description::{Claim, Jwt, JwtAlgorithm};
        use jsonwebtoken::{Algorithm, DecodingKey, Validation};
        use serde_json::Value;

        const CLAIMS: &[Claim<'static>] = &[
            Claim {
                name: "iss",
                value: "{client_email}",
            },
            Claim {
                name: "scope",
                value: "read",
            },
        ];

        fn jwt(algorithm: JwtAlgorithm, kid: bool) -> Function<'static> {
            Function::Jwt(Jwt {
                algorithm,
                key: "{private_key}",
                key_id: kid.then_some("{private_key_id}"),
                claims: CLAIMS,
                lifetime_secs: 600,
                backdate_secs: 0,
            })
        }

        fn sign(function: Function<'static>, key: &str, at: SystemTime) -> Result<String, String> {
            let mut inputs = vec![key.to_owned()];
            if let Function::Jwt(Jwt {
                key_id: Some(_), ..
            }) = function
            {
                inputs.push("key-1".to_owned());
            }
            inputs.extend(["sa@example.iam".to_owned(), "read".to_owned()]);
            compute(&function, &inputs, Some(at))
        }

        fn verified(
            token: &str,
            key: &DecodingKey,
            algorithm: Algorithm,
        ) -> (jsonwebtoken::Header, Value) {
            let mut validation = Validation::new(algorithm);
            validation.validate_exp = false;
            validation.required_spec_claims.clear();
            let data = jsonwebtoken::decode::<Value>(token, key, &validation)
                .unwrap_or_else(|e| panic!("not verified: {e}"));
            (data.header, data.claims)
        }

        const AT: u64 = 1_764_873_600;

        #[test]
        fn rs256_is_verified_by_the_public_key_with_the_claims_times_and_a_fresh_jti() {
            let at = UNIX_EPOCH + Duration::from_secs(AT);
            let function = jwt(JwtAlgorithm::Rs256, true);
            let token = sign(function, auth_sim::github_app::PRIVATE_KEY_PEM, at).expect("signed");
            let public = DecodingKey::from_rsa_pem(auth_sim::github_app::PUBLIC_KEY_PEM.as_bytes())
                .expect("public key");
            let (header, claims) = verified(&token, &public, Algorithm::RS256);
            assert_eq!(header.kid.as_deref(), Some("key-1"));
            assert_eq!(claims["iss"], "sa@example.iam");
            assert_eq!(claims["scope"], "read");
            assert_eq!(claims["iat"], AT);
            assert_eq!(claims["exp"], AT + 600);
            let jti = claims["jti"].as_str().expect("jti").to_owned();
            assert_eq!(jti.len(), 36);
            let again = sign(function, auth_sim::github_app::PRIVATE_KEY_PEM, at).expect("signed");
            assert_ne!(
                verified(&again, &public, Algorithm::RS256).1["jti"],
                jti.as_str()
            );
            // Signed by another key: not verified by this one.
            let other = sign(function, auth_sim::google::PRIVATE_KEY_PEM, at).expect("signed");
            let mut validation = Validation::new(Algorithm::RS256);
            validation.validate_exp = false;
            validation.required_spec_claims.clear();
            assert!(jsonwebtoken::decode::<Value>(&other, &public, &validation).is_err());
        }

        #[test]
        fn es256_with_a_pkcs8_key_and_hs256_with_text() {
            let at = UNIX_EPOCH + Duration::from_secs(AT);
            let pair = rcgen::KeyPair::generate().expect("a P-256 key");
            let token =
                sign(jwt(JwtAlgorithm::Es256, false), &pair.serialize_pem(), at).expect("signed");
            let public =
                DecodingKey::from_ec_pem(pair.public_key_pem().as_bytes()).expect("public");
            let (header, claims) = verified(&token, &public, Algorithm::ES256);
            assert_eq!(header.kid, None);
            assert_eq!(claims["exp"], AT + 600);

            let token = sign(jwt(JwtAlgorithm::Hs256, false), "shared secret", at).expect("signed");
            let (_, claims) = verified(
                &token,
                &DecodingKey::from_secret(b"shared secret"),
                Algorithm::HS256,
            );
            assert_eq!(claims["iss"], "sa@example.iam");
        }

        #[test]
        fn a_key_that_does_not_read_is_named_never_shown() {
            let at = UNIX_EPOCH + Duration::from_secs(AT);
            let key = "-----BEGIN PRIVATE KEY-----\nnot really a key TOPSECRET\n-----END PRIVATE KEY-----\n";
            for algorithm in [JwtAlgorithm::Rs256, JwtAlgorithm::Es256] {
                let why = sign(jwt(algorithm, false), key, at).expect_err("no key");
                assert!(why.contains("PEM"), "{why}");
                assert!(!why.contains("TOPSECRET"), "{why}");
            }
            // An RSA key is not an EC key.
            let why = sign(
                jwt(JwtAlgorithm::Es256, false),
                auth_sim::github_app::PRIVATE_KEY_PEM,
                at,
            )
            .expect_err("not P-256");
            assert!(!why.contains("BEGIN"), "{why}");
        }

        #[test]
        fn a_placeholder_request_signs_nothing() {
            let inputs = vec![auth_sim::github_app::PRIVATE_KEY_PEM.to_owned()];
            assert_eq!(
                compute(&jwt(JwtAlgorithm::Rs256, false), &inputs, None).as_deref(),
                Ok("")
            );
        }
    }

    #[test]
    fn placeholders_read_the_clock_and_randomness_as_empty_and_digests_as_they_are() {
        for function in [
            Function::Now(TimeFormat::Rfc3339),
            Function::Nonce(16, Encoding::Hex),
            Function::Uuid,
        ] {
            assert_eq!(compute(&function, &[], None).as_deref(), Ok(""));
        }
        assert_eq!(
            compute(
                &Function::Sha256("", Encoding::Hex),
                &["abc".to_owned()],
                None
            )
            .map(|d| d.len()),
            Ok(64)
        );
    }
}
