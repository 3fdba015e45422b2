//! In-process simulator of the vendors' token endpoints.
//!
//! [`Sim::start`] binds an [axum] server to an ephemeral port on `127.0.0.1` and
//! spawns it on the current tokio runtime; client tests talk to it over real HTTP.
//! Every vendor lives under its own path prefix, standing in for the vendor's host:
//!
//! | vendor | module | prefix (`{server}` = `sim.base_url() + PREFIX`) |
//! |---|---|---|
//! | CRM.COM | [`crmcom`] | `/crmcom` |
//! | Modulus | [`modulus`] | `/modulus/{account}` (stands in for `https://{account}.modulus.biz`) |
//! | Currencycloud | [`currencycloud`] | `/currencycloud` |
//! | OneBox | [`onebox`] | `/onebox` |
//! | a cookie-session vendor of our own design | [`cookie_session`] | `/cookie-session` |
//! | a header-token vendor of our own design | [`header_token`] | `/header-token` |
//! | an OAuth 2.0 server of our own design | [`oauth2`] | `/oauth2` |
//! | a CSRF-token-first web login of our own design | [`csrf_login`] | `/csrf-login` |
//! | GitHub Apps (installation tokens) | [`github_app`] | `/github` |
//! | Google (service accounts' JWT-bearer grant) | [`google`] | `/google` |
//! | Salesforce (login; the API on instances of their own) | [`salesforce`] | `/salesforce` (instances: [`Salesforce::instance_url`]) |
//!
//! This crate is written from the vendors' own documents and deliberately shares
//! no code with `auth-runtime` or `auth-codegen`, so that a misunderstanding of a
//! vendor cannot hide by being shared between client and server.
//!
//! Time: the server's clock is real time plus an offset ([`SimClock`]). Tests
//! never sleep to make a token expire; they call [`SimClock::advance`].
//!
//! Each vendor has a handle ([`Sim::crmcom`], ...) with counters and switches. The
//! ones every vendor has are in [`VendorCommon`], which each handle dereferences
//! to: login attempts, successful logins, API calls and refused API calls; token
//! lifetime, login delay and fault injection (see [`fault`]). The rest are on the
//! handle itself: logouts (CRM.COM and Currencycloud, which have a logout
//! endpoint), active tokens, revoking every token, and the vendor's own switches.
//!
//! No handler panics on request data: a malformed request gets the vendor's
//! documented error shape (or axum's plain 4xx for an unknown route, a wrong
//! method or an oversized body).
#![warn(missing_docs)]

mod assertion;
pub mod cookie_session;
pub mod crmcom;
pub mod csrf_login;
pub mod currencycloud;
pub mod fault;
pub mod github_app;
pub mod google;
pub mod header_token;
pub mod modulus;
pub mod oauth2;
pub mod onebox;
pub mod salesforce;
mod util;
mod vendor;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use tokio::sync::watch;

pub use cookie_session::CookieSession;
pub use crmcom::CrmCom;
pub use csrf_login::CsrfLogin;
pub use currencycloud::Currencycloud;
pub use fault::{Fault, Faults, Scope};
pub use github_app::GitHubApp;
pub use google::Google;
pub use header_token::HeaderToken;
pub use modulus::Modulus;
pub use oauth2::OAuth2;
pub use onebox::OneBox;
pub use salesforce::Salesforce;
pub use vendor::VendorCommon;

/// State shared by all handlers: the clock and every vendor's handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) clock: Arc<SimClock>,
    pub(crate) crmcom: CrmCom,
    pub(crate) modulus: Modulus,
    pub(crate) currencycloud: Currencycloud,
    pub(crate) onebox: OneBox,
    pub(crate) cookie_session: CookieSession,
    pub(crate) header_token: HeaderToken,
    pub(crate) oauth2: OAuth2,
    pub(crate) csrf_login: CsrfLogin,
    pub(crate) github_app: GitHubApp,
    pub(crate) google: Google,
    pub(crate) salesforce: Salesforce,
}

