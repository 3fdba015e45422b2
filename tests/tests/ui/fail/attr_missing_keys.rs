use auth_runtime::auth_provider;

#[auth_provider(vendor = "Example", base = "ftp://example.com")]
pub struct Example {
    password: String,
}

fn main() {}
