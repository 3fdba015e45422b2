//! A typed CRM.COM client against the in-process simulator:
//!
//! ```text
//! cargo run -p typed-client-example
//! ```
//!
//! Builds the session (authgen, from `specs/crmcom.toml`) and the typed client
//! (progenitor, from `openapi.yaml`) on it, calls the typed methods (the first logs
//! in, the next reuse the token), then has the simulator revoke every token: the next
//! typed call is rejected, logs in again and is replayed, all inside the call.

use auth_runtime::Session;
use auth_sim::{Sim, crmcom};
use typed_client_example::api::ClientInfo as _;
use typed_client_example::{CrmCom, api::types::NewContact, client};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Sim::start().await;
    let server = format!("{}{}", sim.base_url(), crmcom::PREFIX);
    println!("CRM.COM simulator listening at {server}");

    let credentials = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password(crmcom::PASSWORD)
        .build();
    let session = Session::new(CrmCom::new(&server), credentials)?;
    let crm = client(session, &server);

    // Typed calls: no token in sight; the session logs in on the first one.
    let contacts = crm.list_contacts().await?.into_inner();
    let names: Vec<String> = contacts
        .data
        .iter()
        .flat_map(|page| &page.contacts)
        .map(|c| {
            format!(
                "{} {}",
                c.first_name.as_deref().unwrap_or(""),
                c.last_name.as_deref().unwrap_or("")
            )
        })
        .collect();
    println!("list_contacts -> {}: {names:?}", contacts.status.code);
    let created = crm
        .create_contact(&NewContact {
            name: "Ada Lovelace".into(),
        })
        .await?
        .into_inner();
    let id = created.data.map(|c| c.id).unwrap_or_default();
    println!("create_contact -> {}: id {id}", created.status.code);
    let logins = sim.crmcom().logins();
    println!("logins so far: {logins} (the second call reused the token)");
    if logins != 1 {
        return Err(format!("expected one login, the simulator saw {logins}").into());
    }

    // The vendor drops every token: the next typed call is rejected (CRM.COM answers
    // HTTP 200 with `INVALID_TOKEN`), logs in again and is replayed, inside the call.
    sim.crmcom().revoke_all();
    println!("the simulator revoked every token");
    let again = crm.list_contacts().await?.into_inner();
    let (logins, rejected) = (sim.crmcom().logins(), sim.crmcom().rejected_api_calls());
    println!(
        "list_contacts -> {} (rejected {rejected} time, logins now {logins})",
        again.status.code
    );
    if (logins, rejected) != (2, 1) || again.status.code != crmcom::OK {
        return Err("expected one rejection answered by one login and a replay".into());
    }

    // The client holds the session: log out through it.
    crm.inner().logout().await?;
    println!(
        "logged out ({} release at the simulator)",
        sim.crmcom().logouts()
    );
    Ok(())
}
