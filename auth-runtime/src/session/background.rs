//! Replacing the token before any caller has to wait for it.

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::provider::Provider;

use super::{Inner, Session};

/// Replaces the token shortly before it is due, for as long as the session lives.
pub(super) async fn refresh_in_background<P: Provider>(session: Weak<Inner<P>>) {
    loop {
        let wait = {
            let Some(inner) = session.upgrade() else {
                return;
            };
            let current = inner.current.load();
            let now = inner.clock.now_ms();
            if current.generation == 0 {
                // No token yet: wait for the first login, but look again now and then,
                // so a dropped session ends this task.
                let logged_in = Arc::clone(&inner.logged_in);
                drop(current);
                drop(inner);
                let _ = tokio::time::timeout(Duration::from_secs(1), logged_in.notified()).await;
                continue;
            }
            let hold = inner.gate().closed_until();
            Duration::from_millis(current.refresh_at().max(hold).saturating_sub(now))
        };
        // Sleep in short steps so a dropped session ends this task soon.
        tokio::time::sleep(wait.min(Duration::from_secs(1))).await;
        let Some(inner) = session.upgrade() else {
            return;
        };
        let session_now = Session { inner };
        let due = session_now.cached_token().is_none();
        if due && let Err(error) = session_now.token().await {
            tracing::warn!(vendor = session_now.provider().vendor(), error = %error, "background refresh failed");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
