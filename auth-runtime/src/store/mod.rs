//! Token stores shared by several sessions — typically the replicas of one service
//! logging in to one vendor account — so that they log in once between them.
//!
//! A [`Session`](crate::Session) without a store keeps its token to itself (the
//! default). With [`SessionBuilder::store`](crate::SessionBuilder::store) (records
//! sealed under a [`StoreSecret`]) or
//! [`SessionBuilder::store_plaintext`](crate::SessionBuilder::store_plaintext), a session
//! that needs a token first looks in the store; when the token there is missing or due,
//! it takes the store's *lease* for the account, logs in and publishes the new token,
//! while the other sessions wait for it instead of logging in themselves. The holder
//! extends its lease while the login lasts; a lease whose holder died expires after
//! its time, and another session takes over. A refused
//! login is published too, for a while ([`SessionBuilder::store_refusal_hold`](crate::SessionBuilder::store_refusal_hold)):
//! the other sessions report it instead of trying the same credentials, so that
//! replicas with a wrong key make one failed login between them. A session that
//! cannot reach its store logs in on its own and says so in a `tracing` warning.
//!
//! The store is consulted only when a session has no fresh token of its own: the hot
//! path ([`Session::token`](crate::Session::token) on a fresh token) never touches it.
//!
//! # Accounts
//!
//! Keys are `authgen:{vendor}:{account}`, where the account is an HMAC-SHA-256 over the
//! whole login request — URL, format, HTTP Basic user and password, every field's
//! path and value, secrets included — so every distinct credential set has a key of its
//! own (two users of one organisation never share a token or a refusal) and no key
//! reveals a credential. [`SessionBuilder::store_key`](crate::SessionBuilder::store_key)
//! names the account instead; its caller then owns the separation.
//!
//! A session that logs out, and so retires its tokens at the vendor, takes them out of
//! the store too ([`TokenStore::remove`]): a session starting afterwards logs in rather
//! than adopting a released token. Sessions that already hold it meet the vendor's
//! rejection on their next call and log in again.
//!
//! # Refresh tokens
//!
//! A vendor that issues refresh tokens (OAuth 2.0) usually *rotates* them: each
//! refresh spends the one it was given and hands back a new one. Sessions sharing a
//! store therefore share the refresh token with the token, in the same record: a
//! session adopting a token adopts its refresh token too, and the session that holds
//! the lease when the token is due refreshes with the refresh token in the store (the
//! newest any replica has seen, even when the token beside it has expired or was
//! rejected), not with an older one of its own that the vendor would refuse. So the
//! replicas make one refresh per expiry between them, and a rotation is never lost.
//! A refresh token is kept like the token: sealed with it under a [`StoreSecret`],
//! never shown in a warning or `Debug`.
//!
//! # Records are checked
//!
//! Nothing read from a store is trusted. A token must be non-empty and free of control
//! characters, issued no later than [`MAX_CLOCK_SKEW`] ahead of this machine's clock
//! and no earlier than [`MAX_TOKEN_LIFETIME`] (plus the skew) ago, and expire after
//! its issue and within [`MAX_TOKEN_LIFETIME`] of it; a refusal must have a short,
//! printable message and a time within a day of now. A record that fails (or that a
//! store cannot decode, such as bytes that are not UTF-8 in Redis) is treated as
//! absent, with a warning naming its key, never its value: the session logs in under
//! the lease and its record replaces the bad one.
//!
//! # Threat model
//!
//! The token is, necessarily, kept in the store, with its refresh token if the vendor
//! issued one. Without a [`StoreSecret`] (only by
//! [`SessionBuilder::store_plaintext`](crate::SessionBuilder::store_plaintext)) both
//! are kept as they are: whoever can read
//! the store can use the token (until it expires) and the refresh token (until the
//! vendor retires it, often weeks: give a store secret to every replica of a vendor
//! that issues refresh tokens), and can test
//! guesses of a weak credential against the account keys offline (the keys are
//! HMACs under a public constant: they separate accounts and hide credentials, but do
//! not resist guessing), and whoever can write it can publish a refusal that holds off
//! every session's logins. With [`SessionBuilder::store`](crate::SessionBuilder::store),
//! every session of the account seals its token with XChaCha20-Poly1305 under a key
//! derived from the secret, with a random 24-byte nonce, bound to the record's store
//! key, before handing it to any [`TokenStore`] (yours too), and keys accounts with
//! another key derived from it. Then reading the store yields neither a usable token
//! nor a way to test guesses, and a record that was tampered with, copied under another
//! account's key, or written by a session without the secret (or with another one) is
//! not used. A refusal it publishes is sealed the same way (its time and message,
//! bound to the refusal's key); one that does not open is ignored with a warning. What
//! the secret does not protect against: whoever can write the store can
//! still delete records, hold the lease, put back a refusal or an older sealed
//! record of the same account (used only while it is still fresh, and never once a
//! session saw it rejected): they can delay logins, never make a session use a token of
//! their choosing. And whoever holds the secret — any replica — can read every token
//! sealed under it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use secrecy::SecretString;

pub(crate) mod account;
mod memory;
pub(crate) mod record;
#[cfg(feature = "redis")]
mod redis;
mod secret;

