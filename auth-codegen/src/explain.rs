//! A provider's credential rules and endpoint in plain words (`authgen explain`).

use std::fmt::Write as _;

use crate::expand::builder::describe_check;
use crate::model::{Endpoint, Lifetime, Method, Provider, Rule, ValueKind, WireFormat};
use crate::rules::{describe_groups, idents};

/// What `provider` expects of its credentials and how it logs in, in plain words.
pub fn explain(provider: &Provider) -> String {
    let mut out = String::new();
    // `write!` to a `String` cannot fail; the results are ignored on purpose.
    let vendor = &provider.vendor.value;
    let name = &provider.ident;
    let _ = writeln!(out, "{vendor} (`{name}`)");
    let _ = writeln!(out);

    let _ = writeln!(out, "Credentials ({name}::credentials()):");
    for field in &provider.fields {
        let mut facts = vec![if field.optional {
            "optional".to_owned()
        } else {
            "mandatory".to_owned()
        }];
        if field.secret {
            facts.push("secret (redacted in Debug, zeroized when dropped)".to_owned());
        }
        facts.extend(
            field
                .checks
                .iter()
                .map(|c| format!("{} (checked by `build()`)", describe_check(c))),
        );
        let wire = field.wire_name();
        let sent = if field.ident == wire {
            String::new()
        } else {
            format!(", sent as `{wire}`")
        };
        let _ = writeln!(out, "  - `{}`{sent}: {}", field.ident, facts.join("; "));
    }

    let one_ofs: Vec<_> = provider
        .rules
        .iter()
        .filter_map(|rule| match rule {
            Rule::OneOf { groups, .. } => Some(idents(groups)),
            Rule::Requires { .. } => None,
        })
        .collect();
    let requirements = provider.requirements();
    if !one_ofs.is_empty() || !requirements.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Rules (a builder that breaks one does not compile):");
        for groups in &one_ofs {
            let _ = writeln!(
                out,
                "  - give exactly one of {}; a second alternative is refused at its setter",
                describe_groups(groups, "or")
            );
        }
        for r in &requirements {
            let _ = writeln!(
                out,
                "  - `{}` is mandatory when `{}` is set",
                r.needs, r.field
            );
        }
    }
    let mandatory: Vec<String> = provider
        .fields
        .iter()
        .filter(|f| !f.optional)
        .map(|f| format!("`{}`", f.ident))
        .collect();
    if !mandatory.is_empty() {
        let _ = writeln!(out, "  - always give {}", mandatory.join(", "));
    }
    let _ = writeln!(out, "  - each setter may be called once");

    let _ = writeln!(out);
    let _ = writeln!(out, "Login:");
    let settings = &provider.base.placeholders;
    if !settings.is_empty() {
        let list: Vec<String> = settings.iter().map(|s| format!("`{s}`")).collect();
        let _ = writeln!(
            out,
            "  - {name}::new({}) fills in {}",
            settings.join(", "),
            list.join(", ")
        );
    }
    // The values computed for the requests, each once per attempt to log in.
    for computed in &provider.computed {
        let _ = writeln!(
            out,
            "  - computes `{{{}}}` once per attempt to log in: {}",
            computed.name.value,
            function(&computed.function)
        );
    }
    // Each step in order, then the token request: what is sent, what is read.
    for (i, step) in provider.steps.iter().enumerate() {
        let endpoint = &step.endpoint;
        let _ = write!(
            out,
            "  - step {} (`{}`): {} {}{}{}",
            i + 1,
            step.name.value,
            method(endpoint.method),
            provider.base.template.value,
            endpoint.path.value,
            carrying(endpoint)
        );
        if let Some(c) = &step.success {
            let _ = write!(out, "; it succeeded only when {}", c.describe());
        }
        let bound: Vec<String> = step
            .bindings
            .iter()
            .map(|b| {
                let kept = if b.public { "" } else { ", a secret" };
                format!("`{}` from {}{kept}", b.name.value, b.spot.shown())
            })
            .collect();
        if !bound.is_empty() {
            let _ = write!(out, "; keeps {}", bound.join(" and "));
        }
        let _ = writeln!(out);
    }
    let login = &provider.login;
    let then = if provider.steps.is_empty() {
        ""
    } else {
        "then the token request: "
    };
    let _ = writeln!(
        out,
        "  - {then}{} {}{} with a {} body{}",
        method(login.method),
        provider.base.template.value,
        login.path.value,
        format(login.format),
        carrying(login)
    );
    let _ = write!(
        out,
        "  - the token is {} of the response",
        provider.token.shown()
    );
    match &provider.success {
        Some(c) => {
            let _ = writeln!(out, "; the login succeeded only when {}", c.describe());
        }
        None => {
            let _ = writeln!(out, "; any 2xx status is a success");
        }
    }
    let p = &provider.placement;
    let mut places = Vec::new();
    if p.bearer {
        places.push("the `Authorization: Bearer` header".to_owned());
    }
    for h in p.header.iter().chain(&p.more_headers) {
        match &p.scheme {
            Some(scheme) => places.push(format!("the `{h}` header, as `{scheme} <token>`")),
            None => places.push(format!("the `{h}` header")),
        }
    }
    if let Some(c) = &p.cookie {
        places.push(format!("the `{c}` cookie"));
    }
    match (&p.query, &p.body_field) {
        (Some(q), Some(b)) => places.push(format!(
            "the `{b}` field of a JSON or form body, or the `{q}` query parameter on other requests"
        )),
        (Some(q), None) => places.push(format!("the `{q}` query parameter")),
        (None, Some(b)) => places.push(format!("the `{b}` field of a JSON or form body")),
        (None, None) => {}
    }
    let _ = writeln!(out, "  - API requests carry it in {}", places.join(" and "));
    let lifetime = match provider.expiry.lifetime {
        Lifetime::Absolute(s) => format!("it expires {} after it was issued", duration(s)),
        Lifetime::Idle(s) => format!("it expires after {} without use", duration(s)),
        Lifetime::Unknown => "its lifetime is unknown: it is replaced when rejected".to_owned(),
    };
    let jwt = if provider.expiry.jwt_exp {
        "; a JWT's `exp` claim decides when present"
    } else {
        ""
    };
    let _ = writeln!(out, "  - {lifetime}{jwt}");
    let revoke = provider.oauth2.as_ref().and_then(|o| o.revoke.as_ref());
    match (&provider.logout, revoke) {
        (Some(logout), _) => {
            let _ = writeln!(
                out,
                "  - logout: {} {}{}",
                method(logout.method),
                provider.base.template.value,
                logout.path.value
            );
        }
        (None, Some(revoke)) => {
            let _ = writeln!(
                out,
                "  - logout: revokes the refresh token, then the access token (RFC 7009), at POST {}{}",
                provider.base.template.value, revoke.template.value
            );
        }
        (None, None) => {
            let _ = writeln!(out, "  - no logout");
        }
    }

    if !provider.errors.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Documented login failures ({name}Error):");
        for case in &provider.errors {
            let mut when = Vec::new();
            if let Some(status) = case.status {
                when.push(format!("HTTP {status}"));
            }
            if let Some(c) = &case.when {
                when.push(c.describe());
            }
            if when.is_empty() {
                when.push("any failed login".to_owned());
            }
            if let Some(step) = &case.step {
                when.insert(0, format!("at the step `{}`", step.value));
            }
            let fields: Vec<String> = case
                .fields
                .iter()
                .map(|f| match f.kind {
                    ValueKind::Text => format!("`{}`", f.path.dotted()),
                    ValueKind::FieldMessages => {
                        format!("`{}` (per-field messages)", f.path.dotted())
                    }
                })
                .collect();
            let read = if fields.is_empty() {
                String::new()
            } else {
                format!("; reads {}", fields.join(", "))
            };
            let _ = writeln!(out, "  - {}: {}{read}", case.variant, when.join(" and "));
        }
    }
    out
}

