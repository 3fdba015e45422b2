//! `cargo +nightly fuzz run decode_answer_shapes`: the decoders of the answer shapes
//! beyond JSON (a token in a cookie with a text body, a token in a header with its
//! expiry in the body) on arbitrary answers. The first two bytes choose the HTTP
//! status; the bytes up to the first NUL are header lines (`name: value`), the rest is
//! the body.
#![no_main]

use auth_runtime::{HeaderMap, HeaderName, HeaderValue, LoginReply, Provider};
use authgen_downstream::{CookieJar, HeaderToken};
use libfuzzer_sys::fuzz_target;

fn answer(data: &[u8]) -> (u16, HeaderMap, &[u8]) {
    let (status, rest) = match data {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]) % 1000, rest),
        _ => (200, data),
    };
    let (head, body) = match rest.iter().position(|b| *b == 0) {
        Some(nul) => (&rest[..nul], &rest[nul + 1..]),
        None => (&[][..], rest),
    };
    let mut headers = HeaderMap::new();
    for line in head.split(|b| *b == b'\n') {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let value = line[colon + 1..].trim_ascii();
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    (status, headers, body)
}

fn decode<P: Provider>(provider: &P, status: u16, headers: &HeaderMap, body: &[u8]) {
    let reply = LoginReply::new(status, body).with_headers(headers);
    match provider.decode_login(&reply) {
        Ok(login) => {
            use auth_runtime::ExposeSecret as _;
            assert!(!login.token.expose_secret().is_empty());
        }
        Err(error) => {
            let _ = format!("{error} {error:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (status, headers, body) = answer(data);
    decode(&CookieJar::new("http://127.0.0.1:1"), status, &headers, body);
    decode(&HeaderToken::new("http://127.0.0.1:1"), status, &headers, body);
});
