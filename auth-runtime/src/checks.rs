//! Checks on credential values (lengths, character sets), made by both builders of a
//! generated credentials type: `build()` and `try_build()` (see `credentials.rs`).

pub use auth_description::Check;

/// What is wrong with `value` by the first of `checks` it fails ("must be lowercase
/// hexadecimal (0-9, a-f)"), never the value itself; `None` when it passes them all.
pub(crate) fn reason(value: &str, checks: &[Check]) -> Option<String> {
    let count = value.chars().count();
    checks.iter().find_map(|check| match *check {
        Check::MaxLength(max) if count > max => {
            Some(format!("must be at most {max} characters, not {count}"))
        }
        Check::Length(len) if count != len => {
            Some(format!("must be exactly {len} characters, not {count}"))
        }
        Check::LowerHex
            if !value
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
        {
            Some("must be lowercase hexadecimal (0-9, a-f)".to_owned())
        }
        Check::Hex if !value.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some("must be hexadecimal (0-9, a-f, A-F)".to_owned())
        }
        Check::Digits if !value.bytes().all(|b| b.is_ascii_digit()) => {
            Some("must be digits only (0-9)".to_owned())
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_say_what_is_wrong_without_the_value() {
        let key = "1f6a3e944f8c4ebdc6658d6fc1103f12ebbc33f5ed05ca3549fdbc3883556544";
        let hex64 = [Check::Length(64), Check::LowerHex];
        assert_eq!(reason(key, &hex64), None);
        let upper = key.to_uppercase();
        assert_eq!(
            reason(&upper, &hex64).as_deref(),
            Some("must be lowercase hexadecimal (0-9, a-f)")
        );
        let err = reason("abc", &hex64).unwrap_or_default();
        assert_eq!(err, "must be exactly 64 characters, not 3");
        let long = "é".repeat(256);
        assert!(reason(&long, &[Check::MaxLength(255)]).is_some());
        assert!(reason(&long[..long.len() - 2], &[Check::MaxLength(255)]).is_none());
        assert!(reason("12a", &[Check::Digits]).is_some());
        assert!(reason("12aF", &[Check::Hex]).is_none());
    }
}
