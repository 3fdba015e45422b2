//! A credential field named like a secret is one without being told, in both forms;
//! `#[auth(public)]` in the attribute and `secret = false` in a spec keep it plain, and
//! both marks on one field are one error.

use auth_codegen::{SpecFile, expand_attribute};
use proc_macro2::TokenStream;
use quote::quote;

/// A spec whose `password` field has the settings `password` (TOML lines), beside a
/// `username` and a `key` sent as `x-api-key`.
fn spec(password: &str) -> SpecFile {
    SpecFile::new(
        "named.toml",
        format!(
            r#"name = "Named"
vendor = "Named"
base = "{{host}}"
login = {{ path = "/login" }}
token = "token"
apply = {{ bearer = true }}

[fields.username]

[fields.password]
{password}

[fields.key]
rename = "x-api-key"
"#
        ),
    )
}

/// The same vendor as an attribute, with `marks` on `password`.
fn attribute(marks: TokenStream) -> String {
    expand_attribute(
        quote!(
            vendor = "Named",
            base = "{host}",
            login(path = "/login"),
            token = "token",
            apply(bearer)
        ),
        quote!(
            pub struct Named {
                username: String,
                #marks
                password: String,
                #[auth(rename = "x-api-key")]
                key: String,
            }
        ),
    )
    .to_string()
}

fn code(file: &SpecFile) -> String {
    match auth_codegen::build::expand_spec(file, None) {
        Ok(tokens) => tokens.to_string(),
        Err(e) => panic!("{e}"),
    }
}

/// Which fields of the spec are secret, by name.
fn secrets(file: &SpecFile) -> Vec<String> {
    match file.provider() {
        Ok(provider) => provider
            .fields
            .iter()
            .filter(|field| field.secret)
            .map(|field| field.ident.to_string())
            .collect(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_field_named_like_a_secret_is_one_unless_marked_public() {
    // `key` is secret by its wire name, `x-api-key`; `username` is no secret.
    assert_eq!(secrets(&spec("")), ["password", "key"]);
    assert_eq!(secrets(&spec("secret = true")), ["password", "key"]);
    assert_eq!(secrets(&spec("secret = false")), ["key"]);
    assert_eq!(code(&spec("")), code(&spec("secret = true")));
    assert_ne!(code(&spec("")), code(&spec("secret = false")));
}

#[test]
fn both_forms_say_it_alike() {
    let unmarked = attribute(quote!());
    assert!(!unmarked.contains("compile_error"), "{unmarked}");
    assert_eq!(unmarked, code(&spec("")));
    assert_eq!(attribute(quote!(#[auth(secret)])), code(&spec("")));
    assert_eq!(
        attribute(quote!(#[auth(public)])),
        code(&spec("secret = false"))
    );
    assert_eq!(
        attribute(quote!(#[auth(secret = false)])),
        code(&spec("secret = false"))
    );
}

#[test]
fn public_is_written_secret_false_in_a_spec() {
    match spec("public = true").provider() {
        Ok(_) => panic!("`public` in a spec should be refused"),
        Err(errors) => assert_eq!(
            errors
                .diagnostics
                .iter()
                .map(|d| d.short())
                .collect::<Vec<_>>(),
            ["named.toml:11:1: `public` is not part of a spec file: set it with `secret = false`"]
        ),
    }
}

/// The error says what to write, which depends on what the name alone makes the field.
#[test]
fn both_marks_on_one_field_are_one_error() {
    let errors = |out: String| out.matches("compile_error").count();
    let out = attribute(quote!(#[auth(secret, public)]));
    assert_eq!(errors(out.clone()), 1, "{out}");
    assert!(
        out.contains(
            "`password` is marked both `secret` and `public`: write `#[auth(public)]` alone to show it in `Debug`, or neither to keep it secret (its name makes it one)"
        ),
        "{out}"
    );
    let out = expand_attribute(
        quote!(
            vendor = "Named",
            base = "{host}",
            login(path = "/login"),
            token = "token",
            apply(bearer)
        ),
        quote!(
            pub struct Named {
                #[auth(public)]
                #[auth(secret)]
                region: String,
            }
        ),
    )
    .to_string();
    assert_eq!(errors(out.clone()), 1, "{out}");
    assert!(
        out.contains(
            "`region` is marked both `secret` and `public`: write `#[auth(secret)]` alone to redact it in `Debug`, or neither to keep it plain"
        ),
        "{out}"
    );
}
