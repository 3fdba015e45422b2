//! What a session writes to a store and how it judges what it reads back: the text
//! form of records (for stores of bytes, such as Redis), the bounds every record read
//! must meet, and the sealing of tokens under a [`StoreSecret`].
//!
//! Nothing read from a store is trusted: a record that is malformed, out of bounds,
//! sealed when this session has no secret, plaintext when it has one, or that does not
//! open under its key is *invalid*, and an invalid record is treated as absent (with a
//! warning naming its key, never its value), so the session logs in under the lease
//! and its new record replaces the bad one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead as _, Generate as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret as _, SecretString};

use super::{SharedRefusal, SharedToken, StoreSecret};
use crate::clock::millis;

/// How far ahead of this machine's clock another replica's clock may be: a token
/// issued, or a refusal made, further in the future than this is invalid.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest a shared token may live: one that expires later than this after its
/// issue, or (without an expiry) was issued longer ago than this, is invalid. Tokens
/// meant to live longer are not shared: each session logs in for itself.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The longest token taken from a store (larger JWTs are unheard of).
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The longest refusal message kept in or taken from a store.
pub const MAX_REFUSAL_MESSAGE_BYTES: usize = 4 * 1024;

/// The longest a shared refusal is honoured, whatever hold its writer chose.
pub const MAX_REFUSAL_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// Starts every sealed token, so that a session tells sealed from plaintext records
/// (no vendor's token starts with it).
const SEALED_PREFIX: &str = "authgen-sealed-v1:";

/// Prefixes the associated data of a sealed token, before the store key it is sealed to.
const SEAL_CONTEXT: &[u8] = b"authgen token store record v1\0";
/// The associated data's prefix for a sealed refusal.
const REFUSAL_SEAL_CONTEXT: &[u8] = b"authgen token store refusal v1\0";

/// Milliseconds since the Unix epoch (0 before it).
fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(millis).unwrap_or(0)
}

/// The time `ms` milliseconds after the Unix epoch, if the platform can hold it.
fn from_unix_ms(ms: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_millis(ms))
}

/// Separates a token from the refresh token after it, in the text form and inside a
/// seal: neither may hold a control character (a session refuses such a token at
/// login, and [`shareable_refresh`] keeps such a refresh token out of the store), so
/// the first newline is the boundary, and a record written before refresh tokens
/// were shared reads as a token without one.
const REFRESH_SEPARATOR: char = '\n';

/// `token` and, after [`REFRESH_SEPARATOR`], `refresh`, then the API base after another
/// (the refresh token empty when there is none): how they travel as one text. A token
/// without an API base is written as before API bases were shared.
fn join_refresh(token: &SharedToken) -> String {
    let refresh = token.refresh_token.as_ref().map(|r| r.expose_secret());
    match (refresh, &token.api_base) {
        (refresh, Some(base)) => format!(
            "{}{REFRESH_SEPARATOR}{}{REFRESH_SEPARATOR}{base}",
            token.token.expose_secret(),
            refresh.unwrap_or_default(),
        ),
        (Some(refresh), None) => {
            format!(
                "{}{REFRESH_SEPARATOR}{refresh}",
                token.token.expose_secret()
            )
        }
        (None, None) => token.token.expose_secret().to_owned(),
    }
}

/// What a text [`join_refresh`] made holds: the token, the refresh token, the API base.
fn split_refresh(text: &str) -> (SecretString, Option<SecretString>, Option<String>) {
    let mut parts = text.splitn(3, REFRESH_SEPARATOR);
    let token = parts.next().unwrap_or_default();
    let refresh = parts.next().filter(|r| !r.is_empty());
    let base = parts.next();
    (
        token.into(),
        refresh.map(SecretString::from),
        base.map(str::to_owned),
    )
}

/// The refresh token a session may put in the store beside its token: one that
/// [`check_value`] accepts (a control character would break the record's framing),
/// else none, and the session keeps it to itself.
pub(crate) fn shareable_refresh(refresh: Option<SecretString>) -> Option<SecretString> {
    refresh.filter(|r| check_value(r.expose_secret()).is_ok())
}

