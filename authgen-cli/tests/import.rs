//! `authgen import`, run as a user runs it: one committed OpenAPI document per kind of
//! security scheme, each skeleton compared with its committed expected spec
//! (`AUTHGEN_BLESS=1 cargo test -p authgen-cli --test import` rewrites them) and passed
//! through `authgen check`; then the documents it must refuse, each with its message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BLESS: &str = "AUTHGEN_BLESS=1 cargo test -p authgen-cli --test import";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn authgen(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_authgen"))
        .args(args)
        .current_dir(root())
        .output()
    {
        Ok(output) => output,
        Err(e) => panic!("cannot run authgen: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch file of this test binary's own.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("authgen-import");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir.join(name)
}

/// Imports `document` (under tests/openapi/), compares the skeleton with
/// `tests/openapi/expected/<stem>.toml`, runs `authgen check` on it, and returns what
/// stderr said.
fn imports_as_expected(document: &str) -> String {
    let path = format!("authgen-cli/tests/openapi/{document}");
    let out = authgen(&["import", &path]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let spec = text(&out.stdout);
    let stem = document.split('.').next().unwrap_or(document);
    let expected_path = root().join(format!("authgen-cli/tests/openapi/expected/{stem}.toml"));
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if spec != expected {
        if std::env::var_os("AUTHGEN_BLESS").is_some() {
            std::fs::write(&expected_path, &spec)
                .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        } else {
            let line = spec
                .lines()
                .zip(expected.lines())
                .position(|(a, b)| a != b)
                .map_or(spec.lines().count().min(expected.lines().count()), |n| n)
                + 1;
            panic!(
                "`authgen import {path}` differs from {} at line {line}; review and rewrite with `{BLESS}`\n--- written ---\n{spec}",
                expected_path.display()
            );
        }
    }
    // What `import` wrote passes `authgen check` as written.
    let file = scratch(&format!("{stem}.toml"));
    std::fs::write(&file, &spec).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let check = authgen(&["check", &file.display().to_string()]);
    assert!(check.status.success(), "{}\n{spec}", text(&check.stderr));
    assert!(
        text(&check.stdout).starts_with("ok: "),
        "{}",
        text(&check.stdout)
    );
    // The header names the document.
    assert!(
        spec.starts_with(&format!("# Imported by `authgen import` from `{path}`")),
        "{spec}"
    );
    stderr
}

#[test]
fn http_bearer_with_a_json_login_and_a_nested_token() {
    let stderr = imports_as_expected("bearer.yaml");
    assert!(
        stderr.contains("operation `login` (POST /auth/login): a POST with a request body"),
        "{stderr}"
    );
    let spec =
        std::fs::read_to_string(root().join("authgen-cli/tests/openapi/expected/bearer.toml"))
            .unwrap_or_default();
    for line in [
        "base = \"{host}\"",
        "login = { path = \"/v2/auth/login\", method = \"POST\", format = \"json\" }",
        "token = \"data.token\"",
        "apply = { bearer = true }",
        "# TODO: the token's lifetime is not in the document",
        "# TODO: rules between fields are not in the document",
        "# status = 401",
    ] {
        assert!(spec.contains(line), "{line}\n{spec}");
    }
}

#[test]
fn api_key_in_a_header_with_a_form_login() {
    let stderr = imports_as_expected("apikey_header.json");
    assert!(stderr.contains("operation `createSession`"), "{stderr}");
}

#[test]
fn api_key_in_a_cookie_the_login_sets() {
    imports_as_expected("apikey_cookie.json");
}

#[test]
fn api_key_in_the_query() {
    // `verifyToken` says `token` too, but verifying is not logging in.
    let stderr = imports_as_expected("apikey_query.json");
    assert!(stderr.contains("operation `authenticate`"), "{stderr}");
}

#[test]
fn oauth2_password_flow() {
    let stderr = imports_as_expected("oauth2_password.yaml");
    assert!(
        stderr.contains("the `password` flow of OAuth 2.0 scheme `oauth`"),
        "{stderr}"
    );
}

#[test]
fn oauth2_client_credentials_flow_on_another_host() {
    imports_as_expected("oauth2_client_credentials.json");
}

#[test]
fn the_bearer_skeleton_generates_rust() {
    let spec = scratch("bearer_generate.toml");
    let out = authgen(&[
        "import",
        "authgen-cli/tests/openapi/bearer.yaml",
        "--output",
        &spec.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("wrote `"),
        "{}",
        text(&out.stderr)
    );
    let generated = authgen(&["generate", &spec.display().to_string()]);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let code = text(&generated.stdout);
    assert!(
        code.contains("impl ::auth_runtime::__private::Provider for ShopApi {"),
        "{code:.2000}"
    );
    assert!(
        code.contains("pub struct ShopApiCredentials"),
        "{code:.2000}"
    );
}

/// The skeleton marks a field `secret = true` exactly when the generator's rule
/// (`auth_codegen::is_secret_name`) makes it secret by its name, so the marks it writes
/// change no generated code.
#[test]
fn secret_fields_are_named_by_the_generators_rule() {
    let secret = [
        "passPhrase",
        "client_secret",
        "deviceToken",
        "pin",
        "x-api-key",
    ];
    // `passwordHint` and `tokenType` contain a secret word without ending with one.
    let public = ["userName", "passwordHint", "tokenType", "key", "client_id"];
    let properties: Vec<String> = secret
        .iter()
        .chain(&public)
        .map(|name| format!(r#""{name}": {{ "type": "string" }}"#))
        .collect();
    let document = format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "Names", "version": "1"}},
  "servers": [{{"url": "https://api.names.example"}}],
  "paths": {{"/login": {{"post": {{"operationId": "login",
    "requestBody": {{"content": {{"application/json": {{"schema": {{"type": "object",
      "properties": {{ {} }}}}}}}}}},
    "responses": {{"200": {{"description": "ok", "content": {{"application/json": {{"schema":
      {{"type": "object", "properties": {{"token": {{"type": "string"}}}}}}}}}}}}}}}}}}}}}}"#,
        properties.join(", ")
    );
    let path = scratch("secret_names.json");
    std::fs::write(&path, document).unwrap_or_else(|e| panic!("{e}"));
    let out = authgen(&["import", &path.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let spec = text(&out.stdout);

    // Each `[fields.NAME]` table: secret as the rule says of its Rust and wire names.
    let mut seen = 0;
    for table in spec.split("\n[fields.").skip(1) {
        let ident = table.split(']').next().unwrap_or_default();
        let wire = table
            .lines()
            .find_map(|line| line.strip_prefix("rename = \""))
            .map(|rest| rest.trim_end_matches('"'));
        let named =
            auth_codegen::is_secret_name(ident) || wire.is_some_and(auth_codegen::is_secret_name);
        assert_eq!(table.contains("\nsecret = true"), named, "{table}\n{spec}");
        let written = wire.unwrap_or(ident);
        assert!(
            secret.contains(&written) == named && (named || public.contains(&written)),
            "`{written}` is misjudged:\n{spec}"
        );
        seen += 1;
    }
    assert_eq!(seen, secret.len() + public.len(), "{spec}");

    // The same skeleton without the marks generates the same code.
    let unmarked = spec.replace("\nsecret = true\n", "\n");
    assert_ne!(unmarked, spec);
    let generate = |name: &str, text: &str| {
        let file = scratch(name);
        std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
        let out = authgen(&["generate", &file.display().to_string()]);
        assert!(out.status.success(), "{}", self::text(&out.stderr));
        // Past the header, which names the file.
        let code = self::text(&out.stdout);
        code.split_once('\n')
            .map(|(_, rest)| rest.to_owned())
            .unwrap_or(code)
    };
    let marked = generate("secret_names_marked.toml", &spec);
    for stored in [
        "x_api_key: values.secret_opt(",
        "password_hint: values.plain_opt(",
    ] {
        assert!(marked.contains(stored), "no `{stored}` in:\n{marked:.3000}");
    }
    assert!(
        marked == generate("secret_names_unmarked.toml", &unmarked),
        "the marks `authgen import` wrote change the generated code:\n{spec}"
    );
}

#[test]
fn operation_picks_among_candidates() {
    let ambiguous = "authgen-cli/tests/openapi/errors/ambiguous.json";
    let out = authgen(&["import", ambiguous, "--operation", "issueToken"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr)
            .contains("operation `issueToken` (POST /tokens) (chosen with --operation)"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("login = { path = \"/tokens\""));
    // `METHOD /path` works as well, for operations without an operationId.
    let out = authgen(&["import", ambiguous, "--operation", "post /login"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("login = { path = \"/login\""));
    let out = authgen(&["import", ambiguous, "--operation", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("has no operation `nope`"), "{stderr}");
    assert!(stderr.contains("issueToken"), "{stderr}");
}

/// Runs `authgen import` on a document that must be refused; returns stderr.
fn refused(args: &[&str]) -> String {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    let out = authgen(&all);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_missing_document() {
    let stderr = refused(&["authgen-cli/tests/openapi/nope.yaml"]);
    assert!(
        stderr.contains("cannot read `authgen-cli/tests/openapi/nope.yaml`"),
        "{stderr}"
    );
}

#[test]
fn invalid_yaml() {
    let stderr = refused(&["authgen-cli/tests/openapi/errors/invalid.yaml"]);
    assert!(
        stderr.contains("is not an OpenAPI 3.0 document (read as YAML)"),
        "{stderr}"
    );
}

#[test]
fn not_openapi_3() {
    let stderr = refused(&["authgen-cli/tests/openapi/errors/swagger2.json"]);
    assert!(
        stderr.contains("is not an OpenAPI 3.0 document (read as JSON)"),
        "{stderr}"
    );
}

#[test]
fn no_candidate_operation() {
    let stderr = refused(&["authgen-cli/tests/openapi/errors/no_login.json"]);
    assert!(stderr.contains("no login found"), "{stderr}");
    assert!(stderr.contains("--operation"), "{stderr}");
}

#[test]
fn ambiguous_candidates_are_listed() {
    let stderr = refused(&["authgen-cli/tests/openapi/errors/ambiguous.json"]);
    assert!(
        stderr.contains("has 2 candidates for the login; choose one with --operation"),
        "{stderr}"
    );
    assert!(stderr.contains("--operation POST /login"), "{stderr}");
    assert!(stderr.contains("--operation issueToken"), "{stderr}");
}

#[test]
fn a_dangling_ref() {
    let stderr = refused(&["authgen-cli/tests/openapi/errors/dangling_ref.json"]);
    assert!(
        stderr.contains(
            "dangling $ref `#/components/schemas/Credentials` at the request body of `login`: the document has no `components.schemas.Credentials`"
        ),
        "{stderr}"
    );
}

#[test]
fn a_cyclic_ref() {
    let stderr = refused(&["authgen-cli/tests/openapi/errors/cyclic_ref.json"]);
    assert!(
        stderr.contains(
            "cyclic $ref at the request body of `login`: `#/components/schemas/A` -> `#/components/schemas/B` -> `#/components/schemas/A`"
        ),
        "{stderr}"
    );
}

#[test]
fn a_schema_including_itself() {
    let stderr = refused(&["authgen-cli/tests/openapi/errors/self_all_of.json"]);
    assert!(
        stderr.contains("`#/components/schemas/Login` includes itself through `allOf`"),
        "{stderr}"
    );
}

#[test]
fn hostile_documents_are_refused_without_a_panic() {
    // Deep nesting, in JSON and in YAML.
    let deep = scratch("deep.json");
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let document = format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}}, "paths": {{}}, "x-deep": {nested}}}"#
    );
    std::fs::write(&deep, document).unwrap_or_else(|e| panic!("{e}"));
    let stderr = refused(&[&deep.display().to_string()]);
    assert!(stderr.contains("recursion limit"), "{stderr}");
    let deep = scratch("deep.yaml");
    std::fs::write(
        &deep,
        "openapi: 3.0.3\nx-deep: ".to_owned() + &"[".repeat(100_000),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    refused(&[&deep.display().to_string()]);
    // An alias bomb.
    let bomb = scratch("bomb.yaml");
    let mut text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_owned();
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    std::fs::write(&bomb, text).unwrap_or_else(|e| panic!("{e}"));
    let stderr = refused(&[&bomb.display().to_string()]);
    assert!(stderr.contains("budget"), "{stderr}");
    // Not UTF-8.
    let binary = scratch("binary.json");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x7b]).unwrap_or_else(|e| panic!("{e}"));
    let stderr = refused(&[&binary.display().to_string()]);
    assert!(stderr.contains("is not UTF-8 text"), "{stderr}");
}

#[test]
fn help_has_examples() {
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["generate", "--help"],
        &["explain", "--help"],
        &["import", "--help"],
        &["keys", "--help"],
    ] {
        let out = authgen(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("\nExamples:\n  authgen "),
            "{args:?}:\n{stdout}"
        );
    }
    let out = authgen(&["import", "--help"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("--operation <ID>"), "{stdout}");
    assert!(stdout.contains("--output <FILE>"), "{stdout}");
}
