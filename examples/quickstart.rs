//! Quickstart: a CRM.COM client against the in-process vendor simulator.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! No network and no setup: `auth_sim::Sim` serves CRM.COM's token endpoint on
//! 127.0.0.1, exactly as CRM.COM documents it.

use auth_runtime::Session;
use auth_runtime::vendors::{CrmCom, crmcom::CrmComError};
use auth_sim::{Sim, crmcom};
use reqwest::Method;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Sim::start().await;
    let server = format!("{}{}", sim.base_url(), crmcom::PREFIX);
    println!("CRM.COM simulator listening at {server}");

    // Credentials are checked at compile time: leave out `.password(...)` and this
    // does not compile ("CRM.COM credentials: `password` is mandatory when `username` is set").
    let credentials = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password(crmcom::PASSWORD)
        .build();
    println!("credentials: {credentials:?}");

    let session = Session::new(CrmCom::new(&server), credentials)?;
    let contacts = format!("{server}/crmapi/rest/v2/contacts/list");
    for call in 1..=2 {
        let response = session
            .send(session.request(Method::GET, &contacts))
            .await?;
        let body: serde_json::Value = response.json().await?;
        println!(
            "call {call}: GET contacts/list -> status.code {}",
            body["status"]["code"]
        );
    }
    println!(
        "logins so far: {} (the second call reused the cached token)",
        sim.crmcom().logins()
    );

    let wrong = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password("not-the-password")
        .build();
    let refused = Session::new(CrmCom::new(&server), wrong)?;
    match refused.token().await {
        Err(error @ CrmComError::Rejected { .. }) => println!("wrong password -> {error}"),
        Err(other) => return Err(other.into()),
        Ok(_) => return Err("the simulator accepted a wrong password".into()),
    }

    session.logout().await?;
    println!("logged out: {} token released", sim.crmcom().logouts());
    Ok(())
}
