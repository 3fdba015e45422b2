//! Each vendor's decoder on the exact responses its document shows.

use auth_runtime::{Error, ExposeSecret, LoginReply, Provider};
use auth_vendors::crmcom::CrmComError;
use auth_vendors::currencycloud::{self, CurrencycloudError};
use auth_vendors::modulus::{ModulusError, ModulusJwtError};
use auth_vendors::onebox::OneBoxError;
use auth_vendors::{CrmCom, Currencycloud, Modulus, ModulusJwt, OneBox};

#[test]
fn crmcom_success_and_refusal() {
    let provider = CrmCom::new("https://crm.example.com");
    let body = br#"{"status":{"code":"OK","message":null,"description":null},"data":{"token":"4AD9C84FA60F9FE407140E20F707726A"}}"#;
    let login = provider
        .decode_login(&LoginReply::new(200, body))
        .expect("success");
    assert_eq!(
        login.token.expose_secret(),
        "4AD9C84FA60F9FE407140E20F707726A"
    );

    let body = br#"{"status":{"code":"INVALID_LOGIN","message":"Wrong password","description":""},"data":null}"#;
    match provider.decode_login(&LoginReply::new(200, body)) {
        Err(CrmComError::Rejected {
            code,
            message,
            description,
        }) => {
            assert_eq!(code.as_deref(), Some("INVALID_LOGIN"));
            assert_eq!(message.as_deref(), Some("Wrong password"));
            assert_eq!(description, None, "empty strings are tolerated as absent");
        }
        other => panic!("{other:?}"),
    }
    // An OK status without a token is a decoding error whose excerpt masks strings.
    let body = br#"{"status":{"code":"OK"},"data":{"tokens":"4AD9C84FA60F9FE407140E20F707726A"}}"#;
    let error = provider
        .decode_login(&LoginReply::new(200, body))
        .expect_err("no token");
    assert!(
        matches!(error, CrmComError::Runtime(Error::Decode { .. })),
        "{error:?}"
    );
    assert!(!error.to_string().contains("4AD9"), "{error}");
}

#[test]
fn modulus_documented_bodies() {
    let provider = Modulus::new("your_account");
    let body = br#"{"result": true, "title": "Success", "message": "Authentication succeeded.",
        "object": {"token": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "app_id": "XXX", "ip": "X.X.X.X"}}"#;
    let login = provider
        .decode_login(&LoginReply::new(200, body))
        .expect("success");
    assert_eq!(
        login.token.expose_secret(),
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    );
    assert_eq!(login.response.app_id.as_deref(), Some("XXX"));
    assert_eq!(login.response.ip.as_deref(), Some("X.X.X.X"));

    let body = br#"{"result": false, "title": "Bad Request", "message": "Missing one or more of parameters account, app, secret.", "object": null}"#;
    match provider.decode_login(&LoginReply::new(400, body)) {
        Err(ModulusError::BadRequest { title, message }) => {
            assert_eq!(title.as_deref(), Some("Bad Request"));
            assert_eq!(
                message.as_deref(),
                Some("Missing one or more of parameters account, app, secret.")
            );
        }
        other => panic!("{other:?}"),
    }
    let body = br#"{"result": false, "title": "Unauthorized", "message": "Authentication failed.", "object": null}"#;
    let error = provider
        .decode_login(&LoginReply::new(401, body))
        .expect_err("refused");
    assert!(matches!(error, ModulusError::Unauthorized { .. }));
    assert_eq!(
        error.to_string(),
        "Modulus refused the login: authentication failed (title: Unauthorized, message: Authentication failed.)"
    );

    let jwt = ModulusJwt::new("your_account");
    let body = br#"{"result": true, "title": "Success", "message": "ok", "object": "eyJ.eyJ.sig"}"#;
    assert_eq!(
        jwt.decode_login(&LoginReply::new(200, body))
            .expect("success")
            .token
            .expose_secret(),
        "eyJ.eyJ.sig"
    );
    assert!(matches!(
        jwt.decode_login(&LoginReply::new(401, b"{\"result\":false}")),
        Err(ModulusJwtError::Unauthorized { .. })
    ));
}

