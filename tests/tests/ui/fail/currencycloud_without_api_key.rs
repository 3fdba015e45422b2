use auth_vendors::Currencycloud;

fn main() -> Result<(), auth_runtime::Error> {
    let _credentials = Currencycloud::credentials()
        .login_id("development@currencycloud.com")
        .build()?;
    Ok(())
}
