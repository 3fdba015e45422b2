//! Mistakes in a spec file are reported as `file:line:col`, at the key or value at
//! fault, with the attribute's wording and "did you mean" suggestions; every problem at
//! once. The messages are pinned here.

use auth_codegen::{SpecErrors, SpecFile};

fn problems(name: &str, text: &str) -> SpecErrors {
    match SpecFile::new(name, text).provider() {
        Ok(provider) => panic!("{name} should be refused, got {}", provider.ident),
        Err(errors) => errors,
    }
}

fn fixture(name: &str) -> SpecErrors {
    let path = format!("{}/tests/specs/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    problems(&format!("tests/specs/{name}"), &text)
}

fn short(errors: &SpecErrors) -> Vec<String> {
    errors.diagnostics.iter().map(|d| d.short()).collect()
}

#[test]
fn a_misspelled_key_is_reported_at_its_place_with_a_suggestion() {
    let errors = fixture("typo_key.toml");
    assert_eq!(
        errors.to_string(),
        r#"error: unknown key `fromat` in `login`; did you mean `format`?
       expected one of: `path`, `method`, `format`, `headers`, `constants`, `query`, `apply`
 --> tests/specs/typo_key.toml:4:28
  |
4 | login = { path = "/login", fromat = "json" }
  |                            ^^^^^^

error: unknown key `tokn` in the spec; did you mean `token`?
       expected one of: `name`, `doc`, `visibility`, `vendor`, `base`, `login`, `logout`, `keepalive`, `step`, `computed`, `token`, `success`, `rejected`, `apply`, `oauth2`, `expiry`, `one_of`, `response`, `fields`, `error`, `api_base`, `error_fields`
 --> tests/specs/typo_key.toml:5:1
  |
5 | tokn = "token"
  | ^^^^

error: unknown key `secert` in `[fields.password]`; did you mean `secret`?
       expected one of: `doc`, `optional`, `secret`, `rename`, `requires`, `max_length`, `length`, `charset`, `basic`, `query`
  --> tests/specs/typo_key.toml:10:1
   |
10 | secert = true
   | ^^^^^^"#
    );
}

#[test]
fn a_rule_naming_a_missing_field_is_reported_at_the_name() {
    let errors = fixture("rule_unknown_field.toml");
    assert_eq!(
        short(&errors),
        [
            "tests/specs/rule_unknown_field.toml:7:24: no credential field named `pasword`; did you mean `password`?",
            "tests/specs/rule_unknown_field.toml:15:12: no credential field named `usernme`; did you mean `username`?",
        ]
    );
    assert_eq!(
        errors.diagnostics[1].to_string(),
        r#"error: no credential field named `usernme`; did you mean `username`?
  --> tests/specs/rule_unknown_field.toml:15:12
   |
15 | requires = "usernme"
   |            ^^^^^^^^^"#
    );
}

#[test]
fn a_bad_url_template_is_reported_at_the_template() {
    let errors = fixture("bad_url_template.toml");
    assert_eq!(
        short(&errors),
        [
            "tests/specs/bad_url_template.toml:3:8: unclosed `{` in URL template `https://{tenant.example.com`",
            "tests/specs/bad_url_template.toml:4:18: `{tenant}`: placeholders go in `base` (e.g. `base = \"https://{tenant}.example.com\"`), not in paths",
        ]
    );
    assert_eq!(
        errors.diagnostics[0].to_string(),
        r#"error: unclosed `{` in URL template `https://{tenant.example.com`
 --> tests/specs/bad_url_template.toml:3:8
  |
3 | base = "https://{tenant.example.com"
  |        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"#
    );
}

#[test]
fn missing_keys_are_named_with_an_example() {
    let errors = problems("x.toml", "vendor = \"Example\"\n");
    assert_eq!(
        short(&errors),
        [
            "x.toml:1:1: the spec needs `name`, e.g. `name = \"CrmCom\"`",
            "x.toml:1:1: the spec needs `base`, e.g. `base = \"{server}\"`",
            "x.toml:1:1: the spec needs `login`, e.g. `login = { path = \"/api/authenticate\", format = \"json\" }`",
            "x.toml:1:1: the spec needs `token`, e.g. `token = \"data.token\"`",
            "x.toml:1:1: the spec needs `apply`, e.g. `apply = { bearer = true }`",
        ]
    );
}

const MINIMAL: &str = r#"name = "Example"
vendor = "Example"
base = "https://api.example.com"
login = { path = "/login" }
token = "token"
apply = { bearer = true }
"#;

#[test]
fn values_of_the_wrong_type_say_what_was_expected() {
    let text = format!(
        "{MINIMAL}expiry = {{ idle = 30 }}\n\n[fields.api_key]\nsecret = \"yes\"\nmax_length = 0\ncharset = \"lowerhex\"\n"
    );
    let errors = problems("x.toml", &text);
    assert_eq!(
        short(&errors),
        [
            "x.toml:7:19: `expiry.idle` must be a string, not an integer",
            "x.toml:10:10: `fields.api_key.secret` must be `true` or `false`, not a string",
            "x.toml:11:14: `fields.api_key.max_length` must be a number of characters, at least 1, not `0`",
            "x.toml:12:11: unknown charset `lowerhex`; did you mean `lower_hex`?; expected one of: lower_hex, hex, digits",
        ]
    );
}

#[test]
fn errors_need_a_name_and_a_valid_status() {
    let text =
        format!("{MINIMAL}\n[[error]]\nstatus = 42\n\n[[error]]\nname = \"Locked\"\nstaus = 423\n");
    let errors = problems("x.toml", &text);
    let short = short(&errors);
    assert_eq!(short.len(), 3, "{short:#?}");
    assert_eq!(
        short[0],
        "x.toml:9:10: `error[0].status` must be an HTTP status code, a whole number from 100 to 599, not `42`"
    );
    assert_eq!(
        short[1],
        "x.toml:8:1: an `[[error]]` needs `name`, e.g. `name = \"Rejected\"`"
    );
    assert!(
        short[2].starts_with(
            "x.toml:13:1: unknown key `staus` in an `[[error]]`; did you mean `status`?"
        ),
        "{}",
        short[2]
    );
}

#[test]
fn toml_syntax_errors_are_located_too() {
    let errors = problems("x.toml", "name = \"Example\nvendor = 1\n");
    let short = short(&errors);
    assert!(!short.is_empty());
    assert!(short[0].starts_with("x.toml:1:"), "{short:?}");
    assert!(short[0].contains("invalid TOML"), "{short:?}");
}

#[test]
fn the_runtime_path_is_not_part_of_a_spec() {
    let errors = problems("x.toml", &format!("{MINIMAL}crate = \"::x\"\n"));
    assert_eq!(errors.diagnostics.len(), 1);
    assert!(errors.diagnostics[0].short().starts_with(
        "x.toml:7:1: `crate` is not part of a spec file: set it with `Builder::runtime_crate`"
    ));
}

#[test]
fn a_minimal_spec_is_accepted_and_fields_keep_their_order() {
    let text = format!(
        "{MINIMAL}one_of = [[\"b\"], \"a\"]\n[fields.z]\n[fields.b]\noptional = true\n[fields.a]\noptional = true\n"
    );
    let provider = SpecFile::new("x.toml", text)
        .provider()
        .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = provider
        .fields
        .iter()
        .map(|f| f.ident.to_string())
        .collect();
    assert_eq!(names, ["z", "b", "a"]);
}

#[test]
fn error_fields_go_to_every_case_and_a_case_may_replace_one() {
    let text = format!(
        "{MINIMAL}\n[error_fields]\ncode = \"error.code\"\nmessages = {{ field_messages = \"error.messages\" }}\n\n\
         [[error]]\nname = \"Refused\"\nstatus = 401\n\n\
         [[error]]\nname = \"Odd\"\nstatus = 400\nfields = {{ code = \"odd_code\", hint = \"hint\" }}\n"
    );
    let provider = SpecFile::new("x.toml", text)
        .provider()
        .unwrap_or_else(|e| panic!("{e}"));
    let fields = |case: usize| -> Vec<String> {
        provider.errors[case]
            .fields
            .iter()
            .map(|f| format!("{}={}", f.ident, f.path.dotted()))
            .collect()
    };
    assert_eq!(fields(0), ["code=error.code", "messages=error.messages"]);
    // The case's own `code` replaces the shared one; its own fields follow the shared.
    assert_eq!(
        fields(1),
        ["messages=error.messages", "code=odd_code", "hint=hint"]
    );
}

#[test]
fn error_fields_without_an_error_case_are_refused() {
    let errors = problems(
        "x.toml",
        &format!("{MINIMAL}\n[error_fields]\ncode = \"error.code\"\n"),
    );
    assert_eq!(
        short(&errors),
        [
            "x.toml:8:2: `error_fields` are added to every `error` case, and there is none: \
          describe the vendor's documented errors, or give the fields to `response`"
        ]
    );
}

#[test]
fn keys_reading_answers_and_shaping_requests_are_checked_at_their_place() {
    let text = r#"name = "Example"
vendor = "Example"
base = "https://api.example.com"
login = { path = "/login", format = "form", constants = { client = { id = "x" } } }
token = { header = "X-Token", text = true }
rejected = { status = [440, "441"] }
apply = { cookie = "sid" }
expiry = { cookie = "sid", format = "unix" }
"#;
    let errors = problems("x.toml", text);
    assert_eq!(
        short(&errors),
        [
            "x.toml:5:31: give one of `path`, `header`, `cookie` or `text`: a value is in one place",
            "x.toml:6:29: `rejected.status` must be HTTP statuses, 100 to 599, not a string",
            "x.toml:8:37: a cookie states its expiry in its own `Max-Age` or `Expires`: leave out `format`",
            "x.toml:4:70: `client.id` is nested, and a form, multipart body or query string is flat: nest it only in a JSON body",
        ]
    );
}

#[test]
fn a_revocation_endpoint_is_a_path_and_replaces_the_logout() {
    let text = r#"name = "Example"
vendor = "Example"
base = "https://auth.example.com"
login = { path = "/token" }
logout = { path = "/logout" }
oauth2 = { grant = "client_credentials", revoke = "https://auth.example.com/revoke" }

[fields.client_id]
"#;
    let errors = problems("x.toml", text);
    assert_eq!(
        short(&errors),
        [
            "x.toml:6:51: the path `https://auth.example.com/revoke` must start with `/`; the host goes in `base`",
            "x.toml:6:51: `revoke` and `logout` are both given: choose one; `revoke` makes the logout an OAuth 2.0 revocation (RFC 7009) of the refresh and access tokens, `logout` calls a logout endpoint of the vendor's own",
        ]
    );
    assert_eq!(
        errors.diagnostics[1].to_string(),
        r#"error: `revoke` and `logout` are both given: choose one; `revoke` makes the logout an OAuth 2.0 revocation (RFC 7009) of the refresh and access tokens, `logout` calls a logout endpoint of the vendor's own
 --> x.toml:6:51
  |
6 | oauth2 = { grant = "client_credentials", revoke = "https://auth.example.com/revoke" }
  |                                                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"#
    );
}

#[test]
fn a_revocation_endpoint_takes_no_placeholder_and_only_a_string() {
    let text = r#"name = "Example"
vendor = "Example"
base = "https://{tenant}.example.com"
login = { path = "/token" }
oauth2 = { grant = "client_credentials", revoke = "/{tenant}/revoke" }

[fields.client_id]
"#;
    assert_eq!(
        short(&problems("x.toml", text)),
        [
            "x.toml:5:51: `{tenant}`: placeholders go in `base` (e.g. `base = \"https://{tenant}.example.com\"`), not in paths",
        ]
    );
    let text = text.replace("\"/{tenant}/revoke\"", "true");
    assert_eq!(
        short(&problems("x.toml", &text)),
        ["x.toml:5:51: `oauth2.revoke` must be a string, not a boolean"]
    );
}

#[test]
fn an_errors_condition_is_written_inline() {
    let text = format!(
        "{MINIMAL}\n[[error]]\nname = \"Fails\"\ntext = true\nequals = \"Fails.\"\n\n\
         [[error]]\nname = \"Locked\"\nstatus = 403\npath = \"error.code\"\nequals = \"LOCKED\"\n"
    );
    let provider = SpecFile::new("x.toml", text)
        .provider()
        .unwrap_or_else(|e| panic!("{e}"));
    let when: Vec<String> = provider
        .errors
        .iter()
        .map(|case| case.when.as_ref().map(|c| c.describe()).unwrap_or_default())
        .collect();
    assert_eq!(when, ["the body is `Fails.`", "`error.code` is `LOCKED`"]);
    assert_eq!(provider.errors[1].status, Some(403));
}

#[test]
fn an_errors_condition_nested_in_when_shows_its_keys_written_inline() {
    let text = format!(
        "{MINIMAL}\n[[error]]\nname = \"Denied\"\nwhen = {{ text = true, contains = \"DENIED\" }}\n"
    );
    let errors = problems("x.toml", &text);
    assert_eq!(
        errors.to_string(),
        r#"error: write the condition in the `[[error]]` itself: `text = true` and `contains = "DENIED"`
  --> x.toml:10:1
   |
10 | when = { text = true, contains = "DENIED" }
   | ^^^^"#
    );
    // The same written as a table of its own.
    let text = format!(
        "{MINIMAL}\n[[error]]\nname = \"Denied\"\n\n[error.when]\npath = \"code\"\nequals = \"E1\"\n"
    );
    assert_eq!(
        short(&problems("x.toml", &text)),
        [
            "x.toml:11:8: write the condition in the `[[error]]` itself: `path = \"code\"` and `equals = \"E1\"`"
        ]
    );
}

#[test]
fn text_given_the_value_to_compare_shows_the_flag_and_equals() {
    let errors = problems(
        "x.toml",
        &format!("{MINIMAL}success = {{ text = \"Ok.\" }}\n"),
    );
    assert_eq!(
        errors.to_string(),
        r#"error: `text` takes `true` here; write `success = { text = true, equals = "Ok." }`
 --> x.toml:7:20
  |
7 | success = { text = "Ok." }
  |                    ^^^^^"#
    );
    let text = format!("{MINIMAL}\n[[error]]\nname = \"Fails\"\ntext = \"Fails.\"\n");
    assert_eq!(
        short(&problems("x.toml", &text)),
        ["x.toml:10:8: `text` takes `true` here; write `text = true` and `equals = \"Fails.\"`"]
    );
}

/// The Stepwise spec with `from` replaced by `to` (once).
fn stepwise_with(from: &str, to: &str) -> String {
    let path = format!("{}/tests/specs/stepwise.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn a_template_naming_no_value_suggests_the_names_it_may_use() {
    let text = stepwise_with(
        r#""X-Session" = "{session}""#,
        r#""X-Session" = "{sesion}""#,
    );
    let errors = problems("stepwise.toml", &text);
    assert_eq!(
        short(&errors),
        [
            "stepwise.toml:8:54: `{sesion}` names no credential field and no value bound by a step before the token request; did you mean `session`?"
        ]
    );
    // A step's own template may name only what the steps before it bound.
    let text = stepwise_with(
        r#""X-CSRF-Token" = "{csrf}""#,
        r#""X-CSRF-Token" = "{session}""#,
    );
    assert_eq!(
        short(&problems("stepwise.toml", &text)),
        [
            "stepwise.toml:21:30: `{session}` is bound by the step `session` itself: a value is named only in the requests after the step that binds it"
        ]
    );
}

#[test]
fn an_error_of_a_step_names_one() {
    let text = stepwise_with(r#"step = "session""#, r#"step = "sesion""#);
    assert_eq!(
        short(&problems("stepwise.toml", &text)),
        ["stepwise.toml:34:8: no step named `sesion`; did you mean `session`?"]
    );
}

#[test]
fn steps_are_checked_at_their_place() {
    // Two steps of one name, a value bound twice, a step without a path, a secret in a
    // list, a keep-alive's template naming nothing known, a broken template.
    let text = stepwise_with(
        "[[step]]\nname = \"csrf\"\nmethod = \"GET\"\npath = \"/csrf\"\nbind = { csrf = \"csrf\" }\n",
        "keepalive = { path = \"/ping\", headers = { \"X-Csrf\" = \"{csrv}\" } }\n\n\
         [[step]]\nname = \"csrf\"\nmethod = \"GET\"\npath = \"/csrf\"\nbind = { csrf = \"csrf\" }\n\n\
         [[step]]\nname = \"csrf\"\nquery = { both = [\"{password}\"], broken = \"{x\" }\nbind = { csrf = \"csrf\" }\n",
    );
    assert_eq!(
        short(&problems("stepwise.toml", &text)),
        [
            "stepwise.toml:22:43: `{` without its `}` in `{x` (write `{{` for a brace)",
            "stepwise.toml:20:1: a `[[step]]` needs `path`: a step is a request of its own, e.g. `path = \"/csrf\"` in the `[[step]]`",
            "stepwise.toml:21:8: the step `csrf` is declared twice",
            "stepwise.toml:23:10: `csrf` is bound twice (first by the step `csrf`): a template names one value",
            "stepwise.toml:22:11: `{password}` is a secret (the credential field `password`), and a list's JSON value would show it: send it in a string constant of its own",
            "stepwise.toml:12:54: `{csrv}` names no credential field and no value a step of the login binds; did you mean `csrf`?",
        ]
    );
}

/// A spec's computed values are checked as the attribute's: each mistake once, at its
/// key or value in the file.
#[test]
fn computed_values_are_checked_at_their_place() {
    let text = r#"name = "Challenge"
vendor = "Challenge"
base = "{server}"
token = "token"
apply = { bearer = true }
login = { path = "/login", headers = { "X-Digest" = "{digest}", "X-Ts" = "{ts}", "X-Sig" = "{sig}" } }

[computed.digest]
sha256 = "{pasword}"
output = "hexa"

[computed.ts]
now = "unix_seconds"

[computed.sig]
hmac_sha256 = "{ts}"

[fields.password]
"#;
    let errors = problems("challenge.toml", text);
    assert_eq!(
        short(&errors),
        [
            "challenge.toml:10:10: `output = \"hexa\"` is not a way `sha256` writes its bytes; did you mean `hex`?\nexpected one of: \"hex\", \"base64\", \"base64url\"",
            "challenge.toml:13:7: `now = \"unix_seconds\"` is not a way the time is written; did you mean `unix_ms`?\nexpected one of: \"unix\", \"unix_ms\", \"rfc3339\" (seconds, milliseconds since 1970, or an RFC 3339 time in UTC)",
            "challenge.toml:16:1: `computed.sig`: `hmac_sha256` needs its `key`, a template such as `key = \"{api_secret}\"` in its table",
            "challenge.toml:9:10: `{pasword}` names no credential field, no value a step binds and no computed value; did you mean `password`?",
        ]
    );
}