#[test]
fn currencycloud_documented_bodies() {
    let provider = Currencycloud::new(currencycloud::DEMO);
    let login = provider
        .decode_login(&LoginReply::new(
            200,
            br#"{"auth_token": "ea6d13c7bc50feb46cf978d137bc01a2"}"#,
        ))
        .expect("success");
    assert_eq!(
        login.token.expose_secret(),
        "ea6d13c7bc50feb46cf978d137bc01a2"
    );

    let body = br#"{"error_code": "auth_failed", "error_messages": {"username": [{"code": "invalid_supplied_credentials",
        "message": "Authentication failed with the supplied credentials", "params": {}}]}}"#;
    match provider.decode_login(&LoginReply::new(401, body)) {
        Err(CurrencycloudError::AuthFailed {
            error_code,
            error_messages,
        }) => {
            assert_eq!(error_code.as_deref(), Some("auth_failed"));
            assert_eq!(
                error_messages.get("username")[0].code.as_deref(),
                Some("invalid_supplied_credentials")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        provider.decode_login(&LoginReply::new(429, b"{}")),
        Err(CurrencycloudError::TooManyRequests { .. })
    ));
    assert!(matches!(
        provider.decode_login(&LoginReply::new(503, b"<html>down</html>")),
        Err(CurrencycloudError::Unavailable { .. })
    ));
    assert!(matches!(
        provider.decode_login(&LoginReply::new(502, b"<html>bad gateway</html>")),
        Err(CurrencycloudError::Runtime(Error::UnexpectedStatus {
            status: 502,
            ..
        }))
    ));
}

#[test]
fn currencycloud_checks_credentials_in_build() {
    let key = "1f6a3e944f8c4ebdc6658d6fc1103f12ebbc33f5ed05ca3549fdbc3883556544";
    let built = Currencycloud::credentials()
        .login_id("development@currencycloud.com")
        .api_key(key)
        .build();
    assert!(built.is_ok());
    let error = Currencycloud::credentials()
        .login_id("x".repeat(256))
        .api_key(key)
        .build()
        .expect_err("too long");
    assert_eq!(
        error.to_string(),
        "Currencycloud credentials: `login_id` must be at most 255 characters, not 256"
    );
    let error = Currencycloud::credentials()
        .login_id("me")
        .api_key(key.to_uppercase())
        .build()
        .expect_err("upper case");
    assert_eq!(
        error.to_string(),
        "Currencycloud credentials: `api_key` must be lowercase hexadecimal (0-9, a-f)"
    );
    assert!(!error.to_string().contains(&key.to_uppercase()));
    // Both at once: every problem, after one prefix.
    let error = Currencycloud::credentials()
        .login_id("x".repeat(256))
        .api_key("abc")
        .build()
        .expect_err("both");
    assert_eq!(
        error.to_string(),
        "Currencycloud credentials: `login_id` must be at most 255 characters, not 256; \
         `api_key` must be exactly 64 characters, not 3"
    );
}

