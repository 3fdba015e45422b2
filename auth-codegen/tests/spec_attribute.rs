//! `#[auth_provider(spec = "...")]`: the attribute pointing at a spec file. The struct
//! gives the name, visibility and docs; the spec everything else. The output includes
//! the spec's bytes (so editing it rebuilds), and problems in the spec are reported at
//! the `spec = "..."` string as `file:line:col: message`.

use auth_codegen::expand_attribute;
use quote::quote;

#[test]
fn a_spec_generates_what_the_build_script_generates() {
    // Paths are relative to CARGO_MANIFEST_DIR, which cargo sets for tests too.
    let from_attribute = expand_attribute(
        quote!(spec = "../specs/onebox.toml"),
        quote!(
            /// A OneBox host, e.g. [`CLOUD`].
            pub struct OneBox;
        ),
    )
    .to_string();
    let file =
        auth_codegen::SpecFile::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/onebox.toml"));
    let from_spec = file
        .map_err(|e| e.to_string())
        .and_then(|f| auth_codegen::build::expand_spec(&f, None).map_err(|e| e.to_string()))
        .map(|t| t.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    let tracked = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/onebox.toml");
    let include = quote!(
        const _: &[u8] = ::core::include_bytes!(#tracked);
    )
    .to_string();
    assert_eq!(from_attribute, format!("{include} {from_spec}"));
}

#[test]
fn the_struct_names_the_provider_and_crate_sets_the_runtime_path() {
    let out = expand_attribute(
        quote!(spec = "../specs/crmcom.toml", crate = "::my_app::auth"),
        quote!(
            pub(crate) struct Crm;
        ),
    )
    .to_string();
    assert!(out.contains("pub (crate) struct Crm {"), "{out:.300}");
    assert!(out.contains("impl :: my_app :: auth :: __private :: Provider for Crm"));
    assert!(out.contains("CrmCredentialsBuilder"));
    assert!(!out.contains("compile_error"));
}

#[test]
fn spec_problems_are_reported_with_file_line_col() {
    let out = expand_attribute(
        quote!(spec = "tests/specs/rule_unknown_field.toml"),
        quote!(
            pub struct Example;
        ),
    )
    .to_string();
    assert!(out.contains(
        "tests/specs/rule_unknown_field.toml:7:24: no credential field named `pasword`; did you mean `password`?"
    ), "{out}");
    assert!(out.contains(
        "tests/specs/rule_unknown_field.toml:15:12: no credential field named `usernme`; did you mean `username`?"
    ), "{out}");
    // The struct is still emitted, so nothing else fails; the spec is still tracked.
    assert!(out.contains("pub struct Example ;"), "{out}");
    assert!(out.contains("include_bytes"), "{out}");
}

#[test]
fn fields_and_other_keys_beside_spec_are_refused() {
    let out = expand_attribute(
        quote!(spec = "../specs/onebox.toml", vendor = "X"),
        quote!(
            pub struct OneBox {
                email: String,
            }
        ),
    )
    .to_string();
    assert!(
        out.contains("only `crate = \\\"...\\\"` may be given beside it"),
        "{out}"
    );
    assert!(out.contains("declare `pub struct OneBox;`"), "{out}");
}

#[test]
fn a_missing_spec_is_reported() {
    let out = expand_attribute(
        quote!(spec = "specs/nope.toml"),
        quote!(
            pub struct X;
        ),
    )
    .to_string();
    assert!(out.contains("cannot read the spec"), "{out}");
    assert!(!out.contains("include_bytes"), "{out}");
}
