//! Quickstart: clients for the four vendors authgen ships, against the in-process
//! vendor simulator.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! No network and no setup: `auth_sim::Sim` serves each vendor's token endpoint on
//! 127.0.0.1, as the vendor documents it.

use auth_runtime::{Provider, Session};
use auth_sim::{Sim, crmcom, currencycloud, modulus, onebox};
use auth_vendors::crmcom::CrmComError;
use auth_vendors::{CrmCom, Currencycloud, Modulus, OneBox};
use reqwest::Method;

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let sim = Sim::start().await;
    println!("vendor simulator at {}\n", sim.base_url());
    crm_com(&sim).await?;
    modulus(&sim).await?;
    currencycloud(&sim).await?;
    onebox(&sim).await?;
    Ok(())
}

/// Calls `base` + `path` twice through `session` and says what happened.
async fn call_twice<P: Provider>(
    session: &Session<P>,
    base: &str,
    path: &str,
) -> Result<(), Failure> {
    for call in 1..=2 {
        let url = format!("{base}{path}");
        let response = session.send(session.request(Method::GET, url)).await?;
        println!("  call {call}: GET {path} -> HTTP {}", response.status());
    }
    Ok(())
}

async fn crm_com(sim: &Sim) -> Result<(), Failure> {
    println!("CRM.COM (token as query parameter or JSON body field, 1 h)");
    let server = format!("{}{}", sim.base_url(), crmcom::PREFIX);
    // Checked at compile time: leave out `.password(...)` and this does not compile
    // ("CRM.COM credentials: `password` is mandatory when `username` is set").
    let credentials = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password(crmcom::PASSWORD)
        .build();
    println!("  {credentials:?}");
    let session = Session::new(CrmCom::new(&server), credentials)?;
    call_twice(&session, &server, crmcom::CONTACTS_LIST_PATH).await?;
    println!(
        "  logins: {} (the second call reused the cached token)",
        sim.crmcom().logins()
    );

    let wrong = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password("not-the-password")
        .build();
    match Session::new(CrmCom::new(&server), wrong)?.token().await {
        Err(error @ CrmComError::Rejected { .. }) => println!("  wrong password -> {error}"),
        Err(other) => return Err(other.into()),
        Ok(_) => return Err("the simulator accepted a wrong password".into()),
    }
    session.logout().await?;
    println!("  logged out: {} token released\n", sim.crmcom().logouts());
    Ok(())
}

async fn modulus(sim: &Sim) -> Result<(), Failure> {
    println!("Modulus (form login, Bearer, 15 min from creation)");
    let base = format!("{}{}", sim.base_url(), modulus::prefix(modulus::ACCOUNT));
    let credentials = Modulus::credentials()
        .app(modulus::APP)
        .secret(modulus::SECRET)
        .build();
    let provider = Modulus::new(modulus::ACCOUNT).with_base_url(&base);
    let session = Session::new(provider, credentials)?;
    call_twice(&session, &base, modulus::BALANCE_PATH).await?;
    if let Some(login) = session.login_response() {
        println!("  app_id {:?}, ip {:?}", login.app_id, login.ip);
    }
    println!("  logins: {}\n", sim.modulus().logins());
    Ok(())
}

async fn currencycloud(sim: &Sim) -> Result<(), Failure> {
    println!("Currencycloud (multipart login, X-Auth-Token, 30 min of inactivity)");
    let host = format!("{}{}", sim.base_url(), currencycloud::PREFIX);
    // `build()` checks the form of `api_key`: 64 lowercase hex characters.
    match Currencycloud::credentials()
        .login_id(currencycloud::LOGIN_ID)
        .api_key("NOT-HEX")
        .build()
    {
        Err(error) => println!("  malformed key -> {error}"),
        Ok(_) => return Err("a malformed API key was accepted".into()),
    }
    let credentials = Currencycloud::credentials()
        .login_id(currencycloud::LOGIN_ID)
        .api_key(currencycloud::API_KEY)
        .build()?;
    let session = Session::new(Currencycloud::new(&host), credentials)?;
    call_twice(&session, &host, currencycloud::BALANCES_PATH).await?;
    session.logout().await?;
    println!(
        "  logins: {}, sessions closed: {}\n",
        sim.currencycloud().logins(),
        sim.currencycloud().logouts()
    );
    Ok(())
}

async fn onebox(sim: &Sim) -> Result<(), Failure> {
    println!("OneBox (JWT, expiry from its exp claim, Bearer)");
    let host = format!("{}{}", sim.base_url(), onebox::PREFIX);
    let credentials = OneBox::credentials()
        .email(onebox::EMAIL)
        .password(onebox::PASSWORD)
        .site_id(onebox::SITE_ID)
        .build();
    let session = Session::new(OneBox::new(&host), credentials)?;
    call_twice(&session, &host, onebox::LIST_PATH).await?;
    println!("  logins: {}", sim.onebox().logins());
    Ok(())
}
