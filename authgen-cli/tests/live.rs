//! `authgen probe` and `authgen token` against auth-sim (a vendor written from its
//! documents) and against mocks, run as a user runs them: credentials in environment
//! variables, never in arguments; secrets never printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use auth_sim::{Sim, onebox};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `authgen` with `env` and no terminal, off the runtime serving the simulator.
async fn authgen(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authgen"));
    command
        .args(args)
        .current_dir(root())
        .env_remove("XDG_CACHE_HOME")
        .stdin(std::process::Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("joined")
        .unwrap_or_else(|e| panic!("cannot run authgen: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const GOOD: &[(&str, &str)] = &[
    ("AUTHGEN_EMAIL", onebox::EMAIL),
    ("AUTHGEN_PASSWORD", onebox::PASSWORD),
    ("AUTHGEN_SITE_ID", onebox::SITE_ID),
];

fn host(sim: &Sim) -> String {
    format!("host={}{}", sim.base_url(), onebox::PREFIX)
}

/// A directory of its own for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authgen-live-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn probe_reports_a_login_as_described() {
    let sim = Sim::start().await;
    let out = authgen(
        &["probe", "specs/onebox.toml", "--setting", &host(&sim)],
        GOOD,
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("token at `token`: found (a JWT"),
        "{stdout}"
    );
    assert!(
        stdout.contains("success: `response_status` is `Success` (holds)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok: the answer is as the spec describes it"),
        "{stdout}"
    );
    assert!(!stdout.contains(onebox::PASSWORD), "{stdout}");
    assert!(
        !stdout.contains("eyJ"),
        "the token is never shown: {stdout}"
    );
    assert_eq!(sim.onebox().logins(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn probe_says_where_a_missing_value_is() {
    let sim = Sim::start().await;
    let dir = scratch("wrong-path");
    let spec = std::fs::read_to_string(root().join("specs/onebox.toml")).expect("spec");
    let wrong = spec.replace("token = \"token\"", "token = \"data.access_token\"");
    assert_ne!(spec, wrong);
    let path = dir.join("onebox.toml");
    std::fs::write(&path, wrong).expect("written");
    let path = path.to_string_lossy().into_owned();
    let out = authgen(&["probe", &path, "--setting", &host(&sim)], GOOD).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("token at `data.access_token`: missing"),
        "{stdout}"
    );
    assert!(
        stdout.contains("a similar value is at `token` (a JWT"),
        "{stdout}"
    );
    assert!(stdout.contains("differs:"), "{stdout}");
    assert!(!stdout.contains("eyJ"), "no value is shown: {stdout}");
    assert!(!stdout.contains(onebox::PASSWORD), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn probe_exit_codes_for_refusal_usage_and_no_answer() {
    let sim = Sim::start().await;
    let wrong = [
        ("AUTHGEN_EMAIL", onebox::EMAIL),
        ("AUTHGEN_PASSWORD", "not-the-Password-42"),
        ("AUTHGEN_SITE_ID", onebox::SITE_ID),
    ];
    let out = authgen(
        &["probe", "specs/onebox.toml", "--setting", &host(&sim)],
        &wrong,
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("a documented failure: `Unauthorized`"),
        "{stdout}"
    );
    assert!(!stdout.contains("not-the-Password-42"), "{stdout}");

    let missing = &GOOD[..1];
    let out = authgen(
        &["probe", "specs/onebox.toml", "--setting", &host(&sim)],
        missing,
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`password` is mandatory"), "{stderr}");
    assert!(stderr.contains("AUTHGEN_"), "{stderr}");

    let out = authgen(&["probe", "specs/onebox.toml"], GOOD).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("`host`"),
        "{}",
        text(&out.stderr)
    );

    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bound");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let setting = format!("host=http://127.0.0.1:{port}");
    let out = authgen(&["probe", "specs/onebox.toml", "--setting", &setting], GOOD).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.starts_with("no answer: OneBox:"),
        "named after the spec: {stderr}"
    );
    assert!(!stderr.contains(onebox::PASSWORD));
}

#[tokio::test(flavor = "multi_thread")]
async fn token_prints_the_token_alone_and_reuses_it_while_fresh() {
    let sim = Sim::start().await;
    let dir = scratch("token");
    let cache = dir.join("tokens.json");
    let cache_arg = cache.to_string_lossy().into_owned();
    let args = [
        "token",
        "specs/onebox.toml",
        "--setting",
        &host(&sim),
        "--cache",
        &cache_arg,
    ];
    let first = authgen(&args, GOOD).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let token = text(&first.stdout);
    assert_eq!(token.lines().count(), 1, "one line: {token:?}");
    let token = token.trim_end();
    assert_eq!(token.split('.').count(), 3, "OneBox's JWT");
    assert_eq!(sim.onebox().logins(), 1);

    // The token works against the vendor, as curl would send it.
    let list = format!("{}{}{}", sim.base_url(), onebox::PREFIX, onebox::LIST_PATH);
    let answer = reqwest::Client::new()
        .get(list)
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status(), 200);

    let second = authgen(&args, GOOD).await;
    assert_eq!(text(&second.stdout).trim_end(), token, "the cached token");
    assert!(text(&second.stderr).contains("a cached token, still fresh"));
    assert_eq!(sim.onebox().logins(), 1, "no second login");
    assert_cache_is_private(&cache);

    let fresh = authgen(&[&args[..4], &["--no-cache"]].concat(), GOOD).await;
    assert_eq!(fresh.status.code(), Some(0));
    assert_ne!(text(&fresh.stdout).trim_end(), token);
    assert_eq!(sim.onebox().logins(), 2, "--no-cache logs in");
}

#[cfg(unix)]
fn assert_cache_is_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).expect("cache").permissions().mode();
    assert_eq!(mode & 0o077, 0, "the cache is its owner's only: {mode:o}");
}

#[cfg(not(unix))]
fn assert_cache_is_private(_: &Path) {}

#[tokio::test(flavor = "multi_thread")]
async fn probe_against_the_mock_of_a_shipped_vendor() {
    // The mock serves what CRM.COM's generated code describes; probe reads the spec
    // file at run time: both agree.
    let mock = auth_mock::MockVendor::start::<auth_vendors::CrmCom>().await;
    let env = [
        ("AUTHGEN_ORGANISATION", "ORG"),
        ("AUTHGEN_USERNAME", "u"),
        ("AUTHGEN_PASSWORD", "p"),
    ];
    let base = mock.base_url();
    let out = authgen(&["probe", "specs/crmcom.toml", "--base", &base], &env).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("token at `data.token`: found"), "{stdout}");
    assert!(
        stdout.contains("success: `status.code` is `OK` (holds)"),
        "{stdout}"
    );
    assert_eq!(mock.logins(), 1);
}

/// A vendor of one answer: accepts one connection on 127.0.0.1, reads the request and
/// answers `status`, `content_type` and `body`, whatever was asked.
fn hostile_vendor(status: &str, content_type: &str, body: String) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bound");
    let address = listener.local_addr().expect("address");
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 16 * 1024];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    format!("host=http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn probe_never_shows_a_password_the_vendor_echoes() {
    let password = "s3cr&t-P@ss<1>";
    let env = [
        ("AUTHGEN_EMAIL", "ada@example.com"),
        ("AUTHGEN_PASSWORD", password),
        ("AUTHGEN_SITE_ID", "7"),
    ];
    let escaped = "s3cr&amp;t-P@ss&lt;1&gt;";
    let documented = serde_json::json!({
        "_meta": {"status": "ERROR"},
        "records": {
            "userMessage": format!("wrong password {password}"),
            "devMessage": format!("<b>{escaped}</b>"),
            "more": "s3cr%26t-P%40ss%3C1%3E",
        }
    })
    .to_string();
    let pages = [
        ("401 Unauthorized", "application/json", documented),
        (
            "500 Internal Server Error",
            "text/html",
            format!("<html><body>login {escaped} failed for {password}</body></html>"),
        ),
        ("200 OK", "text/plain", format!("password={password}")),
    ];
    for (status, content_type, body) in pages {
        let setting = hostile_vendor(status, content_type, body);
        let out = authgen(&["probe", "specs/onebox.toml", "--setting", &setting], &env).await;
        let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            matches!(out.status.code(), Some(1 | 3)),
            "{status}: {shown}"
        );
        for echoed in [password, escaped, "s3cr%26t", "P@ss", "P%40ss"] {
            assert!(!shown.contains(echoed), "{status}: `{echoed}` in {shown}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn token_exit_codes_say_what_went_wrong() {
    let sim = Sim::start().await;
    let base = ["token", "specs/onebox.toml", "--no-cache", "--setting"];
    let wrong = [
        ("AUTHGEN_EMAIL", onebox::EMAIL),
        ("AUTHGEN_PASSWORD", "not-it-42"),
        ("AUTHGEN_SITE_ID", onebox::SITE_ID),
    ];
    let refused = authgen(&[&base[..], &[host(&sim).as_str()]].concat(), &wrong).await;
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused.stderr));
    assert!(refused.stdout.is_empty(), "nothing on stdout but a token");
    assert!(!text(&refused.stderr).contains("not-it-42"));

    let dir = scratch("token-differs");
    let spec = std::fs::read_to_string(root().join("specs/onebox.toml")).expect("spec");
    let path = dir.join("onebox.toml");
    std::fs::write(&path, spec.replace("token = \"token\"", "token = \"jwt\"")).expect("written");
    let path = path.to_string_lossy().into_owned();
    let args = ["token", &path, "--no-cache", "--setting", &host(&sim)];
    let differs = authgen(&args, GOOD).await;
    let stderr = text(&differs.stderr);
    assert_eq!(differs.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no token at `jwt`"), "{stderr}");
    assert!(differs.stdout.is_empty());
}

/// auth-sim's CSRF-first web login as a spec: a step binds the CSRF token the login
/// sends back. `binding` is the JSON path the step reads it at.
fn csrf_spec(binding: &str) -> String {
    format!(
        r#"name = "CsrfLogin"
vendor = "CSRF web login"
base = "{{server}}"
login = {{ path = "/api/login", headers = {{ "X-CSRFToken" = "{{csrf}}", "Cookie" = "csrftoken={{csrf}}" }} }}
token = {{ cookie = "sessionid" }}
apply = {{ cookie = "sessionid" }}

[[step]]
name = "csrf"
method = "GET"
path = "/api/csrf"
bind = {{ csrf = "{binding}" }}

[fields.username]
[fields.password]
"#
    )
}

const CSRF_GOOD: &[(&str, &str)] = &[
    ("AUTHGEN_USERNAME", auth_sim::csrf_login::USER),
    ("AUTHGEN_PASSWORD", auth_sim::csrf_login::PASSWORD),
];

#[tokio::test(flavor = "multi_thread")]
async fn probe_reports_each_step_and_where_a_value_it_binds_is_missing() {
    let sim = Sim::start().await;
    let server = format!("server={}{}", sim.base_url(), auth_sim::csrf_login::PREFIX);
    let dir = scratch("csrf-steps");
    let path = dir.join("csrf.toml");
    std::fs::write(&path, csrf_spec("csrfToken")).expect("written");
    let path = path.to_string_lossy().into_owned();
    let out = authgen(&["probe", &path, "--setting", &server], CSRF_GOOD).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("step `csrf`: HTTP 200"), "{stdout}");
    assert!(
        stdout.contains("csrf at `csrfToken`: found (a string of 32 characters)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok: the answer is as the spec describes it"),
        "{stdout}"
    );
    assert_eq!(sim.csrf_login().logins(), 1);

    std::fs::write(dir.join("csrf.toml"), csrf_spec("csrf_token")).expect("written");
    let out = authgen(&["probe", &path, "--setting", &server], CSRF_GOOD).await;
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("csrf at `csrf_token`: missing"), "{stdout}");
    assert!(
        stdout.contains("a similar value is at `csrfToken` (a string"),
        "{stdout}"
    );
    assert!(
        stderr.contains("the login stopped at its step `csrf`"),
        "{stderr}"
    );
    assert_eq!(
        sim.csrf_login().logins(),
        1,
        "no token request after the step"
    );
    let everything = format!("{stdout}{stderr}");
    assert!(
        !everything.contains(auth_sim::csrf_login::PASSWORD),
        "{everything}"
    );
}