/// The headers a request carries, in words (`, with the header X-Session: {session}`).
fn carrying(endpoint: &Endpoint) -> String {
    let headers: Vec<String> = endpoint
        .headers
        .iter()
        .map(|h| format!("`{}: {}`", h.name.value, h.value.value))
        .collect();
    match headers.as_slice() {
        [] => String::new(),
        [one] => format!(", with the header {one}"),
        _ => format!(", with the headers {}", headers.join(", ")),
    }
}

fn method(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        Method::Patch => "PATCH",
    }
}

fn format(f: WireFormat) -> &'static str {
    match f {
        WireFormat::Json => "JSON",
        WireFormat::Form => "form-urlencoded",
        WireFormat::Multipart => "multipart/form-data",
    }
}

/// `5400` → `1h30m`.
fn duration(seconds: u64) -> String {
    let mut out = String::new();
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if m > 0 {
        let _ = write!(out, "{m}m");
    }
    if s > 0 || out.is_empty() {
        let _ = write!(out, "{s}s");
    }
    out
}

/// A computed value's function in words: "SHA-256 of `{nonce}{password}`, in hex".
fn function(function: &crate::model::Function) -> String {
    use crate::model::Function;
    let of = |input: &crate::model::Spanned<String>| format!("`{}`", input.value);
    match function {
        Function::Sha256(input, output) => {
            format!("SHA-256 of {}, in {}", of(input), output.word())
        }
        Function::Sha512(input, output) => {
            format!("SHA-512 of {}, in {}", of(input), output.word())
        }
        Function::HmacSha256 {
            key,
            message,
            output,
        } => format!(
            "HMAC-SHA-256 of {} under the key {}, in {}",
            of(message),
            of(key),
            output.word()
        ),
        Function::Base64(input, output) => format!("{} in {}", of(input), output.word()),
        Function::Concat(input) => of(input),
        Function::Now(format) => format!("the current time ({})", format.word()),
        Function::Nonce(bytes, output) => {
            format!("{bytes} random bytes, in {}", output.word())
        }
        Function::Uuid => "a random UUID (version 4)".to_owned(),
        Function::Jwt(jwt) => {
            let mut text = format!(
                "a JWT signed {} with the key {}",
                jwt.algorithm.word(),
                of(&jwt.key)
            );
            if let Some(kid) = &jwt.key_id {
                text.push_str(&format!(" (`kid` {})", of(kid)));
            }
            for (name, value) in &jwt.claims {
                text.push_str(&format!(", `{name}` {}", of(value)));
            }
            match jwt.backdate_secs {
                0 => text.push_str(", `iat` now"),
                secs => text.push_str(&format!(", `iat` {secs}s ago")),
            }
            text.push_str(&format!(
                ", `exp` {}s after `iat`, a random `jti`",
                jwt.lifetime_secs
            ));
            text
        }
    }
}
