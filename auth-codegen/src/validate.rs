//! Checks on the IR that no single key can make: rules naming missing fields, wire
//! names used twice, alternatives that are declared mandatory, and the like. Every
//! problem is recorded at the span of what the user wrote.

use std::collections::{BTreeMap, HashSet};

use proc_macro2::Ident;

use crate::errors::{Errors, did_you_mean};
use crate::model::{
    BasicPart, ClientAuth, Computed, ConstValue, Endpoint, Grant, Location, Placement, Provider,
    Rule, Spanned, Spot, WireFormat, template_names,
};

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
    steps(provider, errors);
    computed(provider, errors);
    templates(provider, errors);
    placement(provider, errors);
    spots(provider, errors);
    oauth2(provider, errors);
    outputs(provider, errors);
}

fn fields(provider: &Provider, errors: &Errors) {
    basic(provider, errors);
    constants(provider, errors);
    let mut wire_names = BTreeMap::new();
    for field in &provider.fields {
        let wire = field.wire_name();
        if let Some(first) = wire_names.insert(wire.clone(), &field.ident) {
            errors.error(
                field.wire_span,
                format!("`{}` and `{first}` are both sent as `{wire}`", field.ident),
            );
        }
        if field.in_query && field.basic.is_some() {
            errors.error(
                field.span,
                format!(
                    "`{}` goes in the Authorization header as HTTP Basic: leave out `query`",
                    field.ident
                ),
            );
        }
        if field.in_query && field.wire.len() > 1 {
            errors.error(
                field.wire_span,
                format!("the nested wire name `{wire}` cannot go in a query string: it is flat"),
            );
        } else if field.wire.len() > 1 && provider.login.format != WireFormat::Json {
            errors.error(
                field.wire_span,
                format!(
                    "the nested wire name `{wire}` needs `format = \"json\"`: form bodies are flat"
                ),
            );
        }
        if ["build", "set", "try_build"]
            .iter()
            .any(|m| field.ident == m)
        {
            errors.error(
                field.span,
                format!(
                    "`{}` is a method of the credential builders: give the field another name and keep `{}` as its wire name with `rename`",
                    field.ident, field.ident
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

/// Every request of the login, in the order sent, then the logout and the keep-alive.
fn requests(provider: &Provider) -> impl Iterator<Item = &Endpoint> {
    provider
        .steps
        .iter()
        .map(|step| &step.endpoint)
        .chain([&provider.login])
        .chain(provider.logout.iter())
        .chain(provider.keepalive.iter())
}

fn endpoints(provider: &Provider, errors: &Errors) {
    for endpoint in requests(provider) {
        let path = &endpoint.path;
        if !path.value.starts_with('/') {
            errors.error(
                path.span,
                format!(
                    "the path `{}` must start with `/`; the host goes in `base`",
                    path.value
                ),
            );
        }
        for header in &endpoint.headers {
            if !is_header_name(&header.name.value) {
                errors.error(
                    header.name.span,
                    format!("`{}` is not a valid HTTP header name", header.name.value),
                );
            }
        }
    }
    if let Some(revoke) = provider.oauth2.as_ref().and_then(|o| o.revoke.as_ref()) {
        let path = &revoke.template;
        if !path.value.starts_with('/') {
            errors.error(
                path.span,
                format!(
                    "the path `{}` must start with `/`; the host goes in `base`",
                    path.value
                ),
            );
        }
        if let Some(name) = revoke.placeholders.first() {
            setting_in_path(name, path.span, errors);
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

fn setting_in_path(name: &str, span: Location, errors: &Errors) {
    errors.error(
        span,
        format!("`{{{name}}}`: placeholders go in `base` (e.g. `base = \"https://{{{name}}}.example.com\"`), not in paths"),
    );
}

/// The steps: names once each, bindings once each and not named like a credential
/// field, no token carried; an error's `step` names one.
fn steps(provider: &Provider, errors: &Errors) {
    let fields: Vec<String> = provider
        .fields
        .iter()
        .flat_map(|f| [f.ident.to_string(), f.wire_name()])
        .collect();
    for (i, step) in provider.steps.iter().enumerate() {
        let earlier = &provider.steps[..i];
        if earlier.iter().any(|s| s.name.value == step.name.value) {
            errors.error(
                step.name.span,
                format!("the step `{}` is declared twice", step.name.value),
            );
        }
        for (j, binding) in step.bindings.iter().enumerate() {
            let name = &binding.name.value;
            let before = earlier
                .iter()
                .find(|s| s.bindings.iter().any(|b| b.name.value == *name))
                .or_else(|| {
                    step.bindings[..j]
                        .iter()
                        .any(|b| b.name.value == *name)
                        .then_some(step)
                });
            if let Some(first) = before {
                errors.error(
                    binding.name.span,
                    format!(
                        "`{name}` is bound twice (first by the step `{}`): a template names one value",
                        first.name.value
                    ),
                );
            } else if fields.contains(name) {
                errors.error(
                    binding.name.span,
                    format!("`{name}` is a credential field, so `{{{name}}}` would name two values: bind it under another name"),
                );
            }
        }
        if let Some(placement) = &step.endpoint.placement {
            errors.error(
                placement.span.unwrap_or(step.name.span),
                "a step carries no token: `apply` goes in `logout` or `keepalive`",
            );
        }
    }
    let names: Vec<&str> = provider
        .steps
        .iter()
        .map(|s| s.name.value.as_str())
        .collect();
    for step in provider.errors.iter().filter_map(|case| case.step.as_ref()) {
        if !names.contains(&step.value.as_str()) {
            let hint = if names.is_empty() {
                ": the login has no `step`".to_owned()
            } else {
                did_you_mean(&step.value, &names)
            };
            errors.error(step.span, format!("no step named `{}`{hint}", step.value));
        }
    }
}

/// The computed values: names once each, none a credential field's or a binding's;
/// what each template of theirs names (a field, a binding, another computed value);
/// no cycle; each named by some request's template.
fn computed(provider: &Provider, errors: &Errors) {
    let fields: Vec<String> = provider
        .fields
        .iter()
        .flat_map(|f| [f.ident.to_string(), f.wire_name()])
        .collect();
    let bindings: Vec<&str> = provider
        .steps
        .iter()
        .flat_map(|s| &s.bindings)
        .map(|b| b.name.value.as_str())
        .collect();
    let names: Vec<&str> = provider
        .computed
        .iter()
        .map(|c| c.name.value.as_str())
        .collect();
    let used: Vec<&str> = requests(provider)
        .flat_map(|endpoint| endpoint.templates())
        .flat_map(|template| template_names(template.text))
        .collect();
    for (i, computed) in provider.computed.iter().enumerate() {
        let name = computed.name.value.as_str();
        if names[..i].contains(&name) {
            errors.error(
                computed.name.span,
                format!("the computed value `{name}` is declared twice"),
            );
        } else if fields.iter().any(|f| f == name) {
            errors.error(
                computed.name.span,
                format!("`{name}` is a credential field, so `{{{name}}}` would name two values: compute it under another name"),
            );
        } else if bindings.contains(&name) {
            errors.error(
                computed.name.span,
                format!("`{name}` is bound by a step, so `{{{name}}}` would name two values: compute it under another name"),
            );
        }
        for input in computed.function.inputs() {
            for named in template_names(&input.value) {
                let known = fields.iter().any(|f| f == named)
                    || bindings.contains(&named)
                    || names.contains(&named);
                if named == name {
                    errors.error(
                        input.span,
                        format!("`{{{name}}}` names the value `{name}` computes: a value is computed from others"),
                    );
                } else if !known {
                    let available: Vec<&str> = fields
                        .iter()
                        .map(String::as_str)
                        .chain(bindings.iter().copied())
                        .chain(names.iter().copied().filter(|n| *n != name))
                        .collect();
                    let hint = did_you_mean(named, &available);
                    errors.error(
                        input.span,
                        format!("`{{{named}}}` names no credential field, no value a step binds and no computed value{hint}"),
                    );
                }
            }
        }
        signing_key(provider, computed, errors);
        if let Some(cycle) = cycle_through(provider, i)
            && cycle.iter().all(|&j| j >= i)
        {
            let path = cycle
                .iter()
                .chain([&i])
                .map(|&j| format!("`{}`", provider.computed[j].name.value))
                .collect::<Vec<_>>()
                .join(" names ");
            errors.error(
                computed.name.span,
                format!("computed values name each other in a cycle ({path}): none of them can be computed first"),
            );
        }
        if !used.contains(&name) && !named_by_computed(provider, name) {
            errors.error(
                computed.name.span,
                format!("no request names `{{{name}}}`: use it in a template (a header, the path, a constant) or leave it out"),
            );
        }
    }
}

/// The key a JWT is signed with is a secret: its template names a value, and every
/// credential field it names is a secret one, so the key is never shown.
fn signing_key(provider: &Provider, computed: &Computed, errors: &Errors) {
    let crate::model::Function::Jwt(jwt) = &computed.function else {
        return;
    };
    let names = template_names(&jwt.key.value);
    if names.is_empty() {
        errors.error(
            jwt.key.span,
            format!("the key of `{}` is written in the description: name a secret credential field that holds it, such as `key = \"{{private_key}}\"`", computed.name.value),
        );
    }
    for name in names {
        if let Some(field) = provider
            .fields
            .iter()
            .find(|f| f.ident == name || f.wire_name() == name)
            && !field.secret
        {
            errors.error(
                jwt.key.span,
                format!("`{{{name}}}` signs `{}`, so it must be a secret, and the field `{}` is not one: mark it secret (`#[auth(secret)]`, `secret = true`) or drop its `public`", computed.name.value, field.ident),
            );
        }
    }
}

/// Whether a computed value names `name` in its templates.
fn named_by_computed(provider: &Provider, name: &str) -> bool {
    provider.computed.iter().any(|c| {
        c.name.value != name
            && c.function
                .inputs()
                .iter()
                .any(|input| template_names(&input.value).contains(&name))
    })
}

/// The computed values `computed[i]` names directly.
fn names_computed(provider: &Provider, i: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for input in provider.computed[i].function.inputs() {
        for named in template_names(&input.value) {
            if let Some(j) = provider.computed.iter().position(|c| c.name.value == named)
                && j != i
                && !out.contains(&j)
            {
                out.push(j);
            }
        }
    }
    out
}

/// A path of computed values from `computed[i]` back to itself (`i` first), when there
/// is one.
fn cycle_through(provider: &Provider, i: usize) -> Option<Vec<usize>> {
    fn walk(provider: &Provider, at: usize, to: usize, path: &mut Vec<usize>) -> bool {
        for next in names_computed(provider, at) {
            if next == to {
                return true;
            }
            if path.contains(&next) {
                continue;
            }
            path.push(next);
            if walk(provider, next, to, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = vec![i];
    walk(provider, i, i, &mut path).then_some(path)
}

/// What a computed value needs, through the computed values it names: the credential
/// fields and the bindings it reads (each with the index of the step binding it), and
/// the first secret among them, in words.
#[derive(Default)]
struct Needs {
    fields: Vec<String>,
    bindings: Vec<(String, usize)>,
    secret: Option<String>,
}

fn needs(provider: &Provider, computed: &Computed) -> Needs {
    fn gather(provider: &Provider, computed: &Computed, seen: &mut Vec<String>, out: &mut Needs) {
        if seen.contains(&computed.name.value) {
            return;
        }
        seen.push(computed.name.value.clone());
        for input in computed.function.inputs() {
            for name in template_names(&input.value) {
                if let Some(field) = provider
                    .fields
                    .iter()
                    .find(|f| f.ident == name || f.wire_name() == name)
                {
                    out.fields.push(name.to_owned());
                    if field.secret && out.secret.is_none() {
                        out.secret = Some(format!("the credential field `{}`", field.ident));
                    }
                } else if let Some((j, binding)) =
                    provider.steps.iter().enumerate().find_map(|(j, s)| {
                        s.bindings
                            .iter()
                            .find(|b| b.name.value == name)
                            .map(|b| (j, b))
                    })
                {
                    out.bindings.push((name.to_owned(), j));
                    if !binding.public && out.secret.is_none() {
                        out.secret = Some(format!(
                            "the value the step `{}` binds",
                            provider.steps[j].name.value
                        ));
                    }
                } else if let Some(other) = provider.computed.iter().find(|c| c.name.value == name)
                {
                    gather(provider, other, seen, out);
                }
            }
        }
    }
    let mut out = Needs::default();
    gather(provider, computed, &mut Vec::new(), &mut out);
    out
}

/// What each template names: a credential field (by its Rust or wire name) or a value
/// bound by an earlier step (in a logout's or keep-alive's, by any step of the token's
/// login); no computed value in a logout's or keep-alive's (each is computed for one
/// login attempt); and no secret inside a list constant.
fn templates(provider: &Provider, errors: &Errors) {
    let bound_by = |name: &str| {
        provider
            .steps
            .iter()
            .position(|s| s.bindings.iter().any(|b| b.name.value == name))
    };
    let steps = provider.steps.len();
    // (the request, its position in the login: none for a logout or keep-alive)
    let requests = provider
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| (&step.endpoint, Ok(i)))
        .chain([(&provider.login, Ok(steps))])
        .chain(provider.logout.iter().map(|e| (e, Err("logout"))))
        .chain(provider.keepalive.iter().map(|e| (e, Err("keep-alive"))));
    for (endpoint, position) in requests {
        for template in endpoint.templates() {
            let in_path = template.in_path;
            for name in template_names(template.text) {
                let field = provider
                    .fields
                    .iter()
                    .find(|f| f.ident == name || f.wire_name() == name);
                let binder = bound_by(name);
                let setting = provider.base.placeholders.iter().any(|p| p == name);
                let computed = provider.computed.iter().find(|c| c.name.value == name);
                if let Some(computed) = computed
                    && field.is_none()
                    && binder.is_none()
                {
                    let needs = needs(provider, computed);
                    match position {
                        Ok(at) => {
                            if let Some((binding, j)) =
                                needs.bindings.iter().find(|(_, j)| *j >= at)
                            {
                                let binder = &provider.steps[*j].name.value;
                                let when = if *j == at {
                                    format!("the step `{binder}` itself")
                                } else {
                                    format!("the step `{binder}`, sent after this one")
                                };
                                errors.error(
                                    template.span,
                                    format!(
                                        "`{{{name}}}` is computed from `{{{binding}}}`, which is bound by {when}: a computed value is named only in the requests after the steps that bind what it reads"
                                    ),
                                );
                                continue;
                            }
                        }
                        Err(what) => {
                            let read = needs
                                .fields
                                .first()
                                .or(needs.bindings.first().map(|(b, _)| b));
                            let from = read
                                .map(|read| format!(" from `{{{read}}}`"))
                                .unwrap_or_default();
                            errors.error(
                                template.span,
                                format!(
                                    "`{{{name}}}` is computed{from} once per attempt to log in, and the {what} is sent after the login: name the credential fields or the values the steps bind themselves"
                                ),
                            );
                            continue;
                        }
                    }
                    if let Some(secret) = needs.secret
                        && template.in_list
                    {
                        errors.error(
                            template.span,
                            format!(
                                "`{{{name}}}` is a secret (computed from {secret}), and a list's JSON value would show it: send it in a string constant of its own"
                            ),
                        );
                    }
                    continue;
                }
                let at = match position {
                    Ok(at) => at,
                    Err(_) if in_path && setting => {
                        setting_in_path(name, template.span, errors);
                        continue;
                    }
                    // Sent after the login: every step has bound its values.
                    Err(_) => steps,
                };
                let secret = match (field, binder) {
                    (Some(field), _) => field
                        .secret
                        .then(|| format!("the credential field `{}`", field.ident)),
                    (None, Some(j)) if j < at => {
                        let step = &provider.steps[j];
                        let public = step
                            .bindings
                            .iter()
                            .any(|b| b.name.value == name && b.public);
                        (!public).then(|| format!("the value the step `{}` binds", step.name.value))
                    }
                    (None, Some(j)) => {
                        let binder = &provider.steps[j].name.value;
                        let when = if j == at {
                            format!("the step `{binder}` itself")
                        } else {
                            format!("the step `{binder}`, sent after this one")
                        };
                        errors.error(
                            template.span,
                            format!(
                                "`{{{name}}}` is bound by {when}: a value is named only in the requests after the step that binds it"
                            ),
                        );
                        continue;
                    }
                    (None, None) => {
                        let available: Vec<String> = provider
                            .fields
                            .iter()
                            .flat_map(|f| [f.ident.to_string(), f.wire_name()])
                            .chain(
                                provider.steps[..at]
                                    .iter()
                                    .flat_map(|s| &s.bindings)
                                    .map(|b| b.name.value.clone()),
                            )
                            .chain(provider.computed.iter().map(|c| c.name.value.clone()))
                            .collect();
                        let available: Vec<&str> = available.iter().map(String::as_str).collect();
                        let hint = did_you_mean(name, &available);
                        // A path's placeholder meant as a setting of the provider.
                        if in_path && (setting || hint.is_empty()) {
                            setting_in_path(name, template.span, errors);
                            continue;
                        }
                        let (also, computed) = match provider.computed.is_empty() {
                            true => (" and", ""),
                            false => (",", " and no computed value"),
                        };
                        let bound = match position {
                            Ok(at) if at < steps => "no value bound by a step before this step",
                            Ok(_) => "no value bound by a step before the token request",
                            Err(_) => "no value a step of the login binds",
                        };
                        errors.error(
                            template.span,
                            format!(
                                "`{{{name}}}` names no credential field{also} {bound}{computed}{hint}"
                            ),
                        );
                        continue;
                    }
                };
                if let Some(secret) = secret
                    && template.in_list
                {
                    errors.error(
                        template.span,
                        format!(
                            "`{{{name}}}` is a secret ({secret}), and a list's JSON value would show it: send it in a string constant of its own"
                        ),
                    );
                }
            }
        }
    }
}

fn placement(provider: &Provider, errors: &Errors) {
    let endpoints = [&provider.logout, &provider.keepalive];
    let own = endpoints
        .into_iter()
        .flatten()
        .filter_map(|endpoint| endpoint.placement.as_ref());
    for p in [&provider.placement].into_iter().chain(own) {
        placement_of(p, errors);
    }
}

/// One `apply(...)`: somewhere to go, and header and cookie names that can be sent.
fn placement_of(p: &Placement, errors: &Errors) {
    let span = p
        .span
        .unwrap_or_else(|| proc_macro2::Span::call_site().into());
    let nowhere = !p.bearer
        && p.header.is_none()
        && p.cookie.is_none()
        && p.query.is_none()
        && p.body_field.is_none();
    // A key written with a bad value was reported where it was written.
    if nowhere && !p.refused {
        errors.error(span, "`apply(...)` needs where the token goes: `bearer`, `header = \"...\"`, `scheme = \"...\"`, `cookie = \"...\"`, `query = \"...\"` or `body = \"...\"`");
    }
    let mut named: Vec<String> = Vec::new();
    for header in p.header.iter().chain(&p.more_headers) {
        if !is_header_name(header) {
            errors.error(span, format!("`{header}` is not a valid HTTP header name"));
        } else if named.contains(&header.to_ascii_lowercase()) {
            errors.error(
                span,
                format!("`{header}` is named twice in `header` (header names ignore case): name each header once"),
            );
        }
        named.push(header.to_ascii_lowercase());
    }
    if let Some(header) = &p.header
        && p.bearer
        && header.eq_ignore_ascii_case("authorization")
    {
        errors.error(
            span,
            "`bearer` already fills the `Authorization` header: for another scheme word write `scheme = \"...\"` without `bearer`",
        );
    }
    if let Some(scheme) = &p.scheme
        && (scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_graphic()))
    {
        errors.error(
            span,
            format!("`{scheme}` is not a scheme word such as `Token`"),
        );
    }
    if let Some(cookie) = &p.cookie
        && !is_cookie_name(cookie)
    {
        errors.error(span, format!("`{cookie}` is not a valid cookie name"));
    }
}

/// Header names given in a description: letters, digits, `-` and `_`.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A cookie name (an RFC 6265 token): visible ASCII but separators.
fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

/// Header and cookie names the answer is read at.
fn spots(provider: &Provider, errors: &Errors) {
    let conditions = provider
        .success
        .iter()
        .chain(provider.steps.iter().filter_map(|s| s.success.as_ref()))
        .chain(provider.rejected.iter().filter_map(|r| r.when.as_ref()))
        .chain(provider.errors.iter().filter_map(|case| case.when.as_ref()));
    let spots = std::iter::once(&provider.token)
        .chain(conditions.map(|c| &c.spot))
        .chain(
            provider
                .steps
                .iter()
                .flat_map(|s| &s.bindings)
                .map(|b| &b.spot),
        )
        .chain(provider.expiry.field.iter().map(|f| &f.spot));
    for spot in spots {
        match spot {
            Spot::Header(name) if !is_header_name(&name.value) => errors.error(
                name.span,
                format!("`{}` is not a valid HTTP header name", name.value),
            ),
            Spot::Cookie(name) if !is_cookie_name(&name.value) => errors.error(
                name.span,
                format!("`{}` is not a valid cookie name", name.value),
            ),
            _ => {}
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

/// Constants: flat where the encoding is flat, and not sent under a credential field's
/// wire name.
fn constants(provider: &Provider, errors: &Errors) {
    for endpoint in requests(provider) {
        let body_flat = endpoint.format != WireFormat::Json;
        let lists = [(&endpoint.constants, body_flat), (&endpoint.query, true)];
        for (constants, flat) in lists {
            for constant in constants {
                let name = constant.path.join(".");
                let nested = constant.path.len() > 1
                    || matches!(&constant.value, ConstValue::Object(_))
                    || matches!(&constant.value, ConstValue::List(items) if items.iter().any(|i| matches!(i, ConstValue::List(_) | ConstValue::Object(_))));
                if flat && nested {
                    errors.error(
                        constant.span,
                        format!("`{name}` is nested, and a form, multipart body or query string is flat: nest it only in a JSON body"),
                    );
                }
            }
        }
    }
    let login = &provider.login;
    // A field sent only where a template names it leaves its wire name free: a constant
    // of that name may be the template (`password = "{password}{security_token}"`).
    let named = provider.template_names();
    for constant in login.constants.iter().chain(&login.query) {
        if let Some(field) = provider
            .fields
            .iter()
            .filter(|f| !Provider::only_in_templates(f, &named))
            .find(|f| f.wire == constant.path)
        {
            errors.error(
                constant.span,
                format!(
                    "`{}` is both a constant and the credential field `{}`",
                    constant.path.join("."),
                    field.ident
                ),
            );
        }
    }
    if let Some(placement) = &login.placement {
        errors.error(
            placement.span.unwrap_or(login.path.span),
            "the login carries no token: `apply` goes in `logout` or `keepalive`",
        );
    }
}

/// HTTP Basic credentials: one mandatory user field, and at most one mandatory password
/// field (none: an empty password).
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
        && !has(BasicPart::User)
    {
        errors.error(
            first.span,
            "HTTP Basic credentials need a field with `basic = \"user\"` (a password alone is not Basic credentials)",
        );
    }
}

/// An OAuth 2.0 token request has what its grant sends, and a way for the client to
/// authenticate.
fn oauth2(provider: &Provider, errors: &Errors) {
    let Some(oauth2) = &provider.oauth2 else {
        return;
    };
    if let (Some(revoke), Some(_)) = (&oauth2.revoke, &provider.logout) {
        errors.error(
            revoke.template.span,
            "`revoke` and `logout` are both given: choose one; `revoke` makes the logout an OAuth 2.0 revocation (RFC 7009) of the refresh and access tokens, `logout` calls a logout endpoint of the vendor's own",
        );
    }
    let sends = |wire: &str| {
        provider
            .fields
            .iter()
            .any(|f| f.basic.is_none() && f.wire_name() == wire)
    };
    if oauth2.grant == Grant::Password {
        for wire in ["username", "password"] {
            if !sends(wire) {
                errors.error(
                    oauth2.span,
                    format!("the `password` grant sends the resource owner's `{wire}`: declare a credential field sent as `{wire}`"),
                );
            }
        }
    }
    // RFC 9449 section 7.1: a DPoP-bound token goes as `Authorization: DPoP` and nowhere
    // else (in a query or a body it would go without its proof's binding).
    let placement = &provider.placement;
    let dpop_placement = placement.header.as_deref() == Some("Authorization")
        && placement.scheme.as_deref() == Some("DPoP")
        && !placement.bearer
        && placement.more_headers.is_empty()
        && placement.cookie.is_none()
        && placement.query.is_none()
        && placement.body_field.is_none();
    if oauth2.dpop && !dpop_placement && !placement.refused {
        errors.error(
            placement.span.unwrap_or(oauth2.span),
            "`dpop` binds the token to the session's key, and it goes as `Authorization: DPoP <token>` with a proof (RFC 9449 section 7.1): leave `apply` out",
        );
    }
    // What RFC 7523 sends, under the names it gives them.
    let sends_value =
        |name: &str| sends(name) || provider.login.constants.iter().any(|c| c.path == [name]);
    let jwt = |name: &str| {
        provider
            .computed
            .iter()
            .any(|c| c.name.value == name && matches!(c.function, crate::model::Function::Jwt(_)))
    };
    if oauth2.grant == Grant::JwtBearer && !sends_value("assertion") {
        errors.error(
            oauth2.span,
            "the `jwt-bearer` grant sends an `assertion`: compute it, a signed JWT such as `computed(assertion(jwt = \"RS256\", key = \"{private_key}\", claims(iss = \"{client_email}\", aud = \"...\")))`",
        );
    }
    if oauth2.client_auth == ClientAuth::PrivateKeyJwt && !jwt("client_assertion") {
        errors.error(
            oauth2.span,
            "`private_key_jwt` sends a `client_assertion`: compute it, a JWT signed with the client's key whose `iss` and `sub` are the client id and `aud` the token endpoint, such as `computed(client_assertion(jwt = \"RS256\", key = \"{private_key}\", claims(iss = \"{client_id}\", sub = \"{client_id}\", aud = \"...\")))`",
        );
    }
    let basic = provider
        .fields
        .iter()
        .any(|f| f.basic == Some(BasicPart::User));
    // The JWT-bearer grant's assertion says who the client is (RFC 7523 section 3:
    // client authentication is optional); `private_key_jwt` is the client's own.
    let authenticated_otherwise =
        oauth2.grant == Grant::JwtBearer || oauth2.client_auth == ClientAuth::PrivateKeyJwt;
    if !basic && !sends("client_id") && !authenticated_otherwise {
        errors.error(
            oauth2.span,
            "the OAuth 2.0 client authenticates with HTTP Basic (fields with `basic = \"user\"` and `basic = \"password\"`) or with a `client_id` field (and `client_secret`)",
        );
    }
}
