//! The typed client against the in-process simulator, over real HTTP on 127.0.0.1:
//! one login for many calls, a rejected token answered inside the call by one login
//! and one replay (GET with the token in the query, POST with it in the JSON body),
//! one login for many callers, no token to another origin, a refused login as the
//! call's error without the password.

use auth_runtime::Session;
use auth_sim::{Sim, crmcom};
use typed_client_example::api::{self, Client, Error, types::NewContact};
use typed_client_example::{CrmCom, client};

fn session(server: &str, password: &str) -> Session<CrmCom> {
    let credentials = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password(password)
        .build();
    Session::new(CrmCom::new(server), credentials).expect("a valid session")
}

/// A typed client of the simulator's CRM.COM, logged in with the demo user.
fn demo(sim: &Sim) -> Client {
    let server = format!("{}{}", sim.base_url(), crmcom::PREFIX);
    client(session(&server, crmcom::PASSWORD), &server)
}

async fn list(crm: &Client) -> api::types::Contacts {
    let answer = crm
        .list_contacts()
        .await
        .expect("list_contacts")
        .into_inner();
    assert_eq!(answer.status.code, crmcom::OK, "{:?}", answer.status);
    answer.data.expect("the contacts")
}

async fn create(crm: &Client, name: &str) -> api::types::Created {
    let body = NewContact { name: name.into() };
    let answer = crm
        .create_contact(&body)
        .await
        .expect("create_contact")
        .into_inner();
    assert_eq!(answer.status.code, crmcom::OK, "{:?}", answer.status);
    answer.data.expect("the new contact")
}

/// The message of a call's error, which must be the session's (`Error::Custom`).
fn session_failure<T: std::fmt::Debug>(result: Result<T, Error<()>>) -> String {
    match result {
        Err(Error::Custom(message)) => message,
        other => panic!("expected the session's failure, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_calls_share_one_login() {
    let sim = Sim::start().await;
    let crm = demo(&sim);

    let contacts = list(&crm).await;
    assert_eq!(contacts.total, 2);
    assert_eq!(contacts.contacts[0].first_name.as_deref(), Some("Demo"));
    let created = create(&crm, "Ada Lovelace").await;
    assert_eq!(created.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(created.id.len(), 32);
    list(&crm).await;

    let vendor = sim.crmcom();
    assert_eq!(vendor.logins(), 1, "one login for three typed calls");
    assert_eq!(vendor.api_calls(), 3);
    assert_eq!(vendor.rejected_api_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_token_logs_in_once_and_replays_the_call() {
    let sim = Sim::start().await;
    let crm = demo(&sim);
    list(&crm).await;
    let vendor = sim.crmcom();
    assert_eq!(vendor.logins(), 1);

    // GET: the token travels in the query.
    vendor.revoke_all();
    assert_eq!(list(&crm).await.total, 2);
    assert_eq!(vendor.logins(), 2, "one more login");
    assert_eq!(vendor.rejected_api_calls(), 1, "one rejection");
    assert_eq!(
        vendor.api_calls(),
        3,
        "the first call, the rejected one, its replay"
    );

    // POST: the token travels in the JSON body, which is replayed with the new token.
    vendor.revoke_all();
    let created = create(&crm, "Grace Hopper").await;
    assert_eq!(created.name.as_deref(), Some("Grace Hopper"));
    assert_eq!(vendor.logins(), 3);
    assert_eq!(vendor.rejected_api_calls(), 2);
    assert_eq!(vendor.api_calls(), 5);

    // The new token is kept: no further login.
    list(&crm).await;
    assert_eq!(vendor.logins(), 3);
    assert_eq!(vendor.active_tokens(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_replaced_inside_the_call() {
    let sim = Sim::start().await;
    let crm = demo(&sim);
    list(&crm).await;
    // The vendor's clock moves past the token's hour; the session's does not, so
    // the session still sends the token and learns of the expiry from the answer.
    sim.clock().advance(crmcom::DEFAULT_TOKEN_LIFETIME * 2);
    assert_eq!(list(&crm).await.total, 2);
    assert_eq!(sim.crmcom().logins(), 2);
    assert_eq!(sim.crmcom().rejected_api_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_of_a_rejected_token_share_one_login() {
    let sim = Sim::start().await;
    let crm = demo(&sim);
    list(&crm).await;
    sim.crmcom().revoke_all();

    let calls = (0..8).map(|_| {
        let crm = crm.clone();
        tokio::spawn(async move { list(&crm).await.total })
    });
    for call in calls {
        assert_eq!(call.await.expect("the call's task"), 2);
    }
    assert_eq!(
        sim.crmcom().logins(),
        2,
        "one login for every rejected caller"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_goes_to_another_origin() {
    let sim = Sim::start().await;
    let elsewhere = Sim::start().await;
    let server = format!("{}{}", sim.base_url(), crmcom::PREFIX);
    let other = format!("{}{}", elsewhere.base_url(), crmcom::PREFIX);
    // The session is CRM.COM's at `sim`; the typed client points at another origin.
    let crm = client(session(&server, crmcom::PASSWORD), &other);

    let message = session_failure(crm.list_contacts().await);
    assert!(
        message.contains("only to the vendor's origins"),
        "{message}"
    );
    let message = session_failure(crm.create_contact(&NewContact { name: "x".into() }).await);
    assert!(
        message.contains("only to the vendor's origins"),
        "{message}"
    );

    assert_eq!(
        elsewhere.crmcom().api_calls(),
        0,
        "nothing reached the other origin"
    );
    assert_eq!(elsewhere.crmcom().login_attempts(), 0);
    assert_eq!(sim.crmcom().login_attempts(), 0, "refused before any login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_login_is_the_calls_error_without_the_password() {
    let sim = Sim::start().await;
    let server = format!("{}{}", sim.base_url(), crmcom::PREFIX);
    let password = "not-the-demo-password";
    let crm = client(session(&server, password), &server);

    let message = session_failure(crm.list_contacts().await);
    assert!(message.contains("CRM.COM refused the login"), "{message}");
    assert!(message.contains(crmcom::INVALID_LOGIN), "{message}");
    assert!(!message.contains(password), "{message}");
    // The refusal is held: the next call fails alike without asking the vendor again.
    let again = session_failure(crm.list_contacts().await);
    assert_eq!(again, message);
    assert_eq!(
        sim.crmcom().login_attempts(),
        1,
        "no second try with a refused password"
    );
    assert_eq!(sim.crmcom().api_calls(), 0, "no API call without a token");
}
