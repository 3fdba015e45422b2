// An API base named without the hosts it may be on, with a pattern that is no host
// pattern, and with nowhere to look: each one error at its place.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Salesforce",
    base = "{login}",
    login(path = "/services/oauth2/token"),
    oauth2(grant = "password"),
    api_base(path = "instance_url"),
)]
pub struct NoHosts {
    client_id: String,
    username: String,
    password: String,
}

#[auth_provider(
    vendor = "Salesforce",
    base = "{login}",
    login(path = "/services/oauth2/token"),
    oauth2(grant = "password"),
    api_base(path = "instance_url", hosts = ["https://*.salesforce.com", "*.com", "eu.salesforce.com"]),
)]
pub struct BadPatterns {
    client_id: String,
    username: String,
    password: String,
}

#[auth_provider(
    vendor = "Salesforce",
    base = "{login}",
    login(path = "/services/oauth2/token"),
    oauth2(grant = "password"),
    api_base(hosts = "*.my.salesforce.com"),
)]
pub struct NowhereToLook {
    client_id: String,
    username: String,
    password: String,
}

fn main() {}
