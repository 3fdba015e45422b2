//! Credentials built at run time (a draft, `from_pairs`, `Deserialize` from TOML and
//! JSON) keep the same rules as the typestate builder, in the same words: every rule of
//! every shipped vendor is broken at run time, and its message compared with the
//! compile-time one pinned in the trybuild `.stderr` files. Every credential form of
//! every shipped vendor loads from configuration and logs in against auth-sim; no
//! secret shows in an error or in `Debug`. (Environment variables: `credentials_env.rs`.)

use std::collections::BTreeSet;

use auth_runtime::credentials::{ProblemKind, Rule};
use auth_runtime::{CredentialsError, DynamicCredentials, Provider, Session};
use auth_sim::{Sim, crmcom, currencycloud as cc, modulus, onebox};
use auth_vendors::crmcom::CrmComCredentials;
use auth_vendors::currencycloud::CurrencycloudCredentials;
use auth_vendors::modulus::{ModulusCredentials, ModulusJwtCredentials};
use auth_vendors::onebox::OneBoxCredentials;
use auth_vendors::{CrmCom, Currencycloud, Modulus, ModulusJwt, OneBox};

/// Every compile-time credential message pinned in the trybuild `.stderr` files.
fn compile_time_messages() -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ui/fail");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("tests/ui/fail") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "stderr") {
            let text = std::fs::read_to_string(&path).expect("stderr");
            out.extend(
                text.lines()
                    .filter_map(|l| l.strip_prefix("error[E0277]: "))
                    .filter(|m| m.contains(" credentials: "))
                    .map(str::to_owned),
            );
        }
    }
    out
}

type Form = &'static [(&'static str, &'static str)];

const CRMCOM_FORMS: &[Form] = &[
    &[
        ("organisation", crmcom::ORGANISATION),
        ("username", crmcom::USERNAME),
        ("password", crmcom::PASSWORD),
    ],
    &[
        ("organisation", crmcom::ORGANISATION),
        ("authentication_code", crmcom::AUTHENTICATION_CODE),
        ("unit", crmcom::UNIT),
    ],
    &[
        ("organisation", crmcom::ORGANISATION),
        ("identifier", crmcom::IDENTIFIER),
        ("pass_code", crmcom::PASS_CODE),
    ],
];
const CURRENCYCLOUD_FORMS: &[Form] = &[&[("login_id", cc::LOGIN_ID), ("api_key", cc::API_KEY)]];
const MODULUS_FORMS: &[Form] = &[&[("app", modulus::APP), ("secret", modulus::SECRET)]];
const MODULUS_JWT_FORMS: &[Form] = &[&[
    ("username", modulus::USERNAME),
    ("password", modulus::PASSWORD),
]];
const ONEBOX_FORMS: &[Form] = &[&[
    ("email", onebox::EMAIL),
    ("password", onebox::PASSWORD),
    ("site_id", onebox::SITE_ID),
]];

