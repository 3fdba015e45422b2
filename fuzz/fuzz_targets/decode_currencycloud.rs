//! `cargo +nightly fuzz run decode_currencycloud`: the login decoder (success and documented
//! errors) on arbitrary bytes; the first two bytes choose the HTTP status.
#![no_main]

use auth_runtime::{LoginReply, Provider as _};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]) % 1000, rest),
        _ => (200, data),
    };
    let provider = auth_vendors::Currencycloud::new("http://127.0.0.1:1");
    match provider.decode_login(&LoginReply::new(status, body)) {
        Ok(login) => {
            use auth_runtime::ExposeSecret as _;
            assert!(!login.token.expose_secret().is_empty());
        }
        Err(error) => {
            let _ = format!("{error} {error:?}");
        }
    }
});