/// The text form of a token: `<issued ms> <expires ms or -> <token>`, then a newline
/// and the refresh token when there is one.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn encode(token: &SharedToken) -> String {
    let expires = token
        .expires_at
        .map_or_else(|| "-".to_owned(), |t| unix_ms(t).to_string());
    format!(
        "{} {} {}",
        unix_ms(token.issued_at),
        expires,
        join_refresh(token)
    )
}

/// A token from its text form; why not, when the bytes are not one.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn decode(bytes: &[u8]) -> Result<SharedToken, &'static str> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8")?;
    let mut parts = text.splitn(3, ' ');
    let issued = parts
        .next()
        .and_then(|ms| ms.parse().ok())
        .and_then(from_unix_ms)
        .ok_or("no issue time")?;
    let expires = match parts.next().ok_or("no expiry")? {
        "-" => None,
        ms => Some(
            ms.parse()
                .ok()
                .and_then(from_unix_ms)
                .ok_or("malformed expiry")?,
        ),
    };
    let (token, refresh_token, api_base) = split_refresh(parts.next().ok_or("no token")?);
    Ok(SharedToken {
        token,
        issued_at: issued,
        expires_at: expires,
        refresh_token,
        api_base,
    })
}

/// The text form of a refusal: `<refused ms> <message>`.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn encode_refusal(refusal: &SharedRefusal) -> String {
    format!("{} {}", unix_ms(refusal.refused_at), refusal.message)
}

/// A refusal from its text form; why not, when the bytes are not one.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn decode_refusal(bytes: &[u8]) -> Result<SharedRefusal, &'static str> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8")?;
    let (at, message) = text.split_once(' ').ok_or("no refusal time")?;
    Ok(SharedRefusal {
        message: message.to_owned(),
        refused_at: at
            .parse()
            .ok()
            .and_then(from_unix_ms)
            .ok_or("malformed refusal time")?,
    })
}

/// Says that the record under `key` is not used, and why; never its value.
pub(crate) fn warn_invalid(key: &str, reason: &str) {
    tracing::warn!(
        key,
        reason,
        "ignoring an invalid record in the token store; it will be replaced"
    );
}

/// Why `token` is not a usable value, if it is not.
fn check_value(token: &str) -> Result<(), &'static str> {
    if token.is_empty() {
        return Err("empty token");
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err("token too long");
    }
    if token.chars().any(char::is_control) {
        return Err("control character in the token");
    }
    Ok(())
}

/// Why `token`'s times are out of bounds at `now`, if they are.
fn check_times(token: &SharedToken, now: SystemTime) -> Result<(), &'static str> {
    let issued = token.issued_at;
    if now
        .checked_add(MAX_CLOCK_SKEW)
        .is_none_or(|limit| issued > limit)
    {
        return Err("issued in the future");
    }
    let oldest = now.checked_sub(MAX_TOKEN_LIFETIME + MAX_CLOCK_SKEW);
    if oldest.is_none_or(|oldest| issued < oldest) {
        return Err("issued too long ago");
    }
    if let Some(expires) = token.expires_at {
        if expires <= issued {
            return Err("expires before it was issued");
        }
        if issued
            .checked_add(MAX_TOKEN_LIFETIME)
            .is_none_or(|limit| expires > limit)
        {
            return Err("lifetime too long");
        }
    }
    Ok(())
}

/// The token as this session may use it — opened with `secret` if one is configured,
/// and within bounds at `now` — or `None`, with a warning naming `key`.
pub(crate) fn usable_token(
    key: &str,
    stored: SharedToken,
    secret: Option<&StoreSecret>,
    now: SystemTime,
) -> Option<SharedToken> {
    let checked = open(key, stored, secret).and_then(|token| {
        check_value(token.token.expose_secret())?;
        if let Some(refresh) = &token.refresh_token {
            check_value(refresh.expose_secret()).map_err(|_| "invalid refresh token")?;
        }
        if let Some(base) = &token.api_base {
            check_value(base).map_err(|_| "invalid API base")?;
        }
        check_times(&token, now)?;
        Ok(token)
    });
    checked.inspect_err(|reason| warn_invalid(key, reason)).ok()
}

