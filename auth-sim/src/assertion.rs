//! Reading the signed JWTs clients present as their credentials (a GitHub App's JWT,
//! RFC 7523 assertions for Google and Salesforce): the signature is checked here, the
//! claims by each vendor, against the simulator's clock.

use std::collections::HashSet;

use serde_json::Value;

/// The header and claims of `token` when it is a JWT signed with RS256 by the private
/// half of `public_pem`; `None` when it is not (another algorithm included: a vendor that
/// takes RS256 refuses `none` and HS256 alike).
pub(crate) fn verified_rs256(
    token: &str,
    public_pem: &str,
) -> Option<(jsonwebtoken::Header, Value)> {
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(public_pem.as_bytes()).ok()?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    // Times, audience and issuer are the vendor's to check, on the simulator's clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::new();
    let data = jsonwebtoken::decode::<Value>(token, &key, &validation).ok()?;
    Some((data.header, data.claims))
}

/// A claim that is a time in seconds since the Unix epoch: a JSON number, or (as
/// Salesforce's own example writes `exp`) a string of digits.
pub(crate) fn seconds(claims: &Value, name: &str) -> Option<u64> {
    match claims.get(name)? {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// A claim that is a string.
pub(crate) fn text<'a>(claims: &'a Value, name: &str) -> Option<&'a str> {
    claims.get(name)?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_time_claim_is_a_number_or_digits() {
        let claims = json!({"a": 5, "b": "6", "c": "x", "d": -1, "e": [1]});
        assert_eq!(seconds(&claims, "a"), Some(5));
        assert_eq!(seconds(&claims, "b"), Some(6));
        assert_eq!(seconds(&claims, "c"), None);
        assert_eq!(seconds(&claims, "d"), None);
        assert_eq!(seconds(&claims, "e"), None);
        assert_eq!(seconds(&claims, "missing"), None);
    }

    #[test]
    fn an_unsigned_or_foreign_token_is_not_verified() {
        let public = include_str!("../keys/github_app.pub.pem");
        let other = include_str!("../keys/salesforce.pem");
        let foreign = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &json!({"iss": "x"}),
            &jsonwebtoken::EncodingKey::from_rsa_pem(other.as_bytes()).expect("key"),
        )
        .expect("signed");
        assert!(verified_rs256(&foreign, public).is_none());
        assert!(verified_rs256("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", public).is_none());
        assert!(verified_rs256("not a jwt", public).is_none());
        let own = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &json!({"iss": "x"}),
            &jsonwebtoken::EncodingKey::from_rsa_pem(
                include_str!("../keys/github_app.pem").as_bytes(),
            )
            .expect("key"),
        )
        .expect("signed");
        let (_, claims) = verified_rs256(&own, public).expect("verified");
        assert_eq!(text(&claims, "iss"), Some("x"));
    }
}
