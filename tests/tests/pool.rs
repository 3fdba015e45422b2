//! `SessionPool` against auth-sim: many accounts of two vendors in one process, created
//! on first use, bounded, dropped when idle with a logout counted at the simulator, and
//! a bound on logins in flight across accounts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use auth_runtime::{Clock, Provider, Session, SessionBuilder, SessionPool, SessionPoolBuilder};
use auth_sim::Sim;
use auth_sim::{crmcom, currencycloud as sim_cc};
use auth_vendors::crmcom::CrmComError;
use auth_vendors::currencycloud::CurrencycloudError;
use auth_vendors::{CrmCom, Currencycloud};
use authgen_tests::advance;

/// A CRM.COM pool's configuration: every account logs in with the simulator's one
/// user (the accounts are the pool's keys), and `configure` adds to each session's.
/// `made` counts the configurations asked for.
fn crmcom_pool(
    sim: &Sim,
    made: &Arc<AtomicUsize>,
    configure: impl Fn(SessionBuilder<CrmCom>) -> SessionBuilder<CrmCom> + Send + Sync + 'static,
) -> SessionPoolBuilder<u32, CrmCom, CrmComError> {
    let base = format!("{}{}", sim.base_url(), crmcom::PREFIX);
    let made = Arc::clone(made);
    SessionPool::builder(move |_account: &u32| {
        made.fetch_add(1, Ordering::SeqCst);
        let credentials = CrmCom::credentials()
            .organisation(crmcom::ORGANISATION)
            .username(crmcom::USERNAME)
            .password(crmcom::PASSWORD)
            .build();
        let builder = configure(Session::builder(CrmCom::new(base.clone()), credentials));
        async move { Ok(builder) }
    })
}

fn currencycloud_pool(sim: &Sim, clock: &Clock) -> SessionPool<u32, Currencycloud> {
    let base = format!("{}{}", sim.base_url(), sim_cc::PREFIX);
    SessionPool::builder(move |_account: &u32| {
        let credentials = Currencycloud::credentials()
            .login_id(sim_cc::LOGIN_ID)
            .api_key(sim_cc::API_KEY)
            .build();
        let builder = credentials
            .map(|credentials| Session::builder(Currencycloud::new(base.clone()), credentials))
            .map_err(CurrencycloudError::from);
        async move { builder }
    })
    .clock(clock.clone())
    .idle_timeout(Duration::from_secs(600))
    .build()
}

/// Every account in `accounts` gets a token through `pool`, 50 at a time.
async fn tokens<P: Provider>(pool: &SessionPool<u32, P>, accounts: std::ops::Range<u32>) {
    let accounts: Vec<u32> = accounts.collect();
    for chunk in accounts.chunks(50) {
        let calls = chunk.iter().map(|account| async move {
            let session = pool.session(account).await.expect("session");
            session.token().await.map(|_| ()).expect("token");
        });
        futures::future::join_all(calls).await;
    }
}

/// Waits (a little) for spawned logouts to reach the simulator.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what}: not after 2 s");
}

#[tokio::test]
async fn a_thousand_accounts_across_two_vendors_log_in_once_each_and_idle_ones_log_out() {
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let made = Arc::new(AtomicUsize::new(0));
    let crm = crmcom_pool(&sim, &made, |b| b)
        .clock(clock.clone())
        .idle_timeout(Duration::from_secs(600))
        .build();
    let cc = currencycloud_pool(&sim, &clock);
    tokens(&crm, 0..500).await;
    tokens(&cc, 0..500).await;
    assert_eq!((crm.len(), cc.len()), (500, 500));
    assert_eq!(sim.crmcom().logins(), 500);
    assert_eq!(sim.currencycloud().logins(), 500);
    assert_eq!(
        made.load(Ordering::SeqCst),
        500,
        "configured once per account"
    );

    // A second round reuses every session and token.
    tokens(&crm, 0..500).await;
    tokens(&cc, 0..500).await;
    assert_eq!(sim.crmcom().logins(), 500);
    assert_eq!(sim.currencycloud().logins(), 500);

    // Five minutes on, the first hundred accounts of each are used again; eleven
    // minutes on, the other four hundred have been idle for longer than ten.
    advance(&sim, &clock, Duration::from_secs(300));
    tokens(&crm, 0..100).await;
    tokens(&cc, 0..100).await;
    advance(&sim, &clock, Duration::from_secs(360));
    assert_eq!(crm.evict_idle().await, 400);
    assert_eq!(cc.evict_idle().await, 400);
    assert_eq!((crm.len(), cc.len()), (100, 100));
    assert_eq!(sim.crmcom().logouts(), 400, "each idle session logged out");
    assert_eq!(sim.currencycloud().logouts(), 400);

    // An evicted account comes back as a new session, logging in again.
    tokens(&crm, 450..451).await;
    assert_eq!(sim.crmcom().logins(), 501);
    assert_eq!(made.load(Ordering::SeqCst), 501);
}

