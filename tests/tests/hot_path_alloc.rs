//! The hot path allocates nothing: `cached_token()` and `token()` on a fresh token,
//! counted by a global allocator that counts only on the thread under test.
#![allow(unsafe_code)] // the counting `GlobalAlloc` below; this test binary only

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

use auth_runtime::{Provider, Session};
use auth_sim::{Sim, crmcom, currencycloud};
use auth_vendors::{CrmCom, Currencycloud};

/// Counts allocations made on threads that switched counting on.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counting
// touches only an atomic and a const-initialised thread-local without destructor.
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
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

/// Reads the fresh token many ways, many times; returns the allocations made.
fn hot_path<P: Provider>(session: &Session<P>) -> u64 {
    // Warm up first: arc-swap sets up its per-thread debt list on first use.
    let _ = session.cached_token().expect("fresh");
    allocations_in(|| {
        for _ in 0..10_000 {
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

#[test]
fn reading_a_fresh_token_allocates_nothing() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (sim, crm, cc) = rt.block_on(async {
        let sim = Sim::start().await;
        let crm = Session::new(
            CrmCom::new(format!("{}{}", sim.base_url(), crmcom::PREFIX)),
            CrmCom::credentials()
                .organisation(crmcom::ORGANISATION)
                .username(crmcom::USERNAME)
                .password(crmcom::PASSWORD)
                .build(),
        )
        .expect("session");
        crm.token().await.expect("login");
        let cc = Session::new(
            Currencycloud::new(format!("{}{}", sim.base_url(), currencycloud::PREFIX)),
            Currencycloud::credentials()
                .login_id(currencycloud::LOGIN_ID)
                .api_key(currencycloud::API_KEY)
                .build()
                .expect("well-formed"),
        )
        .expect("session");
        cc.token().await.expect("login");
        (sim, crm, cc)
    });

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
