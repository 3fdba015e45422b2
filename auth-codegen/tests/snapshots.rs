//! The code each vendor's spec generates, as the build script writes it (formatted,
//! with the `@generated` header). Reviewed snapshots: a change to the generator shows
//! up here as a diff. The example crate `examples/build-script` compiles the same
//! output.

use std::path::PathBuf;

use auth_codegen::SpecFile;

fn generated(spec: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(spec);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = SpecFile::new(format!("specs/{spec}"), text);
    auth_codegen::build::generate_file(&file, None).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn crmcom() {
    insta::assert_snapshot!(generated("crmcom.toml"));
}

#[test]
fn currencycloud() {
    insta::assert_snapshot!(generated("currencycloud.toml"));
}

#[test]
fn modulus() {
    insta::assert_snapshot!(generated("modulus.toml"));
}

#[test]
fn modulus_jwt() {
    insta::assert_snapshot!(generated("modulus_jwt.toml"));
}

#[test]
fn onebox() {
    insta::assert_snapshot!(generated("onebox.toml"));
}

/// A login in three requests: two steps (a CSRF token, a session id), the token request
/// carrying what they bound.
#[test]
fn stepwise() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/specs/stepwise.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = SpecFile::new("tests/specs/stepwise.toml", text);
    insta::assert_snapshot!(
        auth_codegen::build::generate_file(&file, None).unwrap_or_else(|e| panic!("{e}"))
    );
}

/// The explanation of a login in three requests: each step, what it keeps, the
/// failure of a step.
#[test]
fn stepwise_explained() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/specs/stepwise.toml");
    let provider = SpecFile::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|f| f.provider().map_err(|e| e.to_string()))
        .unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!(auth_codegen::explain::explain(&provider));
}

/// The explanation of a login with computed values: each value, its function.
#[test]
fn challenge_explained() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/specs/challenge.toml");
    let provider = SpecFile::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|f| f.provider().map_err(|e| e.to_string()))
        .unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!(auth_codegen::explain::explain(&provider));
}

/// The explanation `authgen explain` prints, for the vendor with the most rules.
#[test]
fn crmcom_explained() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs/crmcom.toml");
    let provider = SpecFile::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|f| f.provider().map_err(|e| e.to_string()))
        .unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!(auth_codegen::explain::explain(&provider));
}

/// An OAuth 2.0 vendor with a revocation endpoint (a downstream vendor's spec): its
/// refresh request and its revocation request authenticate the client the same way.
#[test]
fn revoking_password_grant() {
    let name = "tests/specs/downstream/revoking_password_grant.toml";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = SpecFile::new(name, text);
    let provider = file.provider().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        auth_codegen::explain::explain(&provider).contains(
            "  - logout: revokes the refresh token, then the access token (RFC 7009), at POST {host}/revoke\n"
        )
    );
    insta::assert_snapshot!(
        auth_codegen::build::generate_file(&file, None).unwrap_or_else(|e| panic!("{e}"))
    );
}