#[tokio::test]
async fn a_session_in_use_is_not_evicted() {
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let pool = crmcom_pool(&sim, &Arc::default(), |b| b)
        .clock(clock.clone())
        .idle_timeout(Duration::from_secs(600))
        .build();
    let held = pool.session(&1).await.expect("session");
    held.token().await.expect("token");
    tokens(&pool, 2..3).await;
    advance(&sim, &clock, Duration::from_secs(601));
    assert_eq!(pool.evict_idle().await, 1, "only the session nobody holds");
    assert_eq!(sim.crmcom().logouts(), 1);
    held.token()
        .await
        .expect("the held session still has its token");
    assert_eq!(sim.crmcom().logins(), 2);
}

#[tokio::test]
async fn a_full_pool_replaces_its_least_recently_used_sessions_and_logs_them_out() {
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let pool = crmcom_pool(&sim, &Arc::default(), |b| b)
        .clock(clock.clone())
        .max_sessions(10)
        .build();
    for account in 0..30 {
        tokens(&pool, account..account + 1).await;
        clock.advance(Duration::from_millis(10));
        assert!(pool.len() <= 10, "{} sessions", pool.len());
    }
    assert_eq!(pool.len(), 10);
    eventually("20 logouts", || sim.crmcom().logouts() == 20).await;
    // The last ten are the ones kept: asking for them logs nobody in.
    tokens(&pool, 20..30).await;
    assert_eq!(sim.crmcom().logins(), 30);
}

#[tokio::test]
async fn sessions_whose_tokens_are_kept_are_not_logged_out_when_evicted() {
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let kept = Arc::new(AtomicUsize::new(0));
    let kept_by_hook = Arc::clone(&kept);
    let pool = crmcom_pool(&sim, &Arc::default(), move |builder| {
        let kept = Arc::clone(&kept_by_hook);
        builder.on_token(move |_| {
            kept.fetch_add(1, Ordering::SeqCst);
        })
    })
    .clock(clock.clone())
    .idle_timeout(Duration::from_secs(60))
    .build();
    tokens(&pool, 0..5).await;
    advance(&sim, &clock, Duration::from_secs(61));
    assert_eq!(pool.evict_idle().await, 5);
    assert_eq!(kept.load(Ordering::SeqCst), 5);
    assert_eq!(sim.crmcom().logouts(), 0, "a kept token is not retired");
}

#[tokio::test]
async fn logins_in_flight_across_accounts_are_bounded() {
    for (bound, most) in [(None, None), (Some(4), Some(4))] {
        let sim = Sim::start().await;
        sim.crmcom().set_login_delay(Duration::from_millis(100));
        let pool = crmcom_pool(&sim, &Arc::default(), |b| b);
        let pool = match bound {
            Some(bound) => pool.max_concurrent_logins(bound),
            None => pool,
        }
        .build();
        tokens(&pool, 0..20).await;
        assert_eq!(sim.crmcom().logins(), 20);
        let seen = sim.crmcom().most_concurrent_logins();
        match most {
            Some(most) => assert_eq!(seen, most, "with a bound of {most}"),
            None => assert!(seen > 4, "{seen} logins at once without a bound"),
        }
    }
}

#[tokio::test]
async fn one_session_per_account_when_many_callers_ask_at_once() {
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let made = Arc::new(AtomicUsize::new(0));
    let pool = crmcom_pool(&sim, &made, |b| b).clock(clock).build();
    let calls = (0..100).map(|_| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let session = pool.session(&7).await.expect("session");
            session.token().await.map(|_| ()).expect("token");
        })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.expect("caller");
    }
    assert_eq!(pool.len(), 1);
    assert_eq!(sim.crmcom().logins(), 1, "one login for the account");
}
