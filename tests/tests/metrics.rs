//! What sessions record through the `metrics` facade (feature `metrics`), read back from
//! `metrics-util`'s debugging recorder: each test's sessions are built under a recorder
//! of its own (a thread-local one), so their handles count into it whichever thread
//! the events happen on, and tests running at once do not mix. Every step is checked
//! exactly: the counters that moved, by how much, and that no other did (a snapshot
//! drains what it reads, so each one holds what the step did); the counts are also
//! checked against what the simulator saw.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use auth_runtime::metrics::{
    KIND, KIND_CREDENTIALS, KIND_HELD, KIND_REFRESHED, KIND_REFUSED, KIND_TRANSIENT,
    LOGIN_DURATION, LOGIN_FAILURES, LOGINS, OUTCOME, OUTCOME_ADOPTED, OUTCOME_CACHED,
    OUTCOME_LEASED, OUTCOME_UNAVAILABLE, OUTCOME_WAITED, REASON, REASON_FIRST_LOGIN,
    REASON_TOKEN_DUE, REASON_TOKEN_REJECTED_OR_INVALIDATED, STORE, TOKEN_REJECTIONS,
    TOKEN_REQUESTS, VENDOR,
};
use auth_runtime::{
    MemoryStore, Provider, RetryPolicy, Session, SessionBuilder, SharedRefusal, SharedToken,
    StoreError, TokenStore, auth_provider,
};
use auth_sim::fault::{Fault, Scope};
use auth_sim::{Sim, crmcom, oauth2};
use auth_vendors::CrmCom;
use authgen_tests::{advance, on_manual_clock};
use futures::future::BoxFuture;
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

/// A recorder for one test, and what it counted.
struct Recorded {
    recorder: DebuggingRecorder,
    snapshotter: Snapshotter,
}

/// What a step recorded: each counter that moved and by how much, each histogram that
/// got samples and how many (`name{label=value,...}`, labels sorted), and the samples.
#[derive(Debug, Default)]
struct Step {
    moved: BTreeMap<String, u64>,
    samples: Vec<f64>,
    /// Every series registered so far, moved or not.
    series: Vec<String>,
}

fn series(name: &str, labels: &[(&str, &str)]) -> String {
    let mut labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    labels.sort();
    format!("{name}{{{}}}", labels.join(","))
}

impl Recorded {
    fn new() -> Self {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        Recorded {
            recorder,
            snapshotter,
        }
    }

    /// Builds a session under this recorder.
    fn build<P: Provider>(&self, builder: SessionBuilder<P>) -> Session<P> {
        metrics::with_local_recorder(&self.recorder, || builder.build().expect("session"))
    }

    /// Builds a session on a manual clock under this recorder.
    fn on_manual_clock<P: Provider>(
        &self,
        builder: SessionBuilder<P>,
    ) -> (Session<P>, auth_runtime::Clock) {
        metrics::with_local_recorder(&self.recorder, || on_manual_clock(builder))
    }

    /// What was recorded since the last step.
    fn step(&self) -> Step {
        let mut step = Step::default();
        for (key, _, _, value) in self.snapshotter.snapshot().into_vec() {
            let (kind, key) = key.into_parts();
            let labels: Vec<(&str, &str)> = key.labels().map(|l| (l.key(), l.value())).collect();
            let name = series(key.name(), &labels);
            step.series.push(name.clone());
            match (kind, value) {
                (MetricKind::Counter, DebugValue::Counter(0)) => {}
                (MetricKind::Counter, DebugValue::Counter(n)) => {
                    step.moved.insert(name, n);
                }
                (MetricKind::Histogram, DebugValue::Histogram(samples)) => {
                    if !samples.is_empty() {
                        step.moved.insert(name, samples.len() as u64);
                    }
                    step.samples
                        .extend(samples.into_iter().map(|s| s.into_inner()));
                }
                other => panic!("unexpected metric {name}: {other:?}"),
            }
        }
        step.series.sort();
        step
    }
}

/// Labels of a series besides the vendor: `(label, value)`.
type Labels<'a> = &'a [(&'a str, &'a str)];