#[test]
fn onebox_documented_bodies() {
    let provider = OneBox::new("https://cloud.onebox.co.id");
    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJvbmVjbG91ZC5jaXB0YWRyYXNvZnQubmV0Iiwic3ViIjoiNTUiLCJleHAiOjE1Nzg5ODU3ODAsIm5iZiI6MTU3ODk4NDg4MCwiaWF0IjoxNTc4OTg0ODgwLCJqdGkiOiJwYkpHSk5sXC9RVUppNEVLSFd1dFwvQk9cL0pneG9QZ2c3YlQ2UWZaNVAwT0swPSIsInNpZCI6IjE2OSJ9.W0R0qxWHU25sqeMObsLiFWT5WKkL-Oeae-yc4BlYZX8";
    let body =
        format!(r#"{{"response_code": "200", "response_status": "Success", "token": "{token}"}}"#);
    let login = provider
        .decode_login(&LoginReply::new(200, body.as_bytes()))
        .expect("success");
    assert_eq!(login.token.expose_secret(), token);
    assert_eq!(login.response.response_status.as_deref(), Some("Success"));

    for error_code in [r#""401""#, "401"] {
        let body = format!(
            r#"{{"_meta": {{"status": "ERROR", "count": 1}}, "records": {{"errorCode": {error_code},
            "userMessage": "you are not authorized to log into this site 1691", "devMessage": "", "more": "",
            "applicationCode": null}}}}"#
        );
        match provider.decode_login(&LoginReply::new(401, body.as_bytes())) {
            Err(OneBoxError::Unauthorized {
                error_code,
                user_message,
                application_code,
                ..
            }) => {
                assert_eq!(error_code.as_deref(), Some("401"));
                assert!(user_message.is_some_and(|m| m.contains("site 1691")));
                assert_eq!(application_code, None);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn login_requests_use_each_vendors_wire_format() {
    use auth_runtime::{WireFormat, WireValue};
    let credentials = CrmCom::credentials()
        .organisation("CRMDEMO")
        .identifier("id")
        .pass_code("pc")
        .build();
    let request = CrmCom::new("https://crm.example.com")
        .login_request(&credentials)
        .expect("request");
    assert_eq!(
        request.url.as_str(),
        "https://crm.example.com/crmapi/rest/v2/authentication/token"
    );
    assert_eq!(request.format, WireFormat::Json);
    let paths: Vec<_> = request.fields.iter().map(|f| f.path.join(".")).collect();
    assert_eq!(
        paths,
        [
            "organisation",
            "access_token_identifier.identifier",
            "access_token_identifier.pass_code"
        ]
    );
    assert!(matches!(request.fields[2].value, WireValue::Secret(_)));
    assert!(!format!("{request:?}").contains("\"pc\""));

    let credentials = Modulus::credentials().app("app").secret("s").build();
    let request = Modulus::new("acme")
        .login_request(&credentials)
        .expect("request");
    assert_eq!(
        request.url.as_str(),
        "https://acme.modulus.biz/api/cmn/Authenticate"
    );
    assert_eq!(request.format, WireFormat::Form);

    let request = Modulus::new("acme")
        .with_base_url("http://10.0.0.1")
        .login_request(&credentials);
    assert!(request.is_err(), "plain http off loopback is refused");
}

#[test]
fn crmcom_reports_only_its_own_envelope_as_a_refusal() {
    let provider = CrmCom::new("https://crm.example.com");
    let error = provider
        .decode_login(&LoginReply::new(500, b"<html>Internal Server Error</html>"))
        .expect_err("500");
    assert!(
        matches!(
            error,
            CrmComError::Runtime(Error::UnexpectedStatus { status: 500, .. })
        ),
        "{error:?}"
    );
    let error = provider
        .decode_login(&LoginReply::new(429, b""))
        .expect_err("429");
    assert!(
        matches!(error, CrmComError::Runtime(Error::RateLimited { .. })),
        "{error:?}"
    );
    let error = provider
        .decode_login(&LoginReply::new(200, br#"{"status":{"code":"OK"},"da"#))
        .expect_err("cut off");
    assert!(
        matches!(error, CrmComError::Runtime(Error::Decode { .. })),
        "{error:?}"
    );
}

#[test]
fn decoders_read_the_headers_of_the_answer() {
    // An undocumented 429 is the shared rate limit, with the wait the vendor asked for.
    let mut headers = auth_runtime::HeaderMap::new();
    headers.insert("retry-after", "120".parse().expect("header"));
    let reply = LoginReply::new(429, b"").with_headers(&headers);
    for error in [
        CrmCom::new("https://crm.example.com")
            .decode_login(&reply)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        OneBox::new("https://onebox.example.com")
            .decode_login(&reply)
            .map(|_| ())
            .map_err(|e| e.to_string()),
    ] {
        let error = error.expect_err("rate limited");
        assert!(error.contains("retry after 120 s"), "{error}");
    }
    let error = OneBox::new("https://onebox.example.com")
        .decode_login(&LoginReply::new(429, b""))
        .expect_err("429");
    assert!(
        matches!(
            error,
            OneBoxError::Runtime(Error::RateLimited {
                retry_after: None,
                ..
            })
        ),
        "{error:?}"
    );
}
