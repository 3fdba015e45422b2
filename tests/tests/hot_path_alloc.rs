//! The hot path allocates nothing: `cached_token()` and `token()` on a fresh token,
//! counted by a global allocator that counts only on the thread under test; also with
//! the `metrics` feature's handles live (a recorder installed when the sessions were
//! built), each `token()` then counting itself.
#![allow(unsafe_code)] // the counting `GlobalAlloc` below; this test binary only

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::task::{Context, Poll, Waker};

use auth_runtime::metrics::{OUTCOME, OUTCOME_CACHED, TOKEN_REQUESTS, VENDOR};
use auth_runtime::{Provider, Session};
use auth_sim::{Sim, crmcom, currencycloud};
use auth_vendors::{CrmCom, Currencycloud};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// Counts allocations made on threads that switched counting on, each thread its own
/// (tests run at once on threads of their own).
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counting
// touches only const-initialised thread-locals without destructor.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations_in(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

/// How many times [`hot_path`] reads the token each way.
const READS: u64 = 10_000;

/// Reads the fresh token many ways, many times; returns the allocations made.
fn hot_path<P: Provider>(session: &Session<P>) -> u64 {
    // Warm up first: arc-swap sets up its per-thread debt list on first use.
    let _ = session.cached_token().expect("fresh");
    allocations_in(|| {
        for _ in 0..READS {
            let token = session.cached_token().expect("fresh");
            std::hint::black_box(token.expose_secret().len());
            drop(token);

            let mut cx = Context::from_waker(Waker::noop());
            let future = std::pin::pin!(session.token());
            match future.poll(&mut cx) {
                Poll::Ready(Ok(token)) => std::hint::black_box(token.generation()),
                _ => panic!("a fresh token is ready at once"),
            };
        }
    })
}

type Sessions = (Session<CrmCom>, Session<Currencycloud>);

/// A CRM.COM and a Currencycloud session, logged in to the simulator; built under
/// `recorder` when one is given.
fn logged_in(
    rt: &tokio::runtime::Runtime,
    recorder: Option<&DebuggingRecorder>,
) -> (Sim, Session<CrmCom>, Session<Currencycloud>) {
    let sim = rt.block_on(Sim::start());
    let build = || -> Sessions {
        let crm = Session::new(
            CrmCom::new(format!("{}{}", sim.base_url(), crmcom::PREFIX)),
            CrmCom::credentials()
                .organisation(crmcom::ORGANISATION)
                .username(crmcom::USERNAME)
                .password(crmcom::PASSWORD)
                .build(),
        )
        .expect("session");
        let cc = Session::new(
            Currencycloud::new(format!("{}{}", sim.base_url(), currencycloud::PREFIX)),
            Currencycloud::credentials()
                .login_id(currencycloud::LOGIN_ID)
                .api_key(currencycloud::API_KEY)
                .build()
                .expect("well-formed"),
        )
        .expect("session");
        (crm, cc)
    };
    let (crm, cc) = match recorder {
        Some(recorder) => metrics::with_local_recorder(recorder, build),
        None => build(),
    };
    rt.block_on(async {
        crm.token().await.expect("login");
        cc.token().await.expect("login");
    });
    (sim, crm, cc)
}

#[test]
fn reading_a_fresh_token_allocates_nothing() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (sim, crm, cc) = logged_in(&rt, None);

    // The counter works: an allocation on this thread is seen.
    assert!(allocations_in(|| drop(std::hint::black_box(vec![1u8; 16]))) >= 1);

    assert_eq!(hot_path(&crm), 0, "CRM.COM (absolute expiry)");
    assert_eq!(
        hot_path(&cc),
        0,
        "Currencycloud (idle expiry, touched on use)"
    );
    drop((crm, cc, sim));
}

#[test]
fn reading_a_fresh_token_allocates_nothing_with_metrics_recorded() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let (sim, crm, cc) = logged_in(&rt, Some(&recorder));
    // What the logins counted; from here on, the counters hold the hot path's reads.
    let _ = snapshotter.snapshot();

    assert_eq!(hot_path(&crm), 0, "CRM.COM (absolute expiry)");
    assert_eq!(
        hot_path(&cc),
        0,
        "Currencycloud (idle expiry, touched on use)"
    );

    // The handles were live: every `token()` on the hot path was counted as cached.
    let cached: Vec<(String, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, value)| {
            let key = key.key();
            let outcome = key.labels().find(|l| l.key() == OUTCOME)?;
            let vendor = key.labels().find(|l| l.key() == VENDOR)?;
            match value {
                DebugValue::Counter(n)
                    if key.name() == TOKEN_REQUESTS && outcome.value() == OUTCOME_CACHED =>
                {
                    Some((vendor.value().to_owned(), n))
                }
                _ => None,
            }
        })
        .collect();
    assert_eq!(
        cached,
        [
            (CrmCom::VENDOR.to_owned(), READS),
            (Currencycloud::VENDOR.to_owned(), READS)
        ]
    );
    drop((crm, cc, sim));
}