/// The counts a step should have recorded for `vendor`: `(metric, labels besides the
/// vendor, count)`; a histogram's count is its number of samples.
fn expected(vendor: &str, rows: &[(&str, Labels<'_>, u64)]) -> BTreeMap<String, u64> {
    rows.iter()
        .map(|(name, labels, count)| {
            let mut labels = labels.to_vec();
            labels.push((VENDOR, vendor));
            (series(name, &labels), *count)
        })
        .collect()
}

fn login(reason: &'static str, kind: &'static str) -> [(&'static str, &'static str); 2] {
    [(REASON, reason), (KIND, kind)]
}

fn crmcom(sim: &Sim) -> CrmCom {
    CrmCom::new(format!("{}{}", sim.base_url(), crmcom::PREFIX))
}

fn crmcom_credentials(password: &str) -> auth_vendors::crmcom::CrmComCredentials {
    CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password(password)
        .build()
}

/// CRM.COM's contact list, which takes the token in the query.
fn contacts(sim: &Sim) -> String {
    format!(
        "{}{}{}",
        sim.base_url(),
        crmcom::PREFIX,
        crmcom::CONTACTS_LIST_PATH
    )
}

/// Lists contacts; returns CRM.COM's `status.code`.
async fn list_contacts(sim: &Sim, session: &Session<CrmCom>) -> String {
    let response = session
        .send(session.get(contacts(sim)))
        .await
        .expect("sent");
    let body: serde_json::Value = response.json().await.expect("JSON envelope");
    body["status"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_session_counts_logins_cached_reads_rejections_and_refusals_exactly() {
    let sim = Sim::start().await;
    let recorded = Recorded::new();
    let vendor = CrmCom::VENDOR;
    let (session, clock) = recorded.on_manual_clock(Session::builder(
        crmcom(&sim),
        crmcom_credentials(crmcom::PASSWORD),
    ));

    // Built: every series is registered, at zero; the labels are fixed words.
    let built = recorded.step();
    assert!(built.moved.is_empty(), "{:?}", built.moved);
    let mut all = Vec::new();
    for reason in [
        REASON_FIRST_LOGIN,
        REASON_TOKEN_DUE,
        REASON_TOKEN_REJECTED_OR_INVALIDATED,
    ] {
        for kind in [KIND_CREDENTIALS, KIND_REFRESHED] {
            all.push((LOGINS, vec![(REASON, reason), (KIND, kind)]));
        }
    }
    for kind in [KIND_REFUSED, KIND_HELD, KIND_TRANSIENT] {
        all.push((LOGIN_FAILURES, vec![(KIND, kind)]));
    }
    all.push((LOGIN_DURATION, vec![]));
    for outcome in [OUTCOME_CACHED, OUTCOME_WAITED] {
        all.push((TOKEN_REQUESTS, vec![(OUTCOME, outcome)]));
    }
    for outcome in [OUTCOME_ADOPTED, OUTCOME_LEASED, OUTCOME_UNAVAILABLE] {
        all.push((STORE, vec![(OUTCOME, outcome)]));
    }
    all.push((TOKEN_REJECTIONS, vec![]));
    let mut all: Vec<String> = all
        .into_iter()
        .map(|(name, mut labels)| {
            labels.push((VENDOR, vendor));
            series(name, &labels)
        })
        .collect();
    all.sort();
    assert_eq!(built.series, all);

    // The first login.
    let first = session
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    let step = recorded.step();
    assert_eq!(
        step.moved,
        expected(
            vendor,
            &[
                (LOGINS, &login(REASON_FIRST_LOGIN, KIND_CREDENTIALS), 1),
                (LOGIN_DURATION, &[], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );
    assert!(step.samples[0] > 0.0 && step.samples[0] < 30.0, "{step:?}");
    // No secret in a label: neither the password nor the token.
    for name in &step.series {
        assert!(!name.contains(crmcom::PASSWORD), "{name}");
        assert!(!name.contains(&first), "{name}");
    }

    // Fifty reads of the fresh token: the hot path, counted, no login.
    for _ in 0..50 {
        session.token().await.expect("cached");
    }
    assert_eq!(
        recorded.step().moved,
        expected(
            vendor,
            &[(TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_CACHED)], 50)]
        )
    );

    // The token expires (CRM.COM: an hour): one login, due.
    advance(&sim, &clock, Duration::from_secs(3601));
    session.token().await.expect("login");
    assert_eq!(
        recorded.step().moved,
        expected(
            vendor,
            &[
                (LOGINS, &login(REASON_TOKEN_DUE, KIND_CREDENTIALS), 1),
                (LOGIN_DURATION, &[], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );

    // The vendor revokes the token: an API call is rejected (CRM.COM: HTTP 200 with
    // INVALID_TOKEN), the session logs in again and the replay succeeds.
    sim.crmcom().revoke_all();
    assert_eq!(list_contacts(&sim, &session).await, crmcom::OK);
    assert_eq!(
        recorded.step().moved,
        expected(
            vendor,
            &[
                (TOKEN_REJECTIONS, &[], 1),
                (
                    LOGINS,
                    &login(REASON_TOKEN_REJECTED_OR_INVALIDATED, KIND_CREDENTIALS),
                    1
                ),
                (LOGIN_DURATION, &[], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_CACHED)], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );
    assert_eq!(sim.crmcom().logins(), 3, "three logins counted, three made");
    assert_eq!(sim.crmcom().rejected_api_calls(), 1);

    // Rejected (HTTP 401) and the replay rejected again: the call fails, and both
    // rejections count.
    sim.crmcom()
        .faults()
        .set_times(Scope::Api, Fault::Status(401), 2);
    assert!(session.send(session.get(contacts(&sim))).await.is_err());
    assert_eq!(
        recorded.step().moved,
        expected(
            vendor,
            &[
                (TOKEN_REJECTIONS, &[], 2),
                (
                    LOGINS,
                    &login(REASON_TOKEN_REJECTED_OR_INVALIDATED, KIND_CREDENTIALS),
                    1
                ),
                (LOGIN_DURATION, &[], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_CACHED)], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );
    assert_eq!(sim.crmcom().logins(), 4);

    // A wrong password: one refused login; the next call is answered from the refusal
    // hold, without a login, and is not a second failure.
    let (wrong, _) =
        recorded.on_manual_clock(Session::builder(crmcom(&sim), crmcom_credentials("wrong")));
    assert!(wrong.token().await.is_err());
    assert_eq!(
        recorded.step().moved,
        expected(
            vendor,
            &[
                (LOGIN_FAILURES, &[(KIND, KIND_REFUSED)], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );
    assert!(wrong.token().await.is_err());
    assert_eq!(
        recorded.step().moved,
        expected(vendor, &[(TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1)])
    );
    assert_eq!(sim.crmcom().login_attempts(), 5, "one refused attempt");
    for name in recorded.step().series {
        assert!(!name.contains("wrong"), "{name}");
    }
}

#[tokio::test]
async fn failed_logins_are_counted_by_kind_and_a_retried_login_is_timed_whole() {
    let sim = Sim::start().await;
    let recorded = Recorded::new();
    let vendor = CrmCom::VENDOR;
    let faults = sim.crmcom().faults();
    let session = |retry: RetryPolicy| {
        recorded.build(
            Session::builder(crmcom(&sim), crmcom_credentials(crmcom::PASSWORD)).retry(retry),
        )
    };
    let failed = |kind| {
        expected(
            vendor,
            &[
                (LOGIN_FAILURES, &[(KIND, kind)], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ],
        )
    };

    // A 500 with no retry: transient.
    faults.set_times(Scope::Login, Fault::Status(500), 1);
    assert!(session(RetryPolicy::none()).token().await.is_err());
    assert_eq!(recorded.step().moved, failed(KIND_TRANSIENT));

    // A 429 asking for a minute, longer than the policy waits: held.
    faults.set_times(
        Scope::Login,
        Fault::TooManyRequests {
            retry_after: Some(60),
        },
        1,
    );
    assert!(session(RetryPolicy::default()).token().await.is_err());
    assert_eq!(recorded.step().moved, failed(KIND_HELD));

    // A 500, then a success after the policy's backoff (at least 100 ms): one login,
    // no failure, timed with its retry and the wait before it.
    faults.set_times(Scope::Login, Fault::Status(500), 1);
    session(RetryPolicy::default())
        .token()
        .await
        .expect("login");
    let step = recorded.step();
    assert_eq!(
        step.moved,
        expected(
            vendor,
            &[
                (LOGINS, &login(REASON_FIRST_LOGIN, KIND_CREDENTIALS), 1),
                (LOGIN_DURATION, &[], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );
    assert!(step.samples[0] >= 0.1, "{:?}", step.samples);
    assert_eq!(faults.served(), 3);
}

/// A store that cannot be reached.
struct Unreachable;

fn unreachable<T>() -> BoxFuture<'static, Result<T, StoreError>> {
    Box::pin(async { Err(StoreError("connection refused".to_owned())) })
}

impl TokenStore for Unreachable {
    fn load<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>> {
        unreachable()
    }
    fn save<'a>(&'a self, _: &'a str, _: &'a SharedToken) -> BoxFuture<'a, Result<(), StoreError>> {
        unreachable()
    }
    fn try_lease<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        unreachable()
    }
    fn release<'a>(&'a self, _: &'a str, _: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        unreachable()
    }
    fn load_refusal<'a>(
        &'a self,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Option<SharedRefusal>, StoreError>> {
        unreachable()
    }
}

#[tokio::test]
async fn sessions_sharing_a_store_count_what_they_did_there() {
    let sim = Sim::start().await;
    let recorded = Recorded::new();
    let vendor = CrmCom::VENDOR;
    let store = Arc::new(MemoryStore::new());
    let sharing = |password: &str| {
        recorded.build(
            Session::builder(crmcom(&sim), crmcom_credentials(password))
                .store_plaintext(Arc::clone(&store)),
        )
    };

    // The first logs in under the lease and publishes; the second takes its token.
    sharing(crmcom::PASSWORD).token().await.expect("login");
    assert_eq!(
        recorded.step().moved,
        expected(
            vendor,
            &[
                (STORE, &[(OUTCOME, OUTCOME_LEASED)], 1),
                (LOGINS, &login(REASON_FIRST_LOGIN, KIND_CREDENTIALS), 1),
                (LOGIN_DURATION, &[], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );
    sharing(crmcom::PASSWORD).token().await.expect("adopted");
    assert_eq!(
        recorded.step().moved,
        expected(
            vendor,
            &[
                (STORE, &[(OUTCOME, OUTCOME_ADOPTED)], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );
    assert_eq!(sim.crmcom().logins(), 1);

    // A wrong password: the first is refused under the lease and publishes the
    // refusal; the second reports it (held) without a login.
    assert!(sharing("wrong").token().await.is_err());
    assert_eq!(
        recorded.step().moved,
        expected(
            vendor,
            &[
                (STORE, &[(OUTCOME, OUTCOME_LEASED)], 1),
                (LOGIN_FAILURES, &[(KIND, KIND_REFUSED)], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );
    assert!(sharing("wrong").token().await.is_err());
    assert_eq!(
        recorded.step().moved,
        expected(
            vendor,
            &[
                (LOGIN_FAILURES, &[(KIND, KIND_HELD)], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );
    assert_eq!(sim.crmcom().login_attempts(), 2);

    // A store that cannot be reached: a login of its own.
    recorded
        .build(
            Session::builder(crmcom(&sim), crmcom_credentials(crmcom::PASSWORD))
                .store_plaintext(Unreachable),
        )
        .token()
        .await
        .expect("login");
    assert_eq!(
        recorded.step().moved,
        expected(
            vendor,
            &[
                (STORE, &[(OUTCOME, OUTCOME_UNAVAILABLE)], 1),
                (LOGINS, &login(REASON_FIRST_LOGIN, KIND_CREDENTIALS), 1),
                (LOGIN_DURATION, &[], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ]
        )
    );
    assert_eq!(sim.crmcom().logins(), 2);
}

/// The `password` grant of auth-sim's OAuth 2.0 server, which issues refresh tokens.
#[auth_provider(
    vendor = "OAuth2 server",
    base = "{host}",
    login(path = "/token"),
    oauth2(grant = "password")
)]
pub struct PasswordGrant {
    #[auth(basic = "user")]
    client_id: String,
    #[auth(secret, basic = "password")]
    client_secret: String,
    username: String,
    #[auth(secret)]
    password: String,
}

#[tokio::test]
async fn a_refresh_is_counted_as_refreshed_and_a_refused_one_as_a_login() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(Duration::from_secs(300));
    let recorded = Recorded::new();
    let vendor = PasswordGrant::VENDOR;
    let credentials = PasswordGrant::credentials()
        .client_id(oauth2::CLIENT_ID)
        .client_secret(oauth2::CLIENT_SECRET)
        .username(oauth2::USERNAME)
        .password(oauth2::PASSWORD)
        .build();
    let host = format!("{}{}", sim.base_url(), oauth2::PREFIX);
    let (session, clock) =
        recorded.on_manual_clock(Session::builder(PasswordGrant::new(&host), credentials));
    let due_by = |kind| {
        expected(
            vendor,
            &[
                (LOGINS, &login(REASON_TOKEN_DUE, kind), 1),
                (LOGIN_DURATION, &[], 1),
                (TOKEN_REQUESTS, &[(OUTCOME, OUTCOME_WAITED)], 1),
            ],
        )
    };

    session.token().await.expect("login");
    let first = recorded.step();
    assert_eq!(
        first.moved[&series(
            LOGINS,
            &[
                (REASON, REASON_FIRST_LOGIN),
                (KIND, KIND_CREDENTIALS),
                (VENDOR, vendor)
            ]
        )],
        1
    );

    // Due: refreshed with the refresh token.
    advance(&sim, &clock, Duration::from_secs(301));
    session.token().await.expect("refresh");
    assert_eq!(recorded.step().moved, due_by(KIND_REFRESHED));
    assert_eq!(sim.oauth2().refreshes(), 1);

    // The server forgets its refresh tokens: the refresh is refused and the session
    // logs in with the credentials, which is what it counts.
    sim.oauth2().revoke_refresh_tokens();
    advance(&sim, &clock, Duration::from_secs(301));
    session.token().await.expect("login");
    assert_eq!(recorded.step().moved, due_by(KIND_CREDENTIALS));
    assert_eq!(sim.oauth2().refused_refreshes(), 1);
    assert_eq!(sim.oauth2().logins(), 2);
}
