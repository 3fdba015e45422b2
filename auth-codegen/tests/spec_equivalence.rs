//! The macro form and the spec form of each vendor generate the same code.
//!
//! The macro form is read from the attribute form of each shipped vendor
//! (`auth-codegen/tests/attribute_forms/*.rs`): each `#[auth_provider(...)]` struct is extracted
//! with syn and expanded exactly as the attribute macro expands it. The spec form is
//! `specs/*.toml` through the build-script pipeline. Both token streams must print the
//! same. The vendors of `downstream/` (the answer shapes beyond JSON, OAuth 2.0 and
//! its revocation) are compared the same way with their spec forms in
//! `tests/specs/downstream/`.

use std::path::PathBuf;

use auth_codegen::SpecFile;
use quote::ToTokens;

/// The attribute forms of the shipped vendors, from the workspace root.
const ATTRIBUTE_FORMS: &str = "auth-codegen/tests/attribute_forms";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `#[auth_provider(...)]` struct of a vendor module, by name: the attribute's
/// arguments and the struct without that attribute.
fn macro_forms(module: &str) -> Vec<(String, proc_macro2::TokenStream, proc_macro2::TokenStream)> {
    forms_in(&format!("{ATTRIBUTE_FORMS}/{module}"))
}

/// Every `#[auth_provider(...)]` struct of the file at `relative` (from the workspace).
fn forms_in(relative: &str) -> Vec<(String, proc_macro2::TokenStream, proc_macro2::TokenStream)> {
    let path = workspace().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for item in file.items {
        let syn::Item::Struct(mut item) = item else {
            continue;
        };
        let Some(index) = item
            .attrs
            .iter()
            .position(|a| a.path().is_ident("auth_provider"))
        else {
            continue;
        };
        let attr = item.attrs.remove(index);
        let args = attr
            .meta
            .require_list()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .tokens
            .clone();
        out.push((item.ident.to_string(), args, item.into_token_stream()));
    }
    out
}

/// The code of the spec at `relative` (from the workspace), naming the runtime `runtime`.
fn spec_form_at(relative: &str, runtime: Option<&syn::Path>) -> String {
    let path = workspace().join(relative);
    let file = SpecFile::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match auth_codegen::build::expand_spec(&file, runtime) {
        Ok(tokens) => tokens.to_string(),
        Err(e) => panic!("{e}"),
    }
}

fn assert_same(module: &str, provider: &str, spec: &str) {
    assert_equal(
        &format!("{ATTRIBUTE_FORMS}/{module}"),
        provider,
        &format!("specs/{spec}"),
        None,
    );
}

/// The attribute form of `provider` in the file `source` and the spec at `spec` (both
/// from the workspace) generate the same code.
fn assert_equal(source: &str, provider: &str, spec: &str, runtime: Option<&syn::Path>) {
    let forms = forms_in(source);
    let Some((_, args, item)) = forms.iter().find(|(name, ..)| name == provider) else {
        panic!("no #[auth_provider] struct `{provider}` in {source}");
    };
    let from_macro = auth_codegen::expand_attribute(args.clone(), item.clone()).to_string();
    assert!(
        !from_macro.contains("compile_error"),
        "the macro form of {provider} has errors: {from_macro}"
    );
    let from_spec = spec_form_at(spec, runtime);
    if from_macro != from_spec {
        // Point at the first difference rather than printing two walls of tokens.
        let at = from_macro
            .chars()
            .zip(from_spec.chars())
            .take_while(|(a, b)| a == b)
            .count();
        let context = |s: &str| {
            s.chars()
                .skip(at.saturating_sub(120))
                .take(240)
                .collect::<String>()
        };
        panic!(
            "{provider}: macro and spec forms differ at char {at}\nmacro: …{}…\nspec:  …{}…",
            context(&from_macro),
            context(&from_spec)
        );
    }
}

#[test]
fn crmcom_macro_and_spec_generate_the_same_code() {
    assert_same("crmcom.rs", "CrmCom", "crmcom.toml");
}

#[test]
fn currencycloud_macro_and_spec_generate_the_same_code() {
    assert_same("currencycloud.rs", "Currencycloud", "currencycloud.toml");
}

#[test]
fn modulus_macro_and_spec_generate_the_same_code() {
    assert_same("modulus.rs", "Modulus", "modulus.toml");
}

#[test]
fn modulus_jwt_macro_and_spec_generate_the_same_code() {
    assert_same("modulus.rs", "ModulusJwt", "modulus_jwt.toml");
}

#[test]
fn onebox_macro_and_spec_generate_the_same_code() {
    assert_same("onebox.rs", "OneBox", "onebox.toml");
}

/// Every shipped provider has a spec, so none can drift from the other unnoticed.
#[test]
fn every_shipped_provider_is_compared() {
    let mut names: Vec<String> = ["crmcom.rs", "currencycloud.rs", "modulus.rs", "onebox.rs"]
        .iter()
        .flat_map(|m| macro_forms(m).into_iter().map(|(name, ..)| name))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["CrmCom", "Currencycloud", "Modulus", "ModulusJwt", "OneBox"]
    );
    let modules: Vec<String> = std::fs::read_dir(workspace().join(ATTRIBUTE_FORMS))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "mod.rs")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        modules.len(),
        4,
        "a new vendor module needs a spec and a test: {modules:?}"
    );
}

/// The downstream vendors, whose attribute forms name the runtime `crate::auth`.
fn assert_downstream(provider: &str, spec: &str) {
    let runtime: syn::Path = syn::parse_quote!(crate::auth);
    assert_equal(
        "downstream/src/lib.rs",
        provider,
        &format!("auth-codegen/tests/specs/downstream/{spec}"),
        Some(&runtime),
    );
}

#[test]
fn the_cookie_session_vendor_macro_and_spec_generate_the_same_code() {
    assert_downstream("CookieJar", "cookie_jar.toml");
}

#[test]
fn the_header_token_vendor_macro_and_spec_generate_the_same_code() {
    assert_downstream("HeaderToken", "header_token.toml");
}

#[test]
fn the_oauth2_grants_macro_and_spec_generate_the_same_code() {
    assert_downstream("PasswordGrant", "password_grant.toml");
    assert_downstream("ClientCredentials", "client_credentials.toml");
}

#[test]
fn the_oauth2_grants_with_revocation_macro_and_spec_generate_the_same_code() {
    assert_downstream("RevokingPasswordGrant", "revoking_password_grant.toml");
    assert_downstream(
        "RevokingClientCredentials",
        "revoking_client_credentials.toml",
    );
}

/// A login in three requests (`step`s, `headers`, templates, an error of a step): the
/// attribute of `tests/tests/login_steps_described.rs` and its spec.
#[test]
fn the_stepwise_vendor_macro_and_spec_generate_the_same_code() {
    assert_equal(
        "tests/tests/login_steps_described.rs",
        "Stepwise",
        "auth-codegen/tests/specs/stepwise.toml",
        None,
    );
}

/// Computed values (a nonce, the time, a digest, an HMAC) named by templates: the
/// attribute of `tests/tests/login_computed.rs` and its spec.
#[test]
fn the_challenge_vendor_macro_and_spec_generate_the_same_code() {
    assert_equal(
        "tests/tests/login_computed.rs",
        "Challenge",
        "auth-codegen/tests/specs/challenge.toml",
        None,
    );
}
