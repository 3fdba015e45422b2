//! Property tests: every vendor's login decoder (`Provider::decode_login`, which reads
//! both the success response and the documented error responses) fed arbitrary bytes
//! and arbitrary JSON under any status never panics, and what it returns can be shown.
//! The same decoders are fuzzed in `fuzz/` (see RELIABILITY.md).

use auth_runtime::{LoginReply, Provider};
use auth_vendors::{CrmCom, Currencycloud, Modulus, ModulusJwt, OneBox};
use proptest::prelude::*;
use serde_json::Value;

/// Decodes `body` with every vendor; each result must be printable, and a token, when
/// there is one, non-empty.
fn decode_all(status: u16, body: &[u8]) {
    fn check<P: Provider>(provider: &P, status: u16, body: &[u8]) {
        match provider.decode_login(&LoginReply::new(status, body)) {
            Ok(login) => {
                use auth_runtime::ExposeSecret as _;
                assert!(!login.token.expose_secret().is_empty());
            }
            Err(error) => {
                let shown = format!("{error} {error:?}");
                assert!(!shown.is_empty());
            }
        }
    }
    check(&CrmCom::new("http://127.0.0.1:1"), status, body);
    check(
        &Modulus::new("demo").with_base_url("http://127.0.0.1:1"),
        status,
        body,
    );
    check(
        &ModulusJwt::new("demo").with_base_url("http://127.0.0.1:1"),
        status,
        body,
    );
    check(&Currencycloud::new("http://127.0.0.1:1"), status, body);
    check(&OneBox::new("http://127.0.0.1:1"), status, body);
    let _ = auth_runtime::excerpt(body);
}

/// Statuses the vendors document, and any other.
fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        prop::sample::select(vec![
            200u16, 201, 204, 400, 401, 403, 404, 429, 500, 502, 503
        ]),
        0u16..=999,
    ]
}

/// Keys and string values from the vendors' documents, so that arbitrary JSON often
/// takes the documented shapes (and their near misses).
const KEYS: &[&str] = &[
    "status",
    "code",
    "message",
    "description",
    "data",
    "token",
    "result",
    "title",
    "object",
    "app_id",
    "ip",
    "auth_token",
    "error_code",
    "error_messages",
    "params",
    "response_code",
    "response_status",
    "_meta",
    "records",
    "errorCode",
    "userMessage",
    "devMessage",
    "more",
    "applicationCode",
    "base",
    "username",
    "login_id",
    "api_key",
];
const WORDS: &[&str] = &[
    "OK",
    "true",
    "false",
    "Success",
    "ERROR",
    "",
    "auth_failed",
    "too_many_requests",
    "INVALID_LOGIN",
    "200",
    "401",
    "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE1Nzg5ODU3ODB9.x",
    "a.b.c",
    "\u{0}",
    "é\u{301}",
    "🦀",
];

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        let key = prop_oneof![prop::sample::select(KEYS).prop_map(str::to_owned), ".{0,8}"];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(status in status(), body in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_all(status, &body);
    }

    #[test]
    fn arbitrary_json_never_panics(status in status(), value in json()) {
        decode_all(status, value.to_string().as_bytes());
    }

    #[test]
    fn truncated_json_never_panics(status in status(), value in json(), cut in any::<prop::sample::Index>()) {
        let text = value.to_string();
        let bytes = text.as_bytes();
        decode_all(status, &bytes[..cut.index(bytes.len() + 1)]);
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    for depth in [100, 1_000, 100_000] {
        let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        decode_all(200, body.as_bytes());
        let body = format!("{}1{}", "{\"data\":".repeat(depth), "}".repeat(depth));
        decode_all(200, body.as_bytes());
    }
}
