// A vendor answering in text: success and each documented failure are conditions on the
// body, written inline (`text, equals = "..."`); the decoder tells them apart. Nested
// constants are written as dotted keys.
use auth_runtime::{LoginReply, Provider, auth_provider};

#[auth_provider(
    vendor = "Texty",
    base = "https://api.example.com",
    login(path = "/login", constants(auth.identity.methods = ["password"])),
    token(header = "X-Token"),
    success(text, equals = "Ok."),
    apply(bearer),
    error(Fails, text, equals = "Fails.", display = "Texty refused the login"),
    error(Locked, status = 423, text, contains = "locked"),
)]
pub struct Texty {
    user: String,
}

fn main() {
    let texty = Texty::new();
    assert!(matches!(
        texty.decode_login(&LoginReply::new(200, b"Fails.")),
        Err(TextyError::Fails {})
    ));
    assert!(matches!(
        texty.decode_login(&LoginReply::new(423, b"account locked")),
        Err(TextyError::Locked {})
    ));
    // Not the error's text: not that error.
    assert!(!matches!(
        texty.decode_login(&LoginReply::new(200, b"Fails. Or not.")),
        Err(TextyError::Fails {})
    ));
    let mut headers = auth_runtime::HeaderMap::new();
    headers.insert("x-token", "t0k3n".parse().expect("a header value"));
    let login = texty.decode_login(&LoginReply::new(200, b"Ok.").with_headers(&headers));
    assert!(login.is_ok(), "{login:?}");

    let request = texty
        .login_request(&Texty::credentials().user("me").build())
        .expect("a request");
    let constant = request
        .fields
        .iter()
        .find(|field| field.path == ["auth", "identity", "methods"]);
    assert!(constant.is_some(), "{:?}", request.fields);
}
