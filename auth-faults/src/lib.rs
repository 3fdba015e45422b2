//! # auth-faults
//!
//! Switchable faults: what a vendor does on a bad day, for test servers built on axum.
//! The fault switches of `auth-mock`'s mock vendor (re-exported as `auth_mock::fault`)
//! and of the `auth-sim` simulator.
//!
//! Every mock vendor (and every `auth-sim` vendor handle) has a [`Faults`] switchboard.
//! A fault is armed for one [`Scope`] of that vendor's endpoints (login, logout, or the
//! protected API endpoints), either until it is lifted ([`Faults::set`] /
//! [`Faults::clear`]) or for the next `n` requests only ([`Faults::set_times`]). A
//! request that meets an armed fault is answered by the fault instead of (or, for
//! [`Fault::Delay`], [`Fault::TruncatedJson`] and [`Fault::WrongContentType`], on top
//! of) the vendor's normal handler; [`Faults::served`] counts those requests. A faulted
//! request that never reaches the handler is not counted in the vendor's
//! `login_attempts` or `api_calls`.
//!
//! | fault | what the client sees |
//! |---|---|
//! | [`Fault::Delay`] | the normal answer, after a real-time wait (set it beyond the client's timeout) |
//! | [`Fault::ConnectionReset`] | status line and headers of a 200, then the connection drops before the body |
//! | [`Fault::Status`] | that status (500, 502, 503, ...) with a short plain-text body |
//! | [`Fault::TooManyRequests`] | 429 with or without `Retry-After: N` |
//! | [`Fault::TruncatedJson`] | the normal answer, its body cut in half |
//! | [`Fault::HtmlPage`] | a 200 whose body is an HTML error page (`text/html`) |
//! | [`Fault::HugeBody`] | a 200 whose body is `n` bytes, streamed without `Content-Length` |
//! | [`Fault::WrongContentType`] | the normal answer labelled `text/html` |
//!
//! Two more faults are not per request: a token the server revokes early
//! (`revoke_all`), and a clock skew between client and server (the server's clock
//! moved ahead or behind).

#[cfg(feature = "dpop")]
pub mod dpop;

use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use std::sync::MutexGuard;
use std::sync::atomic::{AtomicU64, Ordering};

/// 50 MiB: the size of [`Fault::HugeBody`] the fault suite uses.
pub const HUGE_BODY: usize = 50 * 1024 * 1024;

/// A failure injected on a vendor's endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answers normally after waiting this long (real time).
    Delay(Duration),
    /// Sends a 200's status line and headers, then drops the connection instead of the body.
    ConnectionReset,
    /// Answers with this HTTP status and a short plain-text body (e.g. 500, 502, 503).
    Status(u16),
    /// Answers 429, with `Retry-After: <seconds>` when given.
    TooManyRequests {
        /// The `Retry-After` delay in seconds; `None` sends no header.
        retry_after: Option<u64>,
    },
    /// The normal answer with its body cut in half: truncated JSON.
    TruncatedJson,
    /// A 200 carrying an HTML error page (as proxies and load balancers send).
    HtmlPage,
    /// A 200 whose body is this many bytes (JSON-looking, streamed, no `Content-Length`).
    HugeBody(usize),
    /// The normal answer with `Content-Type: text/html` instead of JSON.
    WrongContentType,
}

/// Which of a vendor's endpoints a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// The login endpoint(s).
    Login,
    /// The logout endpoint (CRM.COM release, Currencycloud close_session, the cookie
    /// session's logout, the OAuth 2.0 server's revocation endpoint).
    Logout,
    /// The protected API endpoints.
    Api,
}

impl Scope {
    fn index(self) -> usize {
        match self {
            Scope::Login => 0,
            Scope::Logout => 1,
            Scope::Api => 2,
        }
    }
}

#[derive(Debug, Clone)]
struct Armed {
    fault: Fault,
    /// Requests left before the fault lifts itself; `None`: until cleared.
    remaining: Option<u32>,
}

/// One vendor's fault switches.
#[derive(Debug, Default)]
pub struct Faults {
    armed: Mutex<[Option<Armed>; 3]>,
    served: Counter,
}

impl Faults {
    /// Arms `fault` on `scope` until [`clear`](Self::clear)ed.
    pub fn set(&self, scope: Scope, fault: Fault) {
        lock(&self.armed)[scope.index()] = Some(Armed {
            fault,
            remaining: None,
        });
    }

    /// Arms `fault` on `scope` for the next `times` requests only.
    pub fn set_times(&self, scope: Scope, fault: Fault, times: u32) {
        lock(&self.armed)[scope.index()] = (times > 0).then_some(Armed {
            fault,
            remaining: Some(times),
        });
    }

    /// Lifts the fault on `scope`.
    pub fn clear(&self, scope: Scope) {
        lock(&self.armed)[scope.index()] = None;
    }

    /// Lifts every fault of this vendor.
    pub fn clear_all(&self) {
        *lock(&self.armed) = [None, None, None];
    }

    /// Requests answered (or delayed, or altered) by a fault so far.
    pub fn served(&self) -> u64 {
        self.served.get()
    }

    /// The fault a request on `scope` meets, if any (counting it down).
    pub fn take(&self, scope: Scope) -> Option<Fault> {
        let mut armed = lock(&self.armed);
        let slot = &mut armed[scope.index()];
        let fault = slot.as_ref()?.fault.clone();
        if let Some(Armed {
            remaining: Some(n), ..
        }) = slot
        {
            *n -= 1;
            if *n == 0 {
                *slot = None;
            }
        }
        drop(armed);
        self.served.inc();
        Some(fault)
    }
}

/// Answers a request that met `fault`: by the fault alone, or by `next` (the vendor's
/// own handler) with the fault on top.
pub async fn answer(fault: Fault, req: Request, next: Next) -> Response {
    match fault {
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Fault::ConnectionReset => connection_reset(),
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let text = format!(
                "{} {}\n",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            );
            (status, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
        }
        Fault::TooManyRequests { retry_after } => {
            let mut resp = (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::CONTENT_TYPE, "text/plain")],
                "429 Too Many Requests\n",
            )
                .into_response();
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
        Fault::TruncatedJson => truncate(next.run(req).await).await,
        Fault::HtmlPage => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            HTML_PAGE,
        )
            .into_response(),
        Fault::HugeBody(n) => huge_body(n),
        Fault::WrongContentType => {
            let mut resp = next.run(req).await;
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            resp
        }
    }
}

const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n\
<body><h1>Bad Gateway</h1><p>The upstream server is temporarily unavailable. \
Please try again later.</p><hr><address>nginx</address></body></html>\n";

/// A 200 whose body fails at once: the server drops the connection mid-response.
fn connection_reset() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault: connection reset",
        ))
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// The normal answer with its body cut in half (at most 1 MiB of it is read).
async fn truncate(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}

/// `n` bytes of JSON-looking body, streamed in 1 MiB chunks sharing one buffer.
fn huge_body(n: usize) -> Response {
    const CHUNK: usize = 1 << 20;
    let filler = Bytes::from(vec![b'x'; CHUNK]);
    let head = Bytes::from_static(b"{\"token\":\"");
    let mut left = n.saturating_sub(head.len());
    let mut chunks = vec![head];
    while left > 0 {
        let take = left.min(CHUNK);
        chunks.push(filler.slice(..take));
        left -= take;
    }
    let stream = futures::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// A monotonically increasing event counter, as test servers count requests.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Counts one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

/// Locks a mutex, ignoring poisoning (a panicking test must not wedge the server).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
