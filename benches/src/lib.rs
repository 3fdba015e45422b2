//! Shared set-up for authgen's benchmarks (`cargo bench -p authgen-benches`).
//!
//! Every benchmark talks to [`auth_sim`] on 127.0.0.1 only, and reports each figure as
//! a ratio against a baseline measured in the same run (see `BENCHMARKS.md`).

use std::time::Duration;

use auth_runtime::{Session, SessionBuilder};
use auth_sim::{Sim, crmcom, currencycloud, modulus};
use auth_vendors::crmcom::CrmComCredentials;
use auth_vendors::currencycloud::CurrencycloudCredentials;
use auth_vendors::modulus::ModulusCredentials;
use auth_vendors::{CrmCom, Currencycloud, Modulus};

/// A CRM.COM session builder pointed at `sim` (absolute expiry, token in the query).
pub fn crmcom(sim: &Sim) -> SessionBuilder<CrmCom> {
    let credentials: CrmComCredentials = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password(crmcom::PASSWORD)
        .build();
    let provider = CrmCom::new(format!("{}{}", sim.base_url(), crmcom::PREFIX));
    Session::builder(provider, credentials)
}

/// A Currencycloud session builder pointed at `sim` (idle expiry, `X-Auth-Token`).
///
/// # Panics
///
/// Never with the simulator's demo credentials (they pass the format checks).
pub fn currencycloud(sim: &Sim) -> SessionBuilder<Currencycloud> {
    let credentials: CurrencycloudCredentials = Currencycloud::credentials()
        .login_id(currencycloud::LOGIN_ID)
        .api_key(currencycloud::API_KEY)
        .build()
        .expect("well-formed");
    let provider = Currencycloud::new(format!("{}{}", sim.base_url(), currencycloud::PREFIX));
    Session::builder(provider, credentials)
}

/// A Modulus session builder pointed at `sim` (absolute expiry, `Authorization: Bearer`).
pub fn modulus(sim: &Sim) -> SessionBuilder<Modulus> {
    let credentials: ModulusCredentials = Modulus::credentials()
        .app(modulus::APP)
        .secret(modulus::SECRET)
        .build();
    let provider = Modulus::new(modulus::ACCOUNT).with_base_url(format!(
        "{}{}",
        sim.base_url(),
        modulus::prefix(modulus::ACCOUNT)
    ));
    Session::builder(provider, credentials)
}

/// The protected Modulus endpoint of `sim` (a small GET answering a few hundred bytes).
pub fn modulus_balance_url(sim: &Sim) -> String {
    format!(
        "{}{}{}",
        sim.base_url(),
        modulus::prefix(modulus::ACCOUNT),
        modulus::BALANCE_PATH
    )
}

/// The `q`-quantile (0..=1) of `samples`, which it sorts.
///
/// # Panics
///
/// When `samples` is empty.
pub fn quantile(samples: &mut [Duration], q: f64) -> Duration {
    assert!(!samples.is_empty(), "no samples");
    samples.sort_unstable();
    let rank = ((samples.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    samples[rank]
}

/// The median of `samples`, which it sorts.
///
/// # Panics
///
/// When `samples` is empty.
pub fn median(samples: &mut [f64]) -> f64 {
    assert!(!samples.is_empty(), "no samples");
    samples.sort_unstable_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// The CSRF-first web login of `auth_sim::csrf_login`: a step fetches the CSRF token,
/// the login sends it back. Against [`CsrfOneRequest`], what one step adds to a login.
#[auth_runtime::auth_provider(
    vendor = "CSRF web login",
    base = "{server}",
    step(csrf, method = "GET", path = "/api/csrf", bind(csrf = "csrfToken")),
    login(
        path = "/api/login",
        headers("X-CSRFToken" = "{csrf}", "Cookie" = "csrftoken={csrf}"),
    ),
    token(cookie = "sessionid"),
    apply(cookie = "sessionid"),
    rejected(status = 403),
    error(BadCredentials, status = 401, display = "refused"),
)]
pub struct CsrfTwoRequests {
    username: String,
    password: String,
}

/// The same vendor's login in one request (the simulator's CSRF check turned off):
/// the baseline of [`CsrfTwoRequests`].
#[auth_runtime::auth_provider(
    vendor = "CSRF web login",
    base = "{server}",
    login(path = "/api/login"),
    token(cookie = "sessionid"),
    apply(cookie = "sessionid"),
    rejected(status = 403),
    error(BadCredentials, status = 401, display = "refused")
)]
pub struct CsrfOneRequest {
    username: String,
    password: String,
}

/// Sessions of both logins pointed at `sim`'s CSRF web login.
pub fn csrf_logins(sim: &Sim) -> (Session<CsrfOneRequest>, Session<CsrfTwoRequests>) {
    let server = format!("{}{}", sim.base_url(), auth_sim::csrf_login::PREFIX);
    let (user, password) = (auth_sim::csrf_login::USER, auth_sim::csrf_login::PASSWORD);
    let one = CsrfOneRequest::credentials()
        .username(user)
        .password(password)
        .build();
    let two = CsrfTwoRequests::credentials()
        .username(user)
        .password(password)
        .build();
    (
        Session::new(CsrfOneRequest::new(&server), one).expect("session"),
        Session::new(CsrfTwoRequests::new(&server), two).expect("session"),
    )
}
