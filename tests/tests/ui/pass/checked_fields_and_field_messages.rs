// Fields with format checks are checked by `build()`, which then returns `Result` (the
// setters stay infallible); error variants may carry
// per-field messages.
use auth_runtime::{Error, FieldMessages, auth_provider};

#[auth_provider(
    vendor = "Checked",
    base = "https://api.example.com",
    login(path = "/v2/authenticate/api", format = "multipart"),
    token = "auth_token",
    apply(header = "X-Auth-Token"),
    expiry(idle = "30m"),
    error(
        InvalidLogin,
        status = 400,
        fields(error_code = "error_code", error_messages = field_messages("error_messages"))
    )
)]
pub struct Checked {
    #[auth(max_length = 255)]
    login_id: String,
    #[auth(secret, length = 64, charset = "lower_hex")]
    api_key: String,
}

fn main() -> Result<(), Error> {
    let _credentials = Checked::credentials()
        .login_id("me@example.com")
        .api_key("1f6a3e944f8c4ebdc6658d6fc1103f12ebbc33f5ed05ca3549fdbc3883556544")
        .build()?;
    let refused = Checked::credentials().login_id("me").api_key("not hex").build();
    assert!(refused.is_err());
    let _error = CheckedError::InvalidLogin { error_code: None, error_messages: FieldMessages::default() };
    Ok(())
}