/// The refusal as this session may honour it — a message fit to show and a time
/// within bounds at `now` — or `None`, with a warning naming `key`.
pub(crate) fn usable_refusal(
    key: &str,
    refusal: SharedRefusal,
    now: SystemTime,
) -> Option<SharedRefusal> {
    let checked = if refusal.message.is_empty() {
        Err("empty message")
    } else if refusal.message.len() > MAX_REFUSAL_MESSAGE_BYTES {
        Err("message too long")
    } else if refusal.message.chars().any(char::is_control) {
        Err("control character in the message")
    } else if now
        .checked_add(MAX_CLOCK_SKEW)
        .is_none_or(|limit| refusal.refused_at > limit)
    {
        Err("refused in the future")
    } else if now
        .checked_sub(MAX_REFUSAL_AGE)
        .is_none_or(|oldest| refusal.refused_at < oldest)
    {
        Err("refused too long ago")
    } else {
        Ok(refusal)
    };
    checked.inspect_err(|reason| warn_invalid(key, reason)).ok()
}

/// A refusal message as published: control characters made spaces, cut to
/// [`MAX_REFUSAL_MESSAGE_BYTES`], so that every reader accepts it.
pub(crate) fn publishable_message(message: &str) -> String {
    let mut clean = String::with_capacity(message.len().min(MAX_REFUSAL_MESSAGE_BYTES));
    for c in message.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if clean.len() + c.len_utf8() > MAX_REFUSAL_MESSAGE_BYTES {
            break;
        }
        clean.push(c);
    }
    clean
}

/// The associated data a token under `key` is sealed with: a record copied under
/// another key does not open.
fn associated_data(key: &str) -> Vec<u8> {
    [SEAL_CONTEXT, key.as_bytes()].concat()
}

/// `token` as handed to the store under `key`: sealed when a secret is configured (its
/// times and refresh token travel inside the seal too; the outer times only tell the
/// store its lifetime).
pub(crate) fn for_store(
    key: &str,
    token: SharedToken,
    secret: Option<&StoreSecret>,
) -> SharedToken {
    let Some(secret) = secret else {
        return token;
    };
    let joined = join_refresh(&token);
    let mut plaintext = Vec::with_capacity(17 + joined.len());
    plaintext.extend_from_slice(&unix_ms(token.issued_at).to_be_bytes());
    match token.expires_at {
        Some(at) => {
            plaintext.push(1);
            plaintext.extend_from_slice(&unix_ms(at).to_be_bytes());
        }
        None => plaintext.extend_from_slice(&[0; 9]),
    }
    plaintext.extend_from_slice(joined.as_bytes());
    let sealed = seal(secret, &associated_data(key), &plaintext);
    SharedToken {
        token: SecretString::from(sealed),
        issued_at: token.issued_at,
        expires_at: token.expires_at,
        refresh_token: None,
        api_base: None,
    }
}

/// The token in `stored`, opened with `secret` (and its sealed times) when one is
/// configured; why not, when it is sealed without a secret here, plaintext with one,
/// or does not open under `key`.
fn open(
    key: &str,
    stored: SharedToken,
    secret: Option<&StoreSecret>,
) -> Result<SharedToken, &'static str> {
    let sealed = stored.token.expose_secret().strip_prefix(SEALED_PREFIX);
    let (secret, sealed) = match (secret, sealed) {
        (None, None) => return Ok(stored),
        // Beside a seal, a refresh token could only have been put by someone else.
        (Some(_), Some(_)) if stored.refresh_token.is_some() => {
            return Err("plaintext refresh token beside a sealed token");
        }
        (Some(_), Some(_)) if stored.api_base.is_some() => {
            return Err("plaintext API base beside a sealed token");
        }
        (None, Some(_)) => return Err("sealed, and this session has no store secret"),
        (Some(_), None) => return Err("not sealed, and this session has a store secret"),
        (Some(secret), Some(sealed)) => (secret, sealed),
    };
    let plaintext = unseal(secret, &associated_data(key), sealed)
        .map_err(|_| "sealed token does not open under this secret and key")?;
    let number = |at: usize| -> Option<u64> {
        Some(u64::from_be_bytes(
            plaintext.get(at..at + 8)?.try_into().ok()?,
        ))
    };
    let malformed = "sealed token is malformed";
    let issued_at = number(0).and_then(from_unix_ms).ok_or(malformed)?;
    let expires_at = match plaintext.get(8) {
        Some(0) => None,
        Some(1) => Some(number(9).and_then(from_unix_ms).ok_or(malformed)?),
        _ => return Err(malformed),
    };
    let joined = plaintext.get(17..).ok_or(malformed)?;
    let joined = std::str::from_utf8(joined).map_err(|_| malformed)?;
    let (token, refresh_token, api_base) = split_refresh(joined);
    Ok(SharedToken {
        token,
        issued_at,
        expires_at,
        refresh_token,
        api_base,
    })
}

