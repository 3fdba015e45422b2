//! The account key: the name under which sessions of one account meet in a store.

use hmac::Mac as _;
use secrecy::ExposeSecret as _;

use super::StoreSecret;
use crate::provider::{VendorRequest, WireFormat, WireValue};

/// The MAC key of account keys when no [`StoreSecret`] is configured. Being public, it
/// hides the credentials and separates accounts, but lets whoever reads the store's
/// keys test guesses of a weak secret offline; a store secret closes that.
const PUBLIC_ACCOUNT_KEY: &[u8] = b"authgen/store/account-key/public/v1";

/// Tags the encoding, so a future change of it yields other keys, not collisions.
const ENCODING: &[u8] = b"authgen account v1";

/// The account's name in a store: HMAC-SHA-256 over every part of its login — the
/// token request's method, URL, format, HTTP Basic user and password, each field's path
/// and value (secrets included) and its own headers, then each step's request sent
/// before it (built before any step has answered: what a step binds reads as empty, the
/// credentials its templates name as given) — so that every distinct credential set has
/// its own key, wherever the login sends it, and no key reveals a credential. Under
/// `secret`'s account key when one is configured. A login of one request without
/// headers is keyed as it always was, so stored tokens keep their keys.
pub(crate) fn account_key(
    request: &VendorRequest,
    steps: &[VendorRequest],
    secret: Option<&StoreSecret>,
) -> String {
    let key: &[u8] = secret.map_or(PUBLIC_ACCOUNT_KEY, |s| s.account_key());
    let mut mac = super::secret::hmac_sha256(key);
    // Every part is length-prefixed (and every list counted), so that no two requests
    // encode alike: `("ab", "c")` and `("a", "bc")` differ.
    let mut part = |bytes: &[u8]| {
        mac.update(&(bytes.len() as u64).to_be_bytes());
        mac.update(bytes);
    };
    part(ENCODING);
    encode(request, &mut part);
    for step in steps {
        part(b"step");
        encode(step, &mut part);
    }
    let digest = mac.finalize().into_bytes();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// One request's parts, each given to `part`.
fn encode(request: &VendorRequest, part: &mut impl FnMut(&[u8])) {
    part(request.method.as_str().as_bytes());
    part(request.url.as_str().as_bytes());
    part(format_name(request.format).as_bytes());
    match &request.basic {
        Some((user, password)) => {
            part(b"basic");
            part(user.as_bytes());
            part(password.expose_secret().as_bytes());
        }
        None => part(b"no basic"),
    }
    for fields in [&request.fields, &request.query] {
        part(&(fields.len() as u64).to_be_bytes());
        for field in fields {
            part(&(field.path.len() as u64).to_be_bytes());
            for segment in field.path {
                part(segment.as_bytes());
            }
            part(&value_bytes(&field.value));
        }
    }
    // Only when there are some, so that a request without headers keeps its key.
    if !request.headers.is_empty() {
        part(b"headers");
        part(&(request.headers.len() as u64).to_be_bytes());
        for (name, value) in &request.headers {
            part(name.as_bytes());
            part(&value_bytes(value));
        }
    }
}

/// A value as the key encodes it (a JSON value as written, quotes included).
fn value_bytes(value: &WireValue) -> std::borrow::Cow<'_, [u8]> {
    match value {
        WireValue::Plain(value) => value.as_bytes().into(),
        WireValue::Secret(value) => value.expose_secret().as_bytes().into(),
        WireValue::Json(value) => value.to_string().into_bytes().into(),
    }
}

fn format_name(format: WireFormat) -> &'static str {
    match format {
        WireFormat::Json => "json",
        WireFormat::Form => "form",
        WireFormat::Multipart => "multipart",
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::provider::{Method, WireField};

    fn request(fields: Vec<(&'static [&'static str], WireValue)>) -> VendorRequest {
        let url = url::Url::parse("https://vendor.example/login").expect("url");
        let mut request = VendorRequest::new(Method::Post, url, WireFormat::Json);
        request.fields = fields
            .into_iter()
            .map(|(path, value)| WireField { path, value })
            .collect();
        request
    }

    /// The key of a login of one request.
    fn account_key_of(request: &VendorRequest, secret: Option<&StoreSecret>) -> String {
        account_key(request, &[], secret)
    }

    fn secret(value: &str) -> WireValue {
        WireValue::Secret(SecretString::from(value))
    }

    fn plain(value: &str) -> WireValue {
        WireValue::Plain(value.to_owned())
    }

    #[test]
    fn every_credential_set_has_its_own_key_and_none_shows_a_secret() {
        let org: &'static [&'static str] = &["organisation"];
        let code: &'static [&'static str] = &["access_token_identifier", "authentication_code"];
        let a = request(vec![(org, plain("CRMDEMO")), (code, secret("CODE-A"))]);
        let b = request(vec![(org, plain("CRMDEMO")), (code, secret("CODE-B"))]);
        let key_a = account_key_of(&a, None);
        assert_eq!(key_a, account_key_of(&a, None), "stable");
        assert_eq!(key_a.len(), 64);
        assert!(!key_a.contains("CODE"));
        assert_ne!(key_a, account_key_of(&b, None), "secrets separate accounts");
        let user_secret = StoreSecret::from_bytes([3; 32]);
        assert_ne!(
            key_a,
            account_key_of(&a, Some(&user_secret)),
            "keyed by the secret"
        );

        // Length prefixes: moving bytes between parts changes the key.
        let ab: &'static [&'static str] = &["ab"];
        let a_path: &'static [&'static str] = &["a"];
        let shifted = account_key_of(&request(vec![(ab, plain("c"))]), None);
        let other = account_key_of(&request(vec![(a_path, plain("bc"))]), None);
        assert_ne!(shifted, other);

        let mut form = request(vec![(org, plain("CRMDEMO"))]);
        let json = account_key_of(&form, None);
        form.format = WireFormat::Form;
        assert_ne!(json, account_key_of(&form, None));
        form.basic = Some(("user".to_owned(), SecretString::from("pw1")));
        let pw1 = account_key_of(&form, None);
        form.basic = Some(("user".to_owned(), SecretString::from("pw2")));
        assert_ne!(
            pw1,
            account_key_of(&form, None),
            "Basic passwords separate accounts"
        );
    }

    #[test]
    fn credentials_sent_in_a_step_or_a_header_separate_accounts() {
        let token_request = request(vec![]);
        let step = |password: &str| {
            let mut step = request(vec![
                (&["user"], plain("ada")),
                (&["pass"], secret(password)),
            ]);
            step.url = url::Url::parse("https://vendor.example/session").expect("url");
            step
        };
        let one = account_key(&token_request, &[step("pw-one")], None);
        let two = account_key(&token_request, &[step("pw-two")], None);
        assert_ne!(
            one, two,
            "a password sent only in a step separates accounts"
        );
        assert_ne!(one, account_key_of(&token_request, None));
        assert!(!one.contains("pw-one"));

        let mut with_header = request(vec![]);
        with_header
            .headers
            .push(("X-Api-Key".to_owned(), secret("key-one")));
        let key_one = account_key_of(&with_header, None);
        with_header.headers[0].1 = secret("key-two");
        assert_ne!(
            key_one,
            account_key_of(&with_header, None),
            "a header key too"
        );
    }
}
