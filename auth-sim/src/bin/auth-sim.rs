//! The vendor simulator as a process of its own, so that separate processes (service
//! replicas sharing a token store, say) can talk to one simulator.
//!
//! ```text
//! cargo run -p auth-sim -- --port 8700
//! ```
//!
//! Listens on 127.0.0.1 only, prints its base URL, and runs until interrupted.

use std::process::ExitCode;

const USAGE: &str = "usage: auth-sim [--port N]   (N = 0 or absent: any free port)";

fn port_from(args: &[String]) -> Result<u16, String> {
    match args {
        [] => Ok(0),
        [flag, port] if flag == "--port" => port
            .parse()
            .map_err(|_| format!("`{port}` is not a port number\n{USAGE}")),
        _ => Err(USAGE.to_owned()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = match port_from(&args) {
        Ok(port) => port,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let sim = auth_sim::Sim::start_on(port).await;
    println!("auth-sim listening at {}", sim.base_url());
    println!(
        "vendors under: /crmcom, /modulus/{{account}}, /currencycloud, /onebox, /cookie-session, \
         /header-token, /oauth2, /csrf-login, /github, /google, /salesforce"
    );
    for index in 0..auth_sim::salesforce::INSTANCES {
        println!(
            "Salesforce instance {index} at {}",
            sim.salesforce().instance_url(index)
        );
    }
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("auth-sim: cannot wait for Ctrl-C: {error}");
        return ExitCode::FAILURE;
    }
    drop(sim);
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_argument() {
        assert_eq!(port_from(&[]), Ok(0));
        assert_eq!(port_from(&["--port".into(), "8700".into()]), Ok(8700));
        assert!(port_from(&["--port".into(), "x".into()]).is_err());
        assert!(port_from(&["8700".into()]).is_err());
    }
}