/// `plaintext` sealed with XChaCha20-Poly1305 under `secret`'s sealing key, bound to
/// `aad`: [`SEALED_PREFIX`], then the nonce and the ciphertext in unpadded base64.
fn seal(secret: &StoreSecret, aad: &[u8], plaintext: &[u8]) -> String {
    let cipher = XChaCha20Poly1305::new(secret.sealing_key().into());
    // 24-byte nonces from the operating system's generator: random nonces this long
    // do not repeat in practice, however many records are sealed under one secret.
    let nonce = XNonce::generate();
    let payload = Payload {
        msg: plaintext,
        aad,
    };
    // Encryption into a Vec cannot fail for a message this size.
    let sealed = match cipher.encrypt(&nonce, payload) {
        Ok(ciphertext) => [nonce.as_slice(), &ciphertext].concat(),
        Err(_) => Vec::new(),
    };
    format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(sealed))
}

/// What [`seal`] sealed, from the text after [`SEALED_PREFIX`]; why not, when it is not
/// base64, too short, or does not open under `secret` and `aad`.
fn unseal(secret: &StoreSecret, aad: &[u8], sealed: &str) -> Result<Vec<u8>, &'static str> {
    let bytes = URL_SAFE_NO_PAD
        .decode(sealed)
        .map_err(|_| "sealed value is not base64")?;
    if bytes.len() < 24 {
        return Err("sealed value too short");
    }
    let (nonce, ciphertext) = bytes.split_at(24);
    let nonce = XNonce::try_from(nonce).map_err(|_| "sealed value too short")?;
    let cipher = XChaCha20Poly1305::new(secret.sealing_key().into());
    let payload = Payload {
        msg: ciphertext,
        aad,
    };
    cipher
        .decrypt(&nonce, payload)
        .map_err(|_| "sealed value does not open under this secret and key")
}

/// What a refusal under `key` is sealed with: one moved under another key, or a
/// token's seal put in its place, does not open.
fn refusal_associated_data(key: &str) -> Vec<u8> {
    [REFUSAL_SEAL_CONTEXT, key.as_bytes()].concat()
}

/// `refusal` as handed to the store under `key`: with a secret, its time and message
/// sealed in the message (the outer time only tells the store its age), so that one
/// written by whoever can write the store, without the secret, is not honoured.
pub(crate) fn refusal_for_store(
    key: &str,
    refusal: SharedRefusal,
    secret: Option<&StoreSecret>,
) -> SharedRefusal {
    let Some(secret) = secret else {
        return refusal;
    };
    let mut plaintext = Vec::with_capacity(8 + refusal.message.len());
    plaintext.extend_from_slice(&unix_ms(refusal.refused_at).to_be_bytes());
    plaintext.extend_from_slice(refusal.message.as_bytes());
    SharedRefusal {
        message: seal(secret, &refusal_associated_data(key), &plaintext),
        refused_at: refusal.refused_at,
    }
}