/// A spec whose login signs a JWT (Google's service accounts): probed with the key in an
/// environment variable; neither the key nor the assertion is ever printed.
#[tokio::test(flavor = "multi_thread")]
async fn probe_signs_the_assertion_of_a_jwt_bearer_login() {
    use auth_sim::google;
    let sim = Sim::start().await;
    let server = format!("server={}{}", sim.base_url(), google::PREFIX);
    let env = [
        ("AUTHGEN_CLIENT_EMAIL", google::CLIENT_EMAIL),
        ("AUTHGEN_PRIVATE_KEY", google::PRIVATE_KEY_PEM),
        ("AUTHGEN_PRIVATE_KEY_ID", google::PRIVATE_KEY_ID),
        ("AUTHGEN_TOKEN_URI", google::GOOGLE_TOKEN_URI),
        ("AUTHGEN_SCOPE", google::SCOPE),
    ];
    let out = authgen(&["probe", "specs/google.toml", "--setting", &server], &env).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("ok: the answer is as the spec describes it"),
        "{stdout}"
    );
    assert_eq!(sim.google().logins(), 1);
    let line = google::PRIVATE_KEY_PEM.lines().nth(1).expect("a PEM body");
    for shown in [&stdout, &stderr] {
        assert!(!shown.contains(line), "the key is never shown: {shown}");
        assert!(!shown.contains("eyJ"), "no JWT is shown: {shown}");
    }
}
