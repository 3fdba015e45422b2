//! The Stepwise vendor of `login_steps.rs` described with `#[auth_provider(...)]`: its
//! three requests (a CSRF token, a session id, the token) written as `step`s, `headers`
//! and templates, run as a typed provider against the same server. The description
//! the generator writes is the one written by hand (`authgen_tests::stepwise`), and
//! the spec form (`auth-codegen/tests/specs/stepwise.toml`) generates the same code as
//! this attribute (`auth-codegen/tests/spec_equivalence.rs`).

use std::time::Duration;

use auth_runtime::description::Described;
use auth_runtime::{Session, auth_provider};
use authgen_tests::stepwise::{Mode, PASSWORD, STEPWISE, counts, start};

/// Stepwise: a CSRF token, then a session id, then the token.
#[auth_provider(
    vendor = "Stepwise",
    base = "{server}",
    login(path = "/token", headers("X-Session" = "{session}")),
    token = "token",
    apply(bearer),
    step(csrf, method = "GET", path = "/csrf", bind(csrf = "csrf")),
    step(
        session,
        path = "/session",
        headers("X-CSRF-Token" = "{csrf}"),
        constants(user = "{username}", pass = "{password}"),
        success(path = "status", equals = "ok"),
        bind(session = "session_id"),
    ),
    error(
        BadCredentials,
        step = "session",
        status = 401,
        display = "Stepwise refused the credentials",
        doc = "The session step refused the user name or the password.",
    ),
    error(
        UnknownSession,
        status = 400,
        display = "Stepwise refused the session",
        doc = "The token request refused the session id.",
        fields(message = "error"),
    ),
)]
pub struct Stepwise {
    /// The user's name.
    username: String,
    /// The user's password.
    password: String,
}

fn session_for(url: &str, password: &str) -> Session<Stepwise> {
    let credentials = Stepwise::credentials()
        .username("ada")
        .password(password)
        .build();
    Session::builder(Stepwise::new(url), credentials)
        .login_deadline(Duration::from_secs(2))
        .build()
        .expect("session")
}

#[test]
fn the_generated_description_is_the_one_written_by_hand() {
    assert_eq!(*<Stepwise as Described>::DESCRIPTION, STEPWISE);
}

#[tokio::test]
async fn each_step_is_sent_once_then_the_protected_call() {
    let (url, vendor) = start(Mode::Normal).await;
    let session = session_for(&url, PASSWORD);
    let response = session
        .send(session.get(format!("{url}/api")))
        .await
        .expect("the protected call");
    assert_eq!(response.status(), 200);
    assert_eq!(counts(&vendor), [1, 1, 1]);
    let seen = vendor.csrf_seen.lock().expect("seen").clone();
    assert_eq!(seen, ["csrf-1-0123456789"]);
}

#[tokio::test]
async fn the_session_step_refusing_is_its_typed_variant() {
    let (url, vendor) = start(Mode::Normal).await;
    let session = session_for(&url, "wrong-password-123");
    let error = session.token().await.expect_err("refused");
    assert!(
        matches!(error, StepwiseError::BadCredentials {}),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "Stepwise refused the credentials");
    assert_eq!(
        counts(&vendor),
        [1, 1, 0],
        "no token request after a refusal"
    );
}