/// Names and values that break `rule`, from the vendor's valid `forms`.
fn breaking(names: &[&'static str], rule: &Rule, forms: &[Form]) -> Vec<(&'static str, String)> {
    let has = |form: Form, name: &str| form.iter().any(|(n, _)| *n == name);
    let owned = |form: Form| -> Vec<(&'static str, String)> {
        form.iter().map(|(n, v)| (*n, (*v).to_owned())).collect()
    };
    let field = names[0];
    let find = |want: bool| {
        *forms
            .iter()
            .find(|f| has(f, field) == want)
            .expect("a form with (or without) the rule's field")
    };
    match rule.kind() {
        ProblemKind::GivenTwice => {
            let mut pairs = owned(find(true));
            let again = pairs
                .iter()
                .find(|(n, _)| *n == field)
                .map(|(_, v)| v.clone());
            pairs.push((field, again.unwrap_or_default()));
            pairs
        }
        ProblemKind::Exclusive => {
            let mut pairs = owned(find(false));
            pairs.push((field, "other".to_owned()));
            pairs
        }
        ProblemKind::Mandatory => {
            let mut pairs = owned(find(true));
            pairs.retain(|(n, _)| *n != field);
            pairs
        }
        ProblemKind::Requires => {
            let needs = names[1];
            let mut pairs = owned(find(true));
            pairs.retain(|(n, _)| *n != needs);
            pairs
        }
        ProblemKind::OneOf => {
            let mut pairs = owned(forms[0]);
            pairs.retain(|(n, _)| !names.contains(n));
            pairs
        }
        other => panic!("no case for a rule of kind {other:?}"),
    }
}

/// Breaks every rule of `C` at run time; each message must be a compile-time one, each
/// rule's its own. Returns how many rules were checked.
fn every_rule_in_compile_time_words<C: DynamicCredentials + std::fmt::Debug>(
    forms: &[Form],
    compile_time: &BTreeSet<String>,
) -> usize {
    let table = C::TABLE;
    let mut seen = BTreeSet::new();
    for form in forms {
        C::from_pairs(form.iter().copied()).expect("each valid form builds");
    }
    for rule in table.rules() {
        let names: Vec<&'static str> = rule.fields().map(|i| table.fields()[i].name()).collect();
        let pairs = breaking(&names, rule, forms);
        let error = C::from_pairs(pairs.iter().map(|(n, v)| (*n, v.clone())))
            .expect_err("a broken rule is an error");
        let problem = error
            .problems()
            .iter()
            .find(|p| p.kind() == rule.kind() && p.fields() == names)
            .unwrap_or_else(|| panic!("{rule:?}: not reported in {error}"));
        let message = problem.to_string();
        assert!(
            compile_time.contains(&message),
            "the run-time message {message:?} is no compile-time message; those are {compile_time:#?}"
        );
        if rule.kind() != ProblemKind::Exclusive {
            // Alone, the whole error reads as the compile error.
            assert_eq!(error.problems().len(), 1, "{error}");
            assert_eq!(error.to_string(), message);
        }
        assert!(seen.insert(message), "two rules share a message");
    }
    table.rules().len()
}

#[test]
fn every_rule_of_every_shipped_vendor_reads_as_its_compile_error() {
    let compile_time = compile_time_messages();
    let checked =
        every_rule_in_compile_time_words::<CrmComCredentials>(CRMCOM_FORMS, &compile_time)
            + every_rule_in_compile_time_words::<CurrencycloudCredentials>(
                CURRENCYCLOUD_FORMS,
                &compile_time,
            )
            + every_rule_in_compile_time_words::<ModulusCredentials>(MODULUS_FORMS, &compile_time)
            + every_rule_in_compile_time_words::<ModulusJwtCredentials>(
                MODULUS_JWT_FORMS,
                &compile_time,
            )
            + every_rule_in_compile_time_words::<OneBoxCredentials>(ONEBOX_FORMS, &compile_time);
    // CRM.COM: 7 given twice, 5 exclusive, 1 mandatory, 4 requirements, 1 one_of;
    // Currencycloud, Modulus, ModulusJwt: 2 + 2 each; OneBox: 3 + 3.
    assert_eq!(checked, 18 + 4 + 4 + 4 + 6);
}

#[test]
fn the_draft_keeps_the_rules_of_the_typestate_builder() {
    // CRM.COM's `identifier` without `pass_code`, through the typed setters.
    let error = CrmComCredentials::draft()
        .organisation(crmcom::ORGANISATION)
        .identifier(crmcom::IDENTIFIER)
        .try_build()
        .expect_err("pass_code is missing");
    assert_eq!(
        error.to_string(),
        "CRM.COM credentials: `pass_code` is mandatory when `identifier` is set"
    );
    assert_eq!(error.vendor(), "CRM.COM");
    assert_eq!(error.problems()[0].fields(), ["identifier", "pass_code"]);

    // By wire name, and by field name.
    let credentials = CrmComCredentials::draft()
        .set("organisation", crmcom::ORGANISATION)
        .and_then(|d| d.set("access_token_identifier.identifier", crmcom::IDENTIFIER))
        .and_then(|d| d.set("pass_code", crmcom::PASS_CODE))
        .and_then(|d| d.try_build());
    assert!(credentials.is_ok(), "{credentials:?}");

    // An unknown name at once, with the known ones.
    let error = CrmComCredentials::draft()
        .set("pasword", "1234")
        .expect_err("unknown");
    assert_eq!(
        error.to_string(),
        "CRM.COM credentials: `pasword` is not a credential field; the fields are \
         `organisation`, `username`, `password`, `authentication_code` (or \
         `access_token_identifier.authentication_code`), `identifier` (or \
         `access_token_identifier.identifier`), `pass_code` (or \
         `access_token_identifier.pass_code`), `unit`"
    );
    assert_eq!(error.problems()[0].kind(), ProblemKind::UnknownName);

    // A field under both its names is given twice.
    let error = CrmComCredentials::from_pairs([
        ("organisation", "O"),
        ("authentication_code", "a"),
        ("access_token_identifier.authentication_code", "b"),
    ])
    .expect_err("twice");
    assert_eq!(
        error.to_string(),
        "CRM.COM credentials: `authentication_code` is given twice"
    );

    // Every problem at once, after one prefix.
    let error = CrmComCredentials::draft()
        .username("u")
        .try_build()
        .expect_err("two problems");
    assert_eq!(
        error.to_string(),
        "CRM.COM credentials: `organisation` is mandatory; `password` is mandatory when `username` is set"
    );
}

#[test]
fn formats_are_checked_alike_by_build_try_build_and_configuration() {
    let cases = [
        ("x".repeat(256), cc::API_KEY.to_owned()),
        (cc::LOGIN_ID.to_owned(), cc::API_KEY.to_uppercase()),
        (cc::LOGIN_ID.to_owned(), "abc".to_owned()),
        ("x".repeat(300), "f".repeat(63)),
    ];
    for (login_id, api_key) in cases {
        let typestate = Currencycloud::credentials()
            .login_id(login_id.clone())
            .api_key(api_key.clone())
            .build()
            .expect_err("malformed");
        let draft = CurrencycloudCredentials::draft()
            .login_id(login_id.clone())
            .api_key(api_key.clone())
            .try_build()
            .expect_err("malformed");
        let json = serde_json::json!({ "login_id": login_id, "api_key": api_key }).to_string();
        let from_json = serde_json::from_str::<CurrencycloudCredentials>(&json)
            .expect_err("malformed")
            .to_string();
        assert_eq!(typestate, draft);
        assert!(from_json.starts_with(&typestate.to_string()), "{from_json}");
        assert!(
            typestate
                .problems()
                .iter()
                .all(|p| p.kind() == ProblemKind::Format)
        );
        assert!(!typestate.to_string().contains(&api_key), "{typestate}");
    }
    let error = CurrencycloudCredentials::draft()
        .login_id("x".repeat(256))
        .api_key("abc")
        .try_build()
        .expect_err("both");
    assert_eq!(
        error.to_string(),
        "Currencycloud credentials: `login_id` must be at most 255 characters, not 256; \
         `api_key` must be exactly 64 characters, not 3"
    );
}

/// Logs in once with `credentials`; fails the test otherwise.
async fn logs_in<P: Provider>(provider: P, credentials: P::Credentials)
where
    P::Error: std::fmt::Debug,
{
    let session = Session::new(provider, credentials).expect("session");
    session.token().await.expect("login");
}

fn toml_of(form: Form) -> String {
    form.iter().map(|(n, v)| format!("{n} = {v:?}\n")).collect()
}

fn json_of(form: Form) -> String {
    let map: serde_json::Map<String, serde_json::Value> = form
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).into()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// `C` from `form` as TOML and as JSON, the two equal.
fn from_config<C>(form: Form) -> [C; 2]
where
    C: DynamicCredentials + std::fmt::Debug + serde::de::DeserializeOwned,
{
    let from_toml: C = toml::from_str(&toml_of(form)).expect("TOML");
    let from_json: C = serde_json::from_str(&json_of(form)).expect("JSON");
    assert_eq!(format!("{from_toml:?}"), format!("{from_json:?}"));
    [from_toml, from_json]
}

#[tokio::test]
async fn every_credential_form_loads_from_configuration_and_logs_in() {
    let sim = Sim::start().await;
    let crm = || CrmCom::new(format!("{}{}", sim.base_url(), crmcom::PREFIX));
    for form in CRMCOM_FORMS {
        for credentials in from_config::<CrmComCredentials>(form) {
            logs_in(crm(), credentials).await;
        }
    }
    // Wire names work too (quoted, as dotted keys would nest in TOML); the `one_of`
    // alternative follows from the fields present.
    let wired: CrmComCredentials = toml::from_str(&format!(
        "organisation = {:?}\n\"access_token_identifier.identifier\" = {:?}\n\"access_token_identifier.pass_code\" = {:?}\n",
        crmcom::ORGANISATION,
        crmcom::IDENTIFIER,
        crmcom::PASS_CODE
    ))
    .expect("wire names");
    logs_in(crm(), wired).await;

    let host = format!("{}{}", sim.base_url(), cc::PREFIX);
    for form in CURRENCYCLOUD_FORMS {
        for credentials in from_config::<CurrencycloudCredentials>(form) {
            logs_in(Currencycloud::new(&host), credentials).await;
        }
    }
    let base = format!("{}{}", sim.base_url(), modulus::prefix(modulus::ACCOUNT));
    for form in MODULUS_FORMS {
        for credentials in from_config::<ModulusCredentials>(form) {
            logs_in(
                Modulus::new(modulus::ACCOUNT).with_base_url(&base),
                credentials,
            )
            .await;
        }
    }
    for form in MODULUS_JWT_FORMS {
        for credentials in from_config::<ModulusJwtCredentials>(form) {
            logs_in(
                ModulusJwt::new(modulus::ACCOUNT).with_base_url(&base),
                credentials,
            )
            .await;
        }
    }
    let host = format!("{}{}", sim.base_url(), onebox::PREFIX);
    for form in ONEBOX_FORMS {
        for credentials in from_config::<OneBoxCredentials>(form) {
            logs_in(OneBox::new(&host), credentials).await;
        }
    }
    // OneBox's `site_id` by its wire name, as a number.
    let numeric: OneBoxCredentials = toml::from_str(&format!(
        "email = {:?}\npassword = {:?}\nsiteId = {}\n",
        onebox::EMAIL,
        onebox::PASSWORD,
        onebox::SITE_ID
    ))
    .expect("a number is read as its text");
    logs_in(OneBox::new(&host), numeric).await;
    assert_eq!(sim.crmcom().logins(), 7);
}

/// The configuration error `text` gives for `C`, whatever the source adds around it.
fn toml_error<C: DynamicCredentials + std::fmt::Debug + serde::de::DeserializeOwned>(
    text: &str,
) -> String {
    toml::from_str::<C>(text).expect_err("refused").to_string()
}

#[test]
fn invalid_configuration_says_what_is_wrong_in_the_builders_words() {
    let cases: [(String, &str); 6] = [
        (
            toml_error::<CrmComCredentials>("organisation = \"O\"\n"),
            "CRM.COM credentials: give one of `username` + `password`, `authentication_code`, or `identifier` + `pass_code`",
        ),
        (
            toml_error::<CrmComCredentials>(
                "organisation = \"O\"\nusername = \"u\"\npassword = \"p\"\nauthentication_code = \"c\"\n",
            ),
            "CRM.COM credentials: `authentication_code` cannot be combined with `username` + `password` or `identifier` + `pass_code`",
        ),
        (
            toml_error::<CrmComCredentials>("organisation = \"O\"\nidentifier = \"i\"\n"),
            "CRM.COM credentials: `pass_code` is mandatory when `identifier` is set",
        ),
        (
            toml_error::<OneBoxCredentials>("email = \"e\"\npassword = \"p\"\n"),
            "OneBox credentials: `site_id` is mandatory",
        ),
        (
            toml_error::<ModulusCredentials>("app = \"a\"\nsecret = \"s\"\nsecrett = \"t\"\n"),
            "Modulus credentials: `secrett` is not a credential field; the fields are `app`, `secret`",
        ),
        (
            toml_error::<CurrencycloudCredentials>(&format!(
                "login_id = \"me\"\napi_key = \"{}\"\n",
                "A".repeat(64)
            )),
            "Currencycloud credentials: `api_key` must be lowercase hexadecimal (0-9, a-f)",
        ),
    ];
    for (error, expected) in cases {
        assert!(
            error.contains(expected),
            "{error:?} should say {expected:?}"
        );
    }
    // JSON `null` leaves a field out.
    let error =
        serde_json::from_str::<ModulusJwtCredentials>(r#"{"username": "u", "password": null}"#)
            .expect_err("no password");
    assert!(
        error
            .to_string()
            .starts_with("Modulus credentials: `password` is mandatory"),
        "{error}"
    );
    // Every problem at once: an unknown name and a missing field.
    let error =
        toml_error::<OneBoxCredentials>("email = \"e\"\npasword = \"p\"\nsite_id = \"1\"\n");
    assert!(
        error.contains("OneBox credentials: `pasword` is not a credential field; the fields are `email`, `password`, `site_id` (or `siteId`); `password` is mandatory"),
        "{error}"
    );
}

#[test]
fn secrets_never_show_in_errors_or_debug() {
    const SECRET: &str = "hunter2-very-secret";
    let hex_secret = "ABCDEF".repeat(11); // 66 characters, upper case: two format problems
    let mut shown: Vec<String> = Vec::new();

    // Format problems on a secret, from each way in.
    let typestate = Currencycloud::credentials()
        .login_id("me")
        .api_key(hex_secret.clone())
        .build()
        .expect_err("malformed");
    shown.push(typestate.to_string());
    shown.push(format!("{typestate:?}"));
    let json = serde_json::json!({ "login_id": "me", "api_key": hex_secret }).to_string();
    let error = serde_json::from_str::<CurrencycloudCredentials>(&json).expect_err("malformed");
    shown.push(error.to_string());
    shown.push(format!("{error:?}"));

    // A secret of the wrong type: serde's own message would show it.
    for value in ["true", "3.25", "[\"hunter2-very-secret\"]"] {
        let text = format!("app = \"a\"\nsecret = {value}\n");
        let error = toml::from_str::<ModulusCredentials>(&text).expect_err("not a string");
        assert!(
            error.to_string().contains("`secret`: expected a string"),
            "{error}"
        );
        let shown_value = value.trim_matches(['[', ']', '"']);
        assert!(
            !error.message().contains(shown_value),
            "{}",
            error.message()
        );
    }
    let error = serde_json::from_str::<ModulusCredentials>(r#"{"app": "a", "secret": 3.25}"#)
        .expect_err("not a string");
    assert!(!error.to_string().contains("3.25"), "{error}");

    // Rules broken beside a given secret.
    let error = CrmComCredentials::draft()
        .password(SECRET)
        .authentication_code(SECRET)
        .try_build()
        .expect_err("broken");
    shown.push(error.to_string());
    shown.push(format!("{error:?}"));
    let error = toml::from_str::<CrmComCredentials>(&format!(
        "organisation = \"O\"\npassword = \"{SECRET}\"\npass_code = \"{SECRET}\"\n"
    ))
    .expect_err("broken");
    shown.push(error.to_string());

    // Debug of a draft and of credentials.
    let draft = CrmComCredentials::draft()
        .organisation("O")
        .authentication_code(SECRET);
    shown.push(format!("{draft:?}"));
    let credentials = draft.try_build().expect("valid");
    shown.push(format!("{credentials:?}"));
    let from_toml: CrmComCredentials = toml::from_str(&format!(
        "organisation = \"O\"\nusername = \"u\"\npassword = \"{SECRET}\"\n"
    ))
    .expect("valid");
    shown.push(format!("{from_toml:?}"));

    for text in &shown {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains("ABCDEF"), "{text}");
    }
    // What is shown says what is wrong.
    assert!(
        shown[0].contains("`api_key` must be exactly 64 characters, not 66"),
        "{}",
        shown[0]
    );
}

#[test]
fn configuration_errors_reach_the_runtime_and_vendor_errors() {
    let error: CredentialsError = OneBoxCredentials::draft().try_build().expect_err("empty");
    let runtime = auth_runtime::Error::from(error.clone());
    assert_eq!(runtime.to_string(), error.to_string());
    let vendor = auth_vendors::onebox::OneBoxError::from(error.clone());
    assert_eq!(vendor.to_string(), error.to_string());
}
