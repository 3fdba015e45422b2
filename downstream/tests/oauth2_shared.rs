//! Refresh tokens shared between the replicas of a service through a token store, and
//! handed to `on_token` for a restart: against auth-sim's OAuth 2.0 server, which
//! spends each refresh token on use, so a replica refreshing with an older one than
//! the newest would be refused (and counted).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_sim::{Sim, oauth2};
use authgen_downstream::PasswordGrant;
use authgen_downstream::auth::store::{MemoryStore, StoreSecret, TokenStore};
use authgen_downstream::auth::{Clock, ExposeSecret, Session, StoredToken};
use common::{advance, concurrent_tokens};

mod common;

const LIFETIME: Duration = Duration::from_secs(300);
const PAST_EXPIRY: Duration = Duration::from_secs(301);
/// The account's name in the store, so the test can read its record.
const ACCOUNT: &str = "replicas";
const RECORD_KEY: &str = "authgen:OAuth2 server:replicas";

fn provider(sim: &Sim) -> PasswordGrant {
    PasswordGrant::new(format!("{}{}", sim.base_url(), oauth2::PREFIX))
}

fn credentials() -> <PasswordGrant as authgen_downstream::auth::Provider>::Credentials {
    PasswordGrant::credentials()
        .client_id(oauth2::CLIENT_ID)
        .client_secret(oauth2::CLIENT_SECRET)
        .username(oauth2::USERNAME)
        .password(oauth2::PASSWORD)
        .build()
}

/// A replica: a session of its own on the clock every replica shares, sharing `store`.
fn replica(
    sim: &Sim,
    clock: &Clock,
    store: &Arc<MemoryStore>,
    secret: Option<&StoreSecret>,
) -> Session<PasswordGrant> {
    let builder = Session::builder(provider(sim), credentials())
        .clock(clock.clone())
        .store_plaintext(Arc::clone(store))
        .store_key(ACCOUNT);
    match secret {
        Some(secret) => builder.store(Arc::clone(store), secret.clone()),
        None => builder,
    }
    .build()
    .expect("session")
}

async fn me(sim: &Sim, session: &Session<PasswordGrant>) -> u16 {
    let url = format!("{}{}{}", sim.base_url(), oauth2::PREFIX, oauth2::ME_PATH);
    match session.send(session.get(url)).await {
        Ok(response) => response.status().as_u16(),
        Err(error) => panic!("sent: {error}"),
    }
}

fn setup() -> (Clock, Arc<MemoryStore>) {
    (Clock::manual(), Arc::new(MemoryStore::new()))
}

#[tokio::test]
async fn replicas_refresh_with_the_newest_refresh_token_whoever_goes_first() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(LIFETIME);
    let (clock, store) = setup();
    let replicas: Vec<_> = (0..3)
        .map(|_| replica(&sim, &clock, &store, None))
        .collect();
    for session in &replicas {
        assert_eq!(me(&sim, session).await, 200);
    }
    assert_eq!(sim.oauth2().logins(), 1, "one login between the replicas");
    // Each expiry, another replica is first: it refreshes with the refresh token the
    // previous round's refresh issued, which it only knows from the store.
    for first in [1, 2, 0, 1] {
        advance(&sim, &clock, PAST_EXPIRY);
        assert_eq!(me(&sim, &replicas[first]).await, 200);
        for session in &replicas {
            assert_eq!(me(&sim, session).await, 200);
        }
    }
    assert_eq!(sim.oauth2().logins(), 1);
    assert_eq!(sim.oauth2().refreshes(), 4, "one refresh per expiry");
    assert_eq!(sim.oauth2().refused_refreshes(), 0, "no rotation lost");
    assert_eq!(sim.oauth2().rejected_api_calls(), 0);
    assert_eq!(sim.oauth2().refresh_tokens_on_api(), 0);
}