#[cfg(feature = "redis")]
pub use self::redis::{RedisStore, RedisStoreBuilder, RedisStoreError};
pub use memory::MemoryStore;
pub use record::{
    MAX_CLOCK_SKEW, MAX_REFUSAL_AGE, MAX_REFUSAL_MESSAGE_BYTES, MAX_TOKEN_BYTES, MAX_TOKEN_LIFETIME,
};
pub(crate) use secret::hmac_sha256;
pub use secret::{InvalidStoreSecret, StoreSecret};

/// A token as kept in a [`TokenStore`]: its value and its wall-clock issue and expiry
/// times, so that a session starting later knows how long it has left.
#[derive(Clone)]
pub struct SharedToken {
    /// The token.
    pub token: SecretString,
    /// When it was issued (wall clock of the session that logged in).
    pub issued_at: SystemTime,
    /// When it expires; `None` when the vendor does not say.
    pub expires_at: Option<SystemTime>,
    /// The refresh token that came with it (OAuth 2.0), so that whichever session
    /// replaces the token next refreshes with the newest one: a vendor that rotates
    /// refresh tokens refuses the older ones. With a [`StoreSecret`] it travels
    /// sealed inside `token`, and this is `None` in what the store is handed.
    pub refresh_token: Option<SecretString>,
    /// The base of later API calls the token's login named (`api_base`), so that a
    /// session adopting the token sends its calls there; checked against the vendor's
    /// API hosts again when adopted. With a [`StoreSecret`] it travels sealed inside
    /// `token` (so no one writing to the store can point the token elsewhere), and
    /// this is `None` in what the store is handed.
    pub api_base: Option<String>,
}

impl std::fmt::Debug for SharedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedToken")
            .field("token", &"[REDACTED]")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// A refusal of the account's credentials, kept in a [`TokenStore`] for a while so
/// that the other sessions sharing the account report it instead of trying the same
/// credentials again (some vendors lock an account after a few failed logins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedRefusal {
    /// The refused session's error, as it displays (it never holds a secret).
    pub message: String,
    /// When the vendor refused (wall clock of the refused session).
    pub refused_at: SystemTime,
}

/// A store that could not be used (unreachable, timed out, answered nonsense).
/// Sessions log it and carry on without the store.
#[derive(Debug, Clone, thiserror::Error)]
#[error("token store: {0}")]
pub struct StoreError(pub String);

/// Where sessions sharing an account keep its token and coordinate its replacement.
///
/// Keys are given by the session: the token under `key`, the lease under another key.
/// Implementations must make [`try_lease`](Self::try_lease) atomic across every
/// session sharing the store (Redis: `SET key value NX PX ttl`).
pub trait TokenStore: Send + Sync + 'static {
    /// The token kept under `key`, if any. Sessions check what they get (see
    /// [Records are checked](self#records-are-checked)); a store that cannot decode what
    /// it holds should answer `Ok(None)`, so that the session replaces it, rather than
    /// an error, which makes sessions log in on their own and leaves it in place.
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>>;

    /// Keeps `token` under `key`, replacing what was there.
    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a SharedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Takes the lease `key` for `holder` for `ttl`, unless someone holds it already.
    /// `Ok(true)` when taken.
    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Gives the lease `key` back if `holder` still holds it (compare and delete).
    fn release<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Gives `holder` the lease `key` for another `ttl` from now, if it still holds it
    /// (compare and expire): a session whose login takes longer than a third of the
    /// lease calls this, so that no other session takes over a login still under way.
    /// `Ok(false)` when the lease was lost (expired, or taken by another session).
    ///
    /// The default cannot extend: a login longer than the lease may then be repeated by
    /// another session.
    fn extend_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let _ = (key, holder, ttl);
        Box::pin(async { Ok(false) })
    }

    /// Keeps `refusal` under `key` for `ttl`, replacing what was there.
    ///
    /// The default keeps nothing: refusals are then not shared, and each session
    /// sharing the account tries the credentials itself.
    fn save_refusal<'a>(
        &'a self,
        key: &'a str,
        refusal: &'a SharedRefusal,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let _ = (key, refusal, ttl);
        Box::pin(async { Ok(()) })
    }

    /// Deletes the token kept under `key`: a session that logged out takes the token
    /// it retired out of the store, so that no session adopts it (or refreshes with its
    /// refresh token) after the vendor was told to forget it.
    ///
    /// The default deletes nothing: the record then stays until the token expires, and
    /// other sessions adopting it meet the vendor's rejection and log in again.
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let _ = key;
        Box::pin(async { Ok(()) })
    }

    /// The refusal kept under `key`, unless its time is up. The default: none.
    fn load_refusal<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<SharedRefusal>, StoreError>> {
        let _ = key;
        Box::pin(async { Ok(None) })
    }
}

impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>> {
        (**self).load(key)
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a SharedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).save(key, token)
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).try_lease(key, holder, ttl)
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).release(key, holder)
    }

    fn extend_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).extend_lease(key, holder, ttl)
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).remove(key)
    }

    fn save_refusal<'a>(
        &'a self,
        key: &'a str,
        refusal: &'a SharedRefusal,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).save_refusal(key, refusal, ttl)
    }

    fn load_refusal<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<SharedRefusal>, StoreError>> {
        (**self).load_refusal(key)
    }
}
