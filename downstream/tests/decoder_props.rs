//! Property tests for the decoders of the answer shapes beyond JSON: a token in a
//! cookie (`CookieJar`, with a text body) and in a header (`HeaderToken`, with its
//! expiry in a JSON body). Fed arbitrary statuses, headers and bodies, biased to the
//! vendors' own words and near misses, a decoder never panics, what it returns can be
//! shown, and a token it returns is exactly where the description says. The same
//! decoders are fuzzed in `fuzz/` (`decode_answer_shapes`).

use auth_runtime::{ExposeSecret as _, HeaderMap, LoginReply, Provider};
use authgen_downstream::{CookieJar, HeaderToken};
use proptest::prelude::*;

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        prop::sample::select(vec![200u16, 201, 204, 400, 401, 404, 429, 440, 500]),
        0u16..=999,
    ]
}

/// Header values: cookies with and without attributes, tokens, and arbitrary text.
fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        "sid=[ -~]{0,20}",
        "sid=[a-f0-9]{1,32}; Max-Age=-?[0-9]{1,12}(; Path=/)?(; HttpOnly)?",
        "sid=[a-f0-9]{1,32}; Expires=[A-Za-z]{3}, [0-9]{2} [A-Za-z]{3} [0-9]{4} [0-9:]{8} GMT",
        "(lang|sid|SID)=[ -~]{0,10}",
        "[a-f0-9]{1,48}",
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("set-cookie".to_owned()),
        Just("x-subject-token".to_owned()),
        Just("content-type".to_owned()),
        "[a-z-]{1,12}",
    ];
    prop::collection::vec((name, header_value()), 0..6)
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        prop::sample::select(vec![
            "OK".to_owned(),
            " OK \n".to_owned(),
            "DENIED: unknown user or wrong password".to_owned(),
            "ERROR: user and password are required".to_owned(),
            String::new(),
        ])
        .prop_map(String::into_bytes),
        (
            "[ -~]{0,30}",
            "[a-z.]{0,12}",
            prop::sample::select(vec!["token", "error", "data"])
        )
            .prop_map(|(expires, message, key)| {
                serde_json::json!({
                    key: {"expires_at": expires, "user": {"name": message}, "message": message}
                })
                .to_string()
                .into_bytes()
            }),
    ]
}

fn header_map(pairs: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) = (
            name.parse::<auth_runtime::HeaderName>(),
            value.parse::<auth_runtime::HeaderValue>(),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// The value of the last `sid` cookie the answer sets, as a browser would keep it.
fn last_sid(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .rev()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let pair = v.split(';').next()?;
            let (name, value) = pair.split_once('=')?;
            (name.trim() == "sid").then(|| value.trim().to_owned())
        })
}

fn decode<P: Provider>(
    provider: &P,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<String> {
    let reply = LoginReply::new(status, body).with_headers(headers);
    match provider.decode_login(&reply) {
        Ok(login) => {
            let token = login.token.expose_secret().to_owned();
            assert!(!token.is_empty());
            Some(token)
        }
        Err(error) => {
            assert!(!format!("{error} {error:?}").is_empty());
            None
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_cookie_token_is_the_sid_cookie_and_only_on_an_ok_answer(
        status in status(),
        pairs in headers(),
        body in body(),
    ) {
        let headers = header_map(&pairs);
        let provider = CookieJar::new("http://127.0.0.1:1");
        if let Some(token) = decode(&provider, status, &headers, &body) {
            prop_assert!((200..300).contains(&status));
            prop_assert_eq!(std::str::from_utf8(&body).map(str::trim), Ok("OK"));
            prop_assert_eq!(Some(token), last_sid(&headers));
        }
    }

    #[test]
    fn a_header_token_is_the_subject_token_header(
        status in status(),
        pairs in headers(),
        body in body(),
    ) {
        let headers = header_map(&pairs);
        let provider = HeaderToken::new("http://127.0.0.1:1");
        if let Some(token) = decode(&provider, status, &headers, &body) {
            prop_assert!((200..300).contains(&status));
            let sent = headers
                .get("x-subject-token")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned());
            prop_assert_eq!(Some(token), sent);
        }
    }
}