/// A running simulator. Dropping it shuts the server down.
#[derive(Debug)]
pub struct Sim {
    shared: Arc<Shared>,
    addr: SocketAddr,
    /// Dropped with the simulator: every server it runs (the main one and Salesforce's
    /// instances) then shuts down.
    _shutdown: watch::Sender<()>,
}

impl Sim {
    /// Binds `127.0.0.1:0` and spawns the server on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// When called outside a tokio runtime, or when no loopback port can be bound.
    pub async fn start() -> Sim {
        Self::start_on(0).await
    }

    /// Binds `127.0.0.1:port` (0: any free port) and spawns the server on the current
    /// tokio runtime; the standalone binary uses it so separate processes can share one
    /// simulator.
    ///
    /// # Panics
    ///
    /// When called outside a tokio runtime, or when the port cannot be bound.
    pub async fn start_on(port: u16) -> Sim {
        // If another crate in the build enables a second jsonwebtoken backend, the
        // automatic choice is ambiguous; pin ours. An already installed one is fine.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();

        let clock = Arc::new(SimClock::new());
        let shared = Arc::new(Shared {
            crmcom: CrmCom::new(Arc::clone(&clock)),
            modulus: Modulus::new(Arc::clone(&clock)),
            currencycloud: Currencycloud::new(Arc::clone(&clock)),
            onebox: OneBox::new(Arc::clone(&clock)),
            cookie_session: CookieSession::new(Arc::clone(&clock)),
            header_token: HeaderToken::new(Arc::clone(&clock)),
            oauth2: OAuth2::new(Arc::clone(&clock)),
            csrf_login: CsrfLogin::new(Arc::clone(&clock)),
            github_app: GitHubApp::new(Arc::clone(&clock)),
            google: Google::new(Arc::clone(&clock)),
            salesforce: Salesforce::new(Arc::clone(&clock)),
            clock,
        });
        let app: Router = Router::new()
            .merge(crmcom::routes())
            .merge(modulus::routes())
            .merge(currencycloud::routes())
            .merge(onebox::routes())
            .merge(cookie_session::routes())
            .merge(header_token::routes())
            .merge(oauth2::routes())
            .merge(csrf_login::routes())
            .merge(github_app::routes())
            .merge(google::routes())
            .merge(salesforce::routes())
            .route_layer(axum::middleware::from_fn_with_state(
                Arc::clone(&shared),
                fault::inject,
            ))
            .with_state(Arc::clone(&shared));

        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port))
            .await
            .unwrap_or_else(|e| panic!("auth-sim: cannot bind 127.0.0.1:{port}: {e}"));
        let addr = listener
            .local_addr()
            .expect("auth-sim: bound listener has no local address");
        let (shutdown, stopped) = watch::channel(());
        serve(listener, app, stopped.clone());
        let mut instance_urls = Vec::with_capacity(salesforce::INSTANCES);
        for index in 0..salesforce::INSTANCES {
            let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
                .await
                .unwrap_or_else(|e| panic!("auth-sim: cannot bind a Salesforce instance: {e}"));
            let instance = listener
                .local_addr()
                .expect("auth-sim: bound listener has no local address");
            instance_urls.push(format!("http://{instance}"));
            let routes = salesforce::instance_routes(Arc::clone(&shared), index).route_layer(
                axum::middleware::from_fn_with_state(Arc::clone(&shared), fault::inject),
            );
            serve(listener, routes, stopped.clone());
        }
        shared.salesforce.set_instance_urls(instance_urls);
        Sim {
            shared,
            addr,
            _shutdown: shutdown,
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's notion of time.
    pub fn clock(&self) -> &SimClock {
        &self.shared.clock
    }

    /// CRM.COM: counters and switches.
    pub fn crmcom(&self) -> &CrmCom {
        &self.shared.crmcom
    }

    /// Modulus: counters and switches.
    pub fn modulus(&self) -> &Modulus {
        &self.shared.modulus
    }

    /// Currencycloud: counters and switches.
    pub fn currencycloud(&self) -> &Currencycloud {
        &self.shared.currencycloud
    }

    /// OneBox: counters and switches.
    pub fn onebox(&self) -> &OneBox {
        &self.shared.onebox
    }

    /// The cookie-session vendor: counters and switches.
    pub fn cookie_session(&self) -> &CookieSession {
        &self.shared.cookie_session
    }

    /// The header-token vendor: counters and switches.
    pub fn header_token(&self) -> &HeaderToken {
        &self.shared.header_token
    }

    /// The OAuth 2.0 server: counters and switches.
    pub fn oauth2(&self) -> &OAuth2 {
        &self.shared.oauth2
    }

    /// The CSRF-token-first web login: counters and switches.
    pub fn csrf_login(&self) -> &CsrfLogin {
        &self.shared.csrf_login
    }

    /// GitHub Apps: counters and switches.
    pub fn github_app(&self) -> &GitHubApp {
        &self.shared.github_app
    }

    /// Google's token endpoint for service accounts: counters and switches.
    pub fn google(&self) -> &Google {
        &self.shared.google
    }

    /// Salesforce: counters, switches, and its instances' addresses.
    pub fn salesforce(&self) -> &Salesforce {
        &self.shared.salesforce
    }
}