#[tokio::test]
async fn many_callers_on_many_replicas_make_one_refresh_per_expiry() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(LIFETIME);
    let (clock, store) = setup();
    let replicas: Vec<_> = (0..4)
        .map(|_| replica(&sim, &clock, &store, None))
        .collect();
    for round in 0..3 {
        if round > 0 {
            advance(&sim, &clock, PAST_EXPIRY);
        }
        let callers = replicas
            .iter()
            .map(|session| tokio::spawn(concurrent_tokens(session.clone(), 25)));
        for caller in callers.collect::<Vec<_>>() {
            caller.await.expect("callers");
        }
    }
    assert_eq!(sim.oauth2().logins(), 1);
    assert_eq!(sim.oauth2().refreshes(), 2);
    assert_eq!(sim.oauth2().refused_refreshes(), 0);
}

#[tokio::test]
async fn a_sealed_store_keeps_the_refresh_token_sealed_and_still_shares_it() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(LIFETIME);
    let (clock, store) = setup();
    let secret = StoreSecret::from_bytes([9; 32]);
    let first = replica(&sim, &clock, &store, Some(&secret));
    let second = replica(&sim, &clock, &store, Some(&secret));
    assert_eq!(me(&sim, &first).await, 200);
    assert_eq!(me(&sim, &second).await, 200);

    let record = store
        .load(RECORD_KEY)
        .await
        .expect("store")
        .expect("record");
    assert!(
        record.refresh_token.is_none(),
        "no refresh token beside the seal"
    );
    let kept = record.token.expose_secret();
    let token = first.token().await.expect("token");
    assert!(!kept.contains(token.expose_secret()), "the token is sealed");
    let refresh = sim.oauth2().issued_refresh_tokens();
    assert_eq!(refresh.len(), 1);
    assert!(!kept.contains(&refresh[0]), "the refresh token is sealed");

    // The second replica only adopted, yet refreshes with the sealed refresh token.
    advance(&sim, &clock, PAST_EXPIRY);
    assert_eq!(me(&sim, &second).await, 200);
    assert_eq!(me(&sim, &first).await, 200);
    assert_eq!(sim.oauth2().logins(), 1);
    assert_eq!(sim.oauth2().refreshes(), 1);
    assert_eq!(sim.oauth2().refused_refreshes(), 0);
}

#[tokio::test]
async fn a_refresh_token_planted_beside_a_sealed_record_is_not_used() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(LIFETIME);
    let (clock, store) = setup();
    let secret = StoreSecret::from_bytes([9; 32]);
    let first = replica(&sim, &clock, &store, Some(&secret));
    assert_eq!(me(&sim, &first).await, 200);
    let mut record = store
        .load(RECORD_KEY)
        .await
        .expect("store")
        .expect("record");
    record.refresh_token = Some("planted".into());
    store.save(RECORD_KEY, &record).await.expect("store");

    let second = replica(&sim, &clock, &store, Some(&secret));
    advance(&sim, &clock, PAST_EXPIRY);
    assert_eq!(me(&sim, &second).await, 200);
    // The record was not used: the second replica logged in with its credentials.
    assert_eq!(sim.oauth2().grants(), ["password", "password"]);
}

#[tokio::test]
async fn on_token_hands_over_the_refresh_token_and_a_restart_refreshes_with_it() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(LIFETIME);
    let clock = Clock::manual();
    let kept: Arc<Mutex<Option<StoredToken>>> = Arc::default();
    let keep = Arc::clone(&kept);
    let session = Session::builder(provider(&sim), credentials())
        .clock(clock.clone())
        .on_token(move |token| {
            *keep.lock().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
        })
        .build()
        .expect("session");
    assert_eq!(me(&sim, &session).await, 200);
    let stored = kept
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .expect("handed over");
    assert!(stored.refresh_token.is_some());
    assert!(format!("{stored:?}").contains("refresh_token: Some(\"[REDACTED]\")"));
    drop(session);

    // Restarted after the token expired: the refresh token still spares a login.
    advance(&sim, &clock, PAST_EXPIRY);
    let restarted = Session::builder(provider(&sim), credentials())
        .clock(clock.clone())
        .restore(stored)
        .build()
        .expect("session");
    assert_eq!(me(&sim, &restarted).await, 200);
    assert_eq!(sim.oauth2().grants(), ["password", "refresh_token"]);
}
