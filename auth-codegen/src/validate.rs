//! Checks on the IR that no single key can make: rules naming missing fields, wire
//! names used twice, alternatives that are declared mandatory, and the like. Every
//! problem is recorded at the span of what the user wrote.

use std::collections::{BTreeMap, HashSet};

use proc_macro2::Ident;

use crate::errors::{Errors, did_you_mean};
use crate::model::{BasicPart, Provider, Rule, Spanned, WireFormat};

/// Records every problem of `provider` in `errors`.
pub(crate) fn validate(provider: &Provider, errors: &Errors) {
    if provider.vendor.value.trim().is_empty() {
        errors.error(
            provider.vendor.span,
            "`vendor` is the vendor's name as users know it, e.g. \"CRM.COM\"",
        );
    }
    fields(provider, errors);
    rules(provider, errors);
    endpoints(provider, errors);
    placement(provider, errors);
    outputs(provider, errors);
}

fn fields(provider: &Provider, errors: &Errors) {
    basic(provider, errors);
    let mut wire_names = BTreeMap::new();
    for field in &provider.fields {
        let wire = field.wire_name();
        if let Some(first) = wire_names.insert(wire.clone(), &field.ident) {
            errors.error(
                field.wire_span,
                format!("`{}` and `{first}` are both sent as `{wire}`", field.ident),
            );
        }
        if field.wire.len() > 1 && provider.login.format != WireFormat::Json {
            errors.error(
                field.wire_span,
                format!(
                    "the nested wire name `{wire}` needs `format = \"json\"`: form bodies are flat"
                ),
            );
        }
        if provider.base.placeholders.iter().any(|p| field.ident == p) {
            errors.error(
                field.span,
                format!(
                    "`{}` is both a credential field and a `{{{}}}` setting of `base`",
                    field.ident, field.ident
                ),
            );
        }
    }
}

/// Checks that `ident` names a credential field; says which one was meant otherwise.
fn known_field(provider: &Provider, name: &Spanned<Ident>, errors: &Errors) -> bool {
    let ident = &name.value;
    if provider.fields.iter().any(|f| f.ident == *ident) {
        return true;
    }
    let names: Vec<String> = provider
        .fields
        .iter()
        .map(|f| f.ident.to_string())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    errors.error(
        name.span,
        format!(
            "no credential field named `{ident}`{}",
            did_you_mean(&ident.to_string(), &names)
        ),
    );
    false
}

fn rules(provider: &Provider, errors: &Errors) {
    let mut in_a_group = HashSet::new();
    for rule in &provider.rules {
        match rule {
            Rule::Requires { field, needs } => {
                let known =
                    known_field(provider, field, errors) & known_field(provider, needs, errors);
                if known && field.value == needs.value {
                    errors.error(
                        needs.span,
                        format!("`{}` cannot require itself", field.value),
                    );
                }
            }
            Rule::OneOf { groups, span } => {
                if groups.len() < 2 {
                    errors.error(*span, "`one_of` needs at least two alternatives, e.g. `one_of((username, password), (api_key))`");
                }
                for member in groups.iter().flatten() {
                    if !known_field(provider, member, errors) {
                        continue;
                    }
                    let (name, member) = (&member.value, member.span);
                    if !in_a_group.insert(name.to_string()) {
                        errors.error(
                            member,
                            format!("`{name}` is already an alternative of a `one_of`"),
                        );
                    }
                    let declared_mandatory = provider
                        .fields
                        .iter()
                        .any(|f| f.ident == *name && !f.optional);
                    if declared_mandatory {
                        errors.error(
                            member,
                            format!("`{name}` is one of several alternatives, so it is not always given: declare it `Option<String>`"),
                        );
                    }
                }
                if groups.iter().any(Vec::is_empty) {
                    errors.error(*span, "a `one_of` alternative names at least one field");
                }
            }
        }
    }
}

fn endpoints(provider: &Provider, errors: &Errors) {
    for endpoint in std::iter::once(&provider.login).chain(provider.logout.as_ref()) {
        let path = &endpoint.path.template;
        if !path.value.starts_with('/') {
            errors.error(
                path.span,
                format!(
                    "the path `{}` must start with `/`; the host goes in `base`",
                    path.value
                ),
            );
        }
        if let Some(name) = endpoint.path.placeholders.first() {
            errors.error(
                path.span,
                format!("`{{{name}}}`: placeholders go in `base` (e.g. `base = \"https://{{{name}}}.example.com\"`), not in paths"),
            );
        }
    }
    let base = &provider.base.template;
    let starts_ok = base.value.starts_with('{')
        || base.value.starts_with("https://")
        || base.value.starts_with("http://");
    if !starts_ok {
        errors.error(
            base.span,
            format!(
                "`base = \"{}\"` must start with `https://` or a `{{setting}}`",
                base.value
            ),
        );
    }
}

fn placement(provider: &Provider, errors: &Errors) {
    let p = &provider.placement;
    let span = p
        .span
        .unwrap_or_else(|| proc_macro2::Span::call_site().into());
    if !p.bearer && p.header.is_none() && p.query.is_none() && p.body_field.is_none() {
        errors.error(span, "`apply(...)` needs where the token goes: `bearer`, `header = \"...\"`, `query = \"...\"` or `body = \"...\"`");
    }
    if let Some(header) = &p.header {
        let valid = !header.is_empty()
            && header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            errors.error(span, format!("`{header}` is not a valid HTTP header name"));
        }
    }
}

fn outputs(provider: &Provider, errors: &Errors) {
    let mut variants = HashSet::new();
    for case in &provider.errors {
        let name = case.variant.to_string();
        if name == "Runtime" {
            errors.error(
                case.span,
                "`Runtime` is the variant for failures every vendor shares; choose another name",
            );
        } else if !variants.insert(name.clone()) {
            errors.error(case.span, format!("the error `{name}` is declared twice"));
        }
        let mut names = HashSet::new();
        for field in &case.fields {
            if !names.insert(field.ident.to_string()) {
                errors.error(
                    field.span,
                    format!("`{}` is declared twice in `{name}`", field.ident),
                );
            }
        }
    }
    let mut names = HashSet::new();
    for field in &provider.response_fields {
        if !names.insert(field.ident.to_string()) {
            errors.error(
                field.span,
                format!("the response field `{}` is declared twice", field.ident),
            );
        }
    }
}

/// HTTP Basic credentials: one mandatory user field and one mandatory password field.
fn basic(provider: &Provider, errors: &Errors) {
    let parts: Vec<_> = provider
        .fields
        .iter()
        .filter(|f| f.basic.is_some())
        .collect();
    for (i, field) in parts.iter().enumerate() {
        if field.optional {
            errors.error(
                field.span,
                format!("`{}` is part of HTTP Basic credentials, so it is always sent: declare it `String`", field.ident),
            );
        }
        if parts[..i].iter().any(|other| other.basic == field.basic) {
            errors.error(
                field.span,
                format!(
                    "`{}`: HTTP Basic credentials have one user and one password",
                    field.ident
                ),
            );
        }
    }
    let has = |part| parts.iter().any(|f| f.basic == Some(part));
    if let Some(first) = parts.first()
        && !(has(BasicPart::User) && has(BasicPart::Password))
    {
        errors.error(
            first.span,
            "HTTP Basic credentials need a field with `basic = \"user\"` and one with `basic = \"password\"`",
        );
    }
}