/// The refusal in `stored`, opened with `secret` when one is configured; why not, when
/// it is not sealed and this session has a secret (anyone who can write the store could
/// have put it there), sealed without a secret here, or does not open under `key`.
pub(crate) fn open_refusal(
    key: &str,
    stored: SharedRefusal,
    secret: Option<&StoreSecret>,
) -> Result<SharedRefusal, &'static str> {
    let sealed = stored.message.strip_prefix(SEALED_PREFIX);
    let (secret, sealed) = match (secret, sealed) {
        (None, None) => return Ok(stored),
        (None, Some(_)) => return Err("sealed refusal, and this session has no store secret"),
        (Some(_), None) => return Err("unsealed refusal, and this session has a store secret"),
        (Some(secret), Some(sealed)) => (secret, sealed),
    };
    // A sealed message is about 4/3 of its plaintext: anything longer is not one.
    if sealed.len() > 2 * MAX_REFUSAL_MESSAGE_BYTES {
        return Err("sealed refusal too long");
    }
    let plaintext = unseal(secret, &refusal_associated_data(key), sealed)
        .map_err(|_| "refusal does not open under this secret and key")?;
    let malformed = "sealed refusal is malformed";
    let at = plaintext
        .get(..8)
        .and_then(|bytes| bytes.try_into().ok())
        .map(u64::from_be_bytes)
        .and_then(from_unix_ms)
        .ok_or(malformed)?;
    let message = plaintext.get(8..).ok_or(malformed)?;
    let message = std::str::from_utf8(message).map_err(|_| malformed)?;
    Ok(SharedRefusal {
        message: message.to_owned(),
        refused_at: at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "authgen:Vendor:account";

    fn token(text: &str, issued: SystemTime, expires: Option<SystemTime>) -> SharedToken {
        SharedToken {
            token: SecretString::from(text),
            issued_at: issued,
            expires_at: expires,
            refresh_token: None,
            api_base: None,
        }
    }

    fn with_refresh(mut token: SharedToken, refresh: &str) -> SharedToken {
        token.refresh_token = Some(SecretString::from(refresh));
        token
    }

    /// The token and refresh token of a record, shown.
    fn secrets(token: &SharedToken) -> (String, Option<String>) {
        (
            token.token.expose_secret().to_owned(),
            token
                .refresh_token
                .as_ref()
                .map(|r| r.expose_secret().to_owned()),
        )
    }

    fn ms(t: SystemTime) -> SystemTime {
        from_unix_ms(unix_ms(t)).unwrap_or(UNIX_EPOCH)
    }

    #[test]
    fn text_forms_round_trip() {
        let now = ms(SystemTime::now());
        let t = token("a b c", now, Some(now + Duration::from_secs(60)));
        let back = decode(encode(&t).as_bytes()).map(|b| {
            (
                b.token.expose_secret().to_owned(),
                b.issued_at,
                b.expires_at,
            )
        });
        assert_eq!(back, Ok(("a b c".to_owned(), t.issued_at, t.expires_at)));
        assert!(decode(b"garbage").is_err());
        assert_eq!(decode(b"1 2 \xff").err(), Some("not UTF-8"));
        let refusal = SharedRefusal {
            message: "Currencycloud refused the login: auth_failed".to_owned(),
            refused_at: now,
        };
        assert_eq!(
            decode_refusal(encode_refusal(&refusal).as_bytes()),
            Ok(refusal.clone())
        );
        assert!(decode_refusal(b"soon refused").is_err());
    }

    #[test]
    fn refresh_tokens_travel_with_their_token() {
        let now = ms(SystemTime::now());
        let t = with_refresh(token("a b", now, None), "r e f");
        let back = decode(encode(&t).as_bytes()).map(|b| secrets(&b));
        assert_eq!(back, Ok(("a b".to_owned(), Some("r e f".to_owned()))));
        // A record written before refresh tokens were shared has none.
        let old = format!("{} - tok", unix_ms(now));
        let back = decode(old.as_bytes()).map(|b| secrets(&b));
        assert_eq!(back, Ok(("tok".to_owned(), None)));

        let secret = StoreSecret::from_bytes([7; 32]);
        let sealed = for_store(KEY, t.clone(), Some(&secret));
        assert!(sealed.refresh_token.is_none(), "sealed inside the token");
        assert!(!encode(&sealed).contains("r e f"));
        let opened = usable_token(KEY, sealed.clone(), Some(&secret), now);
        assert_eq!(
            opened.map(|o| secrets(&o)),
            Some(("a b".to_owned(), Some("r e f".to_owned())))
        );
        // A refresh token put beside a seal is not the sealer's.
        let planted = with_refresh(sealed, "planted");
        assert!(usable_token(KEY, planted, Some(&secret), now).is_none());
        // Nor is a refresh token that could not have been written.
        let broken = with_refresh(token("tok", now, None), "a\u{7}b");
        assert!(usable_token(KEY, broken, None, now).is_none());
        let empty = with_refresh(token("tok", now, None), "");
        assert!(usable_token(KEY, empty, None, now).is_none());
        assert!(shareable_refresh(Some("a\nb".into())).is_none());
        assert!(shareable_refresh(Some("ab".into())).is_some());
    }

    #[test]
    fn an_api_base_travels_with_its_token_and_sealed_inside_it() {
        let now = ms(SystemTime::now());
        let base = "https://acme.my.example.com/";
        let with_base = |refresh: Option<&str>| SharedToken {
            refresh_token: refresh.map(SecretString::from),
            api_base: Some(base.to_owned()),
            ..token("tok", now, None)
        };
        for t in [with_base(Some("ref")), with_base(None)] {
            let back = decode(encode(&t).as_bytes()).expect("decoded");
            assert_eq!(back.api_base.as_deref(), Some(base));
            assert_eq!(secrets(&back), secrets(&t));
        }
        let secret = StoreSecret::from_bytes([7; 32]);
        let sealed = for_store(KEY, with_base(Some("ref")), Some(&secret));
        assert!(sealed.api_base.is_none(), "sealed inside the token");
        assert!(!encode(&sealed).contains("acme"));
        let opened = usable_token(KEY, sealed.clone(), Some(&secret), now).expect("opened");
        assert_eq!(opened.api_base.as_deref(), Some(base));
        assert_eq!(secrets(&opened), ("tok".to_owned(), Some("ref".to_owned())));
        // A base put beside a seal is not the sealer's: it could send the token away.
        let planted = SharedToken {
            api_base: Some("https://evil.example.net".to_owned()),
            ..sealed
        };
        assert!(usable_token(KEY, planted, Some(&secret), now).is_none());
        let broken = SharedToken {
            api_base: Some("https://a.example.com/\u{7}".to_owned()),
            ..token("tok", now, None)
        };
        assert!(usable_token(KEY, broken, None, now).is_none());
    }

    #[test]
    fn records_out_of_bounds_are_not_usable() {
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        let usable = |t: SharedToken| usable_token(KEY, t, None, now).is_some();
        assert!(usable(token("tok", now, Some(now + hour))));
        assert!(usable(token("tok", now - hour, None)));
        assert!(!usable(token("", now, Some(now + hour))));
        assert!(!usable(token("to\r\nk", now, Some(now + hour))));
        assert!(!usable(token("tok", UNIX_EPOCH, None)));
        assert!(!usable(token("tok", now, Some(now))));
        assert!(!usable(token("tok", now + 2 * MAX_CLOCK_SKEW, None)));
        assert!(!usable(token(
            "tok",
            now,
            Some(now + 2 * MAX_TOKEN_LIFETIME)
        )));
        let refusal = |message: &str, at| SharedRefusal {
            message: message.to_owned(),
            refused_at: at,
        };
        assert!(usable_refusal(KEY, refusal("refused", now), now).is_some());
        assert!(usable_refusal(KEY, refusal("refused", UNIX_EPOCH), now).is_none());
        assert!(usable_refusal(KEY, refusal("", now), now).is_none());
        assert!(usable_refusal(KEY, refusal("a\nb", now), now).is_none());
        let message = publishable_message(&format!("a\nb{}", "é".repeat(4000)));
        assert!(usable_refusal(KEY, refusal(&message, now), now).is_some());
        assert!(message.starts_with("a b"));
    }

    #[test]
    fn sealed_tokens_open_only_with_their_secret_under_their_key() {
        let now = ms(SystemTime::now());
        let secret = StoreSecret::from_bytes([7; 32]);
        let plain = token("the-token", now, Some(now + Duration::from_secs(60)));
        let sealed = for_store(KEY, plain.clone(), Some(&secret));
        assert!(!sealed.token.expose_secret().contains("the-token"));
        let opened = usable_token(KEY, sealed.clone(), Some(&secret), now);
        assert_eq!(
            opened.map(|t| (
                t.token.expose_secret().to_owned(),
                t.issued_at,
                t.expires_at
            )),
            Some(("the-token".to_owned(), plain.issued_at, plain.expires_at))
        );
        let other = StoreSecret::from_bytes([8; 32]);
        assert!(usable_token(KEY, sealed.clone(), Some(&other), now).is_none());
        assert!(usable_token(KEY, sealed.clone(), None, now).is_none());
        assert!(usable_token("authgen:Vendor:other", sealed.clone(), Some(&secret), now).is_none());
        assert!(usable_token(KEY, plain, Some(&secret), now).is_none());
        let mut tampered = sealed.token.expose_secret().to_owned();
        let last = tampered
            .pop()
            .map_or('A', |c| if c == 'A' { 'B' } else { 'A' });
        tampered.push(last);
        let tampered = token(&tampered, now, sealed.expires_at);
        assert!(usable_token(KEY, tampered, Some(&secret), now).is_none());
    }

    #[test]
    fn sealed_refusals_open_only_with_their_secret_under_their_key() {
        const REFUSAL_KEY: &str = "authgen:Vendor:account:refused";
        let now = ms(SystemTime::now());
        let secret = StoreSecret::from_bytes([7; 32]);
        let plain = SharedRefusal {
            message: "Vendor refused the login: auth_failed".to_owned(),
            refused_at: now,
        };
        let sealed = refusal_for_store(REFUSAL_KEY, plain.clone(), Some(&secret));
        assert!(
            !sealed.message.contains("auth_failed"),
            "{}",
            sealed.message
        );
        // Through the store's text form and back, as Redis keeps it.
        let stored = decode_refusal(encode_refusal(&sealed).as_bytes()).expect("decoded");
        assert_eq!(
            open_refusal(REFUSAL_KEY, stored.clone(), Some(&secret)),
            Ok(plain.clone())
        );
        // Forged or moved: not honoured.
        let other = StoreSecret::from_bytes([8; 32]);
        assert!(open_refusal(REFUSAL_KEY, stored.clone(), Some(&other)).is_err());
        assert!(
            open_refusal(
                "authgen:Vendor:other:refused",
                stored.clone(),
                Some(&secret)
            )
            .is_err()
        );
        assert!(open_refusal(REFUSAL_KEY, stored.clone(), None).is_err());
        assert!(open_refusal(REFUSAL_KEY, plain.clone(), Some(&secret)).is_err());
        let token_seal = for_store(KEY, token("t", now, None), Some(&secret));
        let as_refusal = SharedRefusal {
            message: token_seal.token.expose_secret().to_owned(),
            refused_at: now,
        };
        assert!(open_refusal(KEY, as_refusal, Some(&secret)).is_err());
        let mut tampered = sealed.message.clone();
        let last = tampered
            .pop()
            .map_or('A', |c| if c == 'A' { 'B' } else { 'A' });
        tampered.push(last);
        let tampered = SharedRefusal {
            message: tampered,
            refused_at: now,
        };
        assert!(open_refusal(REFUSAL_KEY, tampered, Some(&secret)).is_err());
        let huge = SharedRefusal {
            message: format!(
                "{SEALED_PREFIX}{}",
                "A".repeat(3 * MAX_REFUSAL_MESSAGE_BYTES)
            ),
            refused_at: now,
        };
        assert!(open_refusal(REFUSAL_KEY, huge, Some(&secret)).is_err());
        // Without a secret, a plain refusal is taken as before.
        assert_eq!(open_refusal(REFUSAL_KEY, plain.clone(), None), Ok(plain));
    }
}