/// Spawns `app` on `listener` until `stopped`'s sender is dropped.
fn serve(listener: tokio::net::TcpListener, app: Router, mut stopped: watch::Receiver<()>) {
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        // Ends when the sender is dropped with the simulator.
        while stopped.changed().await.is_ok() {}
    });
    tokio::spawn(async move {
        let _ = server.await;
    });
}

/// The simulator's clock: real time plus an offset that only grows, minus a skew.
///
/// Every expiry decision of the simulator, and every time claim it writes into a
/// token (OneBox `iat`/`exp`, ...), uses this clock. Tests move time forward with
/// [`advance`](Self::advance) instead of sleeping. A server whose clock runs behind
/// the client's is [`set_behind`](Self::set_behind); one that runs ahead is
/// [`advance`](Self::advance) without advancing the client's clock.
#[derive(Debug)]
pub struct SimClock {
    /// Offset in nanoseconds.
    offset_nanos: AtomicU64,
    /// How far the server's clock runs behind, in nanoseconds.
    behind_nanos: AtomicU64,
}

impl SimClock {
    fn new() -> SimClock {
        SimClock {
            offset_nanos: AtomicU64::new(0),
            behind_nanos: AtomicU64::new(0),
        }
    }

    /// Makes the server's clock run `by` behind real time (plus the offset): a clock
    /// skew between client and server. `Duration::ZERO` lifts it.
    pub fn set_behind(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.behind_nanos.store(by, Ordering::Release);
    }

    fn behind(&self) -> Duration {
        Duration::from_nanos(self.behind_nanos.load(Ordering::Acquire))
    }

    /// Moves the server's time forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .offset_nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                Some(cur.saturating_add(by))
            });
    }

    /// How far the server's time is ahead of real time.
    pub fn offset(&self) -> Duration {
        Duration::from_nanos(self.offset_nanos.load(Ordering::Acquire))
    }

    /// The server's wall-clock time (real time + offset - skew).
    pub fn now(&self) -> SystemTime {
        let now = SystemTime::now();
        let ahead = now.checked_add(self.offset()).unwrap_or(now);
        ahead.checked_sub(self.behind()).unwrap_or(ahead)
    }

    /// The server's wall-clock time in whole seconds since the Unix epoch.
    pub fn unix_now(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// The server's monotonic time (real monotonic time + offset - skew).
    pub(crate) fn instant(&self) -> Instant {
        let now = Instant::now();
        let ahead = now.checked_add(self.offset()).unwrap_or(now);
        ahead.checked_sub(self.behind()).unwrap_or(ahead)
    }
}
