//! [`StoreSecret`]: the user's key for a shared store.

use base64::Engine as _;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// Derives the account-key MAC key from a store secret.
const ACCOUNT_KEY_LABEL: &[u8] = b"authgen/store/account-key/v1";
/// Derives the token-sealing key from a store secret.
const SEALING_KEY_LABEL: &[u8] = b"authgen/store/token-sealing/v1";

/// A 32-byte secret shared by every replica of an account, given to
/// [`SessionBuilder::store`](crate::SessionBuilder::store): tokens are kept in the
/// store encrypted under it, shared refusals sealed with it, and account keys are
/// derived with it (see
/// [the store's threat model](crate::store#threat-model)).
///
/// Two keys are derived from it, one per purpose (HMAC-SHA-256 of the secret over a
/// distinct label, as HKDF-Expand does); the secret's own bytes are not kept.
/// Make one with e.g. `openssl rand -base64 32` and give every replica the same.
#[derive(Clone)]
pub struct StoreSecret {
    account_key: [u8; 32],
    sealing_key: [u8; 32],
}

/// A [`StoreSecret`] that could not be read: not base64, or not 32 bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store secret: {0}")]
pub struct InvalidStoreSecret(&'static str);

impl StoreSecret {
    /// The secret from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        StoreSecret {
            account_key: derive(&bytes, ACCOUNT_KEY_LABEL),
            sealing_key: derive(&bytes, SEALING_KEY_LABEL),
        }
    }

    /// The secret from standard base64 (with or without padding) of its 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, InvalidStoreSecret> {
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        let bytes = engine
            .decode(text.trim())
            .map_err(|_| InvalidStoreSecret("not base64"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| InvalidStoreSecret("not 32 bytes"))?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key of the MAC that names accounts in the store.
    pub(crate) fn account_key(&self) -> &[u8; 32] {
        &self.account_key
    }

    /// The key that seals tokens kept in the store.
    pub(crate) fn sealing_key(&self) -> &[u8; 32] {
        &self.sealing_key
    }
}

impl std::fmt::Debug for StoreSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreSecret([REDACTED])")
    }
}

/// HMAC-SHA-256 of `label` under `secret`: a key for one purpose only.
fn derive(secret: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac = hmac_sha256(secret);
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// An HMAC-SHA-256 under `key`, for the store's key derivation and account keys, and a
/// login's computed `hmac_sha256` values.
pub(crate) fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    // `new_from_slice` is fallible only for MACs with fixed-size keys; HMAC hashes a
    // longer key and pads a shorter one.
    let mac = Hmac::<Sha256>::new_from_slice(key);
    mac.expect("HMAC takes keys of any length") // ok: any key length is valid for HMAC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_by_purpose_and_debug_redacts() {
        let secret = StoreSecret::from_bytes([1; 32]);
        assert_ne!(secret.account_key(), secret.sealing_key());
        assert_ne!(secret.account_key(), &[1; 32]);
        assert_eq!(format!("{secret:?}"), "StoreSecret([REDACTED])");
        let text = base64::engine::general_purpose::STANDARD.encode([1; 32]);
        let parsed = StoreSecret::from_base64(&text).map(|s| *s.sealing_key());
        assert_eq!(parsed, Ok(*secret.sealing_key()));
        assert!(StoreSecret::from_base64(text.trim_end_matches('=')).is_ok());
        assert_eq!(
            StoreSecret::from_base64("AAAA").err(),
            Some(InvalidStoreSecret("not 32 bytes"))
        );
        assert_eq!(
            StoreSecret::from_base64("not base64!").err(),
            Some(InvalidStoreSecret("not base64"))
        );
    }
}
