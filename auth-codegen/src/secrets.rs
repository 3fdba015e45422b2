//! Which credential fields are secret by their name: the one list and the one rule, used
//! by the lowering (a field named like a secret is secret unless marked public) and by
//! `authgen import` (which marks such properties `secret = true`).

/// The words a secret's name is, or ends with, written as [`is_secret_name`] compares
/// them: lowercase, without `_` or `-`.
///
/// Each one names what vendors call a secret (`password`, Currencycloud's `api_key`,
/// CRM.COM's `pass_code`, OAuth 2.0's `client_secret`, Coinbase's `passphrase`,
/// apilayer's `access_key`), and none is the end of a name vendors use for something
/// public: `key` alone is not one (`key_id`, `public_key`, `idempotency_key`), nor is
/// `id` (`client_id`, `login_id`) or `code` (`country_code`).
pub const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "passcode",
    "pin",
    "pincode",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "authkey",
];

/// Whether a field named `name` (a Rust name or a wire name) is secret by its name: it
/// is, or ends with, one of [`SECRET_WORDS`], compared case-insensitively and ignoring
/// `_` and `-` (`client_secret`, `X-Api-Key`, `apiKey` and `new_password` are;
/// `client_id`, `key`, `token_type` and `password_hint` are not).
pub fn is_secret_name(name: &str) -> bool {
    let squashed: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_WORDS.iter().any(|word| squashed.ends_with(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_or_end_with_a_secret_word_are_secret() {
        for name in [
            "password",
            "Password",
            "PASSWORD",
            "new_password",
            "passwd",
            "user_pwd",
            "pass",
            "user_pass",
            "passphrase",
            "pass_code",
            "passcode",
            "pin",
            "card_pin",
            "pin_code",
            "secret",
            "client_secret",
            "clientSecret",
            "app-secret",
            "token",
            "access_token",
            "refresh_token",
            "accessToken",
            "api_key",
            "apiKey",
            "apikey",
            "X-Api-Key",
            "x_api_key",
            "access_key",
            "secret_access_key",
            "secret_key",
            "private_key",
            "auth_key",
        ] {
            assert!(is_secret_name(name), "{name} should be secret");
        }
    }

    #[test]
    fn other_names_are_public() {
        for name in [
            "username",
            "user",
            "login_id",
            "client_id",
            "key",
            "key_id",
            "api_key_id",
            "public_key",
            "idempotency_key",
            "app_key",
            "email",
            "identifier",
            "organisation",
            "site_id",
            "siteId",
            "scope",
            "grant_type",
            "token_type",
            "password_hint",
            "secret_question",
            "country_code",
            "authentication_code",
            "otp",
            "remember",
            "",
        ] {
            assert!(!is_secret_name(name), "{name} should be public");
        }
    }

    #[test]
    fn the_words_are_written_as_they_are_compared() {
        for word in SECRET_WORDS {
            assert!(
                !word.is_empty()
                    && word
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "{word:?} would never match"
            );
        }
    }
}
