//! A pool's sessions name their account in their logs (the key as its `Debug` writes
//! it), never a secret. Alone in its test binary: a thread-local `tracing` subscriber
//! does not see events whose callsites other tests' threads registered first.

use auth_runtime::{Session, SessionPool};
use auth_sim::{Sim, crmcom};
use auth_vendors::CrmCom;
use auth_vendors::crmcom::CrmComError;

#[tokio::test]
async fn logs_name_the_account_a_pool_serves() {
    let logs = authgen_tests::Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = Sim::start().await;
    let base = format!("{}{}", sim.base_url(), crmcom::PREFIX);
    let pool: SessionPool<u32, CrmCom> = SessionPool::builder(move |_: &u32| {
        let credentials = CrmCom::credentials()
            .organisation(crmcom::ORGANISATION)
            .username(crmcom::USERNAME)
            .password(crmcom::PASSWORD)
            .build();
        let builder = Session::builder(CrmCom::new(base.clone()), credentials);
        async move { Ok::<_, CrmComError>(builder) }
    })
    .build();
    for account in [41, 42] {
        let session = pool.session(&account).await.expect("session");
        session.token().await.expect("token");
    }
    let session = pool.session(&42).await.expect("session");
    session.logout().await.expect("released");
    let text = logs.text();
    assert_eq!(
        logs.count("account=41"),
        1,
        "one login for account 41:\n{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("account=42") && l.contains("logged in")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("account=42") && l.contains("logged out")),
        "{text}"
    );
    assert!(!text.contains(crmcom::PASSWORD), "no secret in the logs");
}
