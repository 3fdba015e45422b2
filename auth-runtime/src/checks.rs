//! Checks on credential values (lengths, character sets), made when a value is given to
//! a generated builder.

use crate::error::Error;

/// A check on a credential value, made when the value is given to the builder.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// At most this many characters.
    MaxLength(usize),
    /// Exactly this many characters.
    Length(usize),
    /// Only `0-9a-f`.
    LowerHex,
    /// Only `0-9a-fA-F`.
    Hex,
    /// Only `0-9`.
    Digits,
}

/// Applies `checks` to a credential value. The error says what is wrong, never the value.
pub fn check(
    vendor: &'static str,
    field: &'static str,
    value: &str,
    checks: &[Check],
) -> Result<(), Error> {
    let count = value.chars().count();
    let fail = |reason: String| {
        Err(Error::InvalidCredential {
            vendor,
            field,
            reason,
        })
    };
    for check in checks {
        match *check {
            Check::MaxLength(max) if count > max => {
                return fail(format!("must be at most {max} characters, not {count}"));
            }
            Check::Length(len) if count != len => {
                return fail(format!("must be exactly {len} characters, not {count}"));
            }
            Check::LowerHex
                if !value
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
            {
                return fail("must be lowercase hexadecimal (0-9, a-f)".to_owned());
            }
            Check::Hex if !value.bytes().all(|b| b.is_ascii_hexdigit()) => {
                return fail("must be hexadecimal (0-9, a-f, A-F)".to_owned());
            }
            Check::Digits if !value.bytes().all(|b| b.is_ascii_digit()) => {
                return fail("must be digits only (0-9)".to_owned());
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_say_what_is_wrong_without_the_value() {
        let key = "1f6a3e944f8c4ebdc6658d6fc1103f12ebbc33f5ed05ca3549fdbc3883556544";
        let hex64 = [Check::Length(64), Check::LowerHex];
        assert!(check("Currencycloud", "api_key", key, &hex64).is_ok());
        let upper = key.to_uppercase();
        let err = check("Currencycloud", "api_key", &upper, &hex64)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "Currencycloud credentials: `api_key` must be lowercase hexadecimal (0-9, a-f)"
        );
        let err = check("Currencycloud", "api_key", "abc", &hex64)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("exactly 64 characters, not 3") && !err.contains("abc"),
            "{err}"
        );
        let long = "é".repeat(256);
        assert!(check("V", "login_id", &long, &[Check::MaxLength(255)]).is_err());
        assert!(
            check(
                "V",
                "login_id",
                &long[..long.len() - 2],
                &[Check::MaxLength(255)]
            )
            .is_ok()
        );
        assert!(check("V", "site", "12a", &[Check::Digits]).is_err());
    }
}
