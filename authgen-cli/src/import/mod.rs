//! `authgen import`: a spec-file skeleton from an OpenAPI 3.0 document.
//!
//! The document says where the login is, what it takes and what it answers; it does
//! not say how long a token lives or which fields go together, so the skeleton says
//! so in `# TODO` lines. Whatever is written is checked by the generator before it
//! is handed back: a skeleton `authgen check` refuses is a bug of this module.

mod document;
mod schema;
mod toml_out;

use std::collections::BTreeMap;
use std::path::Path;

use openapiv3::{
    APIKeyLocation, MediaType, OpenAPI, Operation, ReferenceOr, Response, SecurityScheme,
    StatusCode,
};

use document::Document;
use schema::{Walker, is_expiry, is_string, squash, token_rank};
use toml_out::{Spec, Spot, snake};

/// What `authgen import` hands back.
pub(crate) struct Imported {
    /// The spec file's text.
    pub(crate) text: String,
    /// Which login was chosen, and why (for stderr).
    pub(crate) chosen: String,
}

/// Imports the login of the document at `path`; `operation` picks it by operationId
/// (or `METHOD /path`, or `scheme.flow` for an OAuth 2.0 flow).
pub(crate) fn import(path: &Path, operation: Option<&str>) -> Result<Imported, String> {
    let api = document::load(path)?;
    let doc = Document { api: &api };
    let source = path.display().to_string();
    let candidates = candidates(&doc)?;
    let (login, chosen) = choose(&candidates, &api, operation, &source)?;
    let mut spec = Spec::new(&source, &login.describe(), &api);
    base(&api, &mut spec);
    match login {
        Candidate::Flow(flow) => import_flow(&doc, flow, &mut spec),
        Candidate::Operation(op) => import_operation(&doc, op, &mut spec)?,
    }
    let text = spec.render();
    // The skeleton passes `authgen check`, or this is a bug: say so loudly.
    let file = auth_codegen::SpecFile::new(format!("(imported from {source})"), text.clone());
    if let Err(errors) = file.provider() {
        return Err(format!(
            "error: bug in `authgen import`: the spec it wrote for `{source}` does not pass `authgen check`; please report it with the document.\n{errors}\n--- the spec written ---\n{text}"
        ));
    }
    Ok(Imported { text, chosen })
}

// ---------------------------------------------------------------------------------
// Choosing the login

/// An operation that may be the login.
struct OperationCandidate<'a> {
    method: &'static str,
    path: &'a str,
    op: &'a Operation,
    reason: String,
}

/// An OAuth 2.0 flow that logs in without a person: password or client credentials.
struct FlowCandidate {
    scheme: String,
    /// `password` or `clientCredentials`, as the document spells it.
    flow: &'static str,
    token_url: String,
    scopes: Vec<String>,
}

enum Candidate<'a> {
    Operation(OperationCandidate<'a>),
    Flow(FlowCandidate),
}

impl Candidate<'_> {
    /// What `--operation` takes to choose it.
    fn selector(&self) -> String {
        match self {
            Candidate::Operation(c) => {
                c.op.operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{} {}", c.method, c.path))
            }
            Candidate::Flow(f) => format!("{}.{}", f.scheme, f.flow),
        }
    }

    fn describe(&self) -> String {
        match self {
            Candidate::Operation(c) => match &c.op.operation_id {
                Some(id) => format!("operation `{id}` ({} {})", c.method, c.path),
                None => format!("operation `{} {}`", c.method, c.path),
            },
            Candidate::Flow(f) => format!(
                "the `{}` flow of OAuth 2.0 scheme `{}` (tokenUrl `{}`)",
                f.flow, f.scheme, f.token_url
            ),
        }
    }

    fn reason(&self) -> String {
        match self {
            Candidate::Operation(c) => c.reason.clone(),
            Candidate::Flow(f) => {
                format!("an OAuth 2.0 `{}` flow logs in without a person", f.flow)
            }
        }
    }
}

/// Words that say an operation logs in.
const LOGIN_WORDS: [&str; 12] = [
    "login",
    "logon",
    "signin",
    "token",
    "tokens",
    "auth",
    "authenticate",
    "authentication",
    "authorize",
    "session",
    "sessions",
    "jwt",
];

/// Words that say an operation does something else with a token.
const OTHER_WORDS: [&str; 8] = [
    "logout",
    "logoff",
    "signout",
    "revoke",
    "refresh",
    "introspect",
    "validate",
    "verify",
];

/// `getAuthToken`, `/auth/sign-in`, "Log in" -> `get`, `auth`, `token`, `signin`, `login`.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            current.push(c.to_ascii_lowercase());
        } else {
            previous_lower = false;
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    // "sign in", "log in", "log on" written apart.
    let joined: Vec<String> = words
        .windows(2)
        .filter(|w| {
            matches!(
                (w[0].as_str(), w[1].as_str()),
                ("sign" | "log", "in" | "on")
            )
        })
        .map(|w| format!("{}{}", w[0], w[1]))
        .collect();
    words.extend(joined);
    words
}

fn candidates<'a>(doc: &Document<'a>) -> Result<Vec<Candidate<'a>>, String> {
    let api = doc.api;
    let mut flows = Vec::new();
    if let Some(components) = &api.components {
        for (name, scheme) in &components.security_schemes {
            let at = format!("`components.securitySchemes.{name}`");
            if let SecurityScheme::OAuth2 { flows: f, .. } = doc.resolve(scheme, &at)? {
                if let Some(p) = &f.password {
                    flows.push(FlowCandidate {
                        scheme: name.clone(),
                        flow: "password",
                        token_url: p.token_url.clone(),
                        scopes: p.scopes.keys().cloned().collect(),
                    });
                }
                if let Some(c) = &f.client_credentials {
                    flows.push(FlowCandidate {
                        scheme: name.clone(),
                        flow: "clientCredentials",
                        token_url: c.token_url.clone(),
                        scopes: c.scopes.keys().cloned().collect(),
                    });
                }
            }
        }
    }
    let token_paths: Vec<String> = flows.iter().map(|f| split_url(&f.token_url).1).collect();
    let mut found: Vec<Candidate<'a>> = Vec::new();
    for (path, item) in &api.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let method = match method {
                "get" => "GET",
                "put" => "PUT",
                "post" => "POST",
                "delete" => "DELETE",
                "patch" => "PATCH",
                "head" => "HEAD",
                "options" => "OPTIONS",
                _ => "TRACE",
            };
            found.push(Candidate::Operation(OperationCandidate {
                method,
                path,
                op,
                reason: String::new(),
            }));
        }
    }
    // Every operation is kept for `--operation`; the heuristic marks the likely ones.
    for candidate in &mut found {
        let Candidate::Operation(c) = candidate else {
            continue;
        };
        let mut said = Vec::new();
        for (what, text) in [
            ("path", Some(c.path)),
            ("operationId", c.op.operation_id.as_deref()),
            ("summary", c.op.summary.as_deref()),
        ] {
            let w = words(text.unwrap_or(""));
            if w.iter().any(|w| OTHER_WORDS.contains(&w.as_str())) {
                said.clear();
                break;
            }
            if let Some(word) = w.iter().find(|w| LOGIN_WORDS.contains(&w.as_str())) {
                said.push(format!("its {what} says `{word}`"));
            }
        }
        let on_token_url = token_paths.iter().any(|p| path_matches(p, c.path));
        if !said.is_empty() && c.method == "POST" && c.op.request_body.is_some() && !on_token_url {
            c.reason = format!("a POST with a request body; {}", said.join(", "));
        }
    }
    found.extend(flows.into_iter().map(Candidate::Flow));
    Ok(found)
}

/// Whether the token URL's path ends with the operation's path (the server's prefix
/// may stand before it).
fn path_matches(token_path: &str, op_path: &str) -> bool {
    token_path == op_path || token_path.ends_with(op_path) && op_path.len() > 1
}

fn is_likely(candidate: &Candidate<'_>) -> bool {
    match candidate {
        Candidate::Operation(c) => !c.reason.is_empty(),
        Candidate::Flow(_) => true,
    }
}

fn choose<'c, 'a>(
    candidates: &'c [Candidate<'a>],
    api: &OpenAPI,
    operation: Option<&str>,
    source: &str,
) -> Result<(&'c Candidate<'a>, String), String> {
    if let Some(wanted) = operation {
        let found = candidates.iter().find(|c| {
            c.selector() == wanted
                || matches!(c, Candidate::Operation(o)
                    if format!("{} {}", o.method, o.path).eq_ignore_ascii_case(wanted))
        });
        return match found {
            Some(c) => Ok((c, format!("{} (chosen with --operation)", c.describe()))),
            None => {
                let mut known: Vec<String> = candidates.iter().map(Candidate::selector).collect();
                known.truncate(40);
                Err(format!(
                    "error: `{source}` has no operation `{wanted}`; --operation takes an operationId, `METHOD /path`, or `scheme.flow` for an OAuth 2.0 flow. The document has: {}",
                    if known.is_empty() {
                        "nothing".to_owned()
                    } else {
                        known.join(", ")
                    }
                ))
            }
        };
    }
    let likely: Vec<&Candidate<'a>> = candidates.iter().filter(|c| is_likely(c)).collect();
    match likely.as_slice() {
        [one] => Ok((one, format!("{}: {}", one.describe(), one.reason()))),
        [] => Err(format!(
            "error: no login found in `{source}` ({} operations): no POST operation with a request body whose path, operationId or summary says login, token, auth or session, and no OAuth 2.0 password or clientCredentials flow. Choose one with --operation <operationId>",
            api.paths.paths.len()
        )),
        many => Err(format!(
            "error: `{source}` has {} candidates for the login; choose one with --operation:\n{}",
            many.len(),
            many.iter()
                .map(|c| format!(
                    "  --operation {:<28} {}: {}",
                    c.selector(),
                    c.describe(),
                    c.reason()
                ))
                .collect::<Vec<_>>()
                .join("\n")
        )),
    }
}

// ---------------------------------------------------------------------------------
// The base URL

/// `https://{tenant}.example.com/v1` -> (`https://{tenant}.example.com`, `/v1`); a
/// relative URL has no origin.
fn split_url(url: &str) -> (String, String) {
    let url = url.split(['?', '#']).next().unwrap_or("");
    match url.find("://") {
        Some(scheme_end) => {
            let after = scheme_end + 3;
            match url[after..].find('/') {
                Some(slash) => (
                    url[..after + slash].to_owned(),
                    url[after + slash..].trim_end_matches('/').to_owned(),
                ),
                None => (url.to_owned(), String::new()),
            }
        }
        None => (String::new(), url.trim_end_matches('/').to_owned()),
    }
}

/// Fills `{variable}`s of `text` with their documented defaults.
fn fill_defaults(text: &str, server: &openapiv3::Server) -> String {
    let mut text = text.to_owned();
    if let Some(variables) = &server.variables {
        for (name, variable) in variables {
            text = text.replace(&format!("{{{name}}}"), &variable.default);
        }
    }
    text
}

fn base(api: &OpenAPI, spec: &mut Spec) {
    let Some(server) = api.servers.first() else {
        spec.base = "{host}".to_owned();
        spec.base_notes.push(
            "TODO: the document names no server: `{host}` is the API's origin, e.g. `https://api.example.com`".to_owned(),
        );
        return;
    };
    let (origin, prefix) = split_url(&server.url);
    spec.prefix = fill_defaults(&prefix, server);
    if prefix.contains('{') {
        spec.base_notes.push(format!(
            "TODO: the server's path `{prefix}` has variables: filled with their defaults in `login.path`"
        ));
    }
    spec.server_origin = origin.clone();
    let variables: Vec<(String, &openapiv3::ServerVariable)> = server
        .variables
        .iter()
        .flatten()
        .filter(|(name, _)| origin.contains(&format!("{{{name}}}")))
        .map(|(name, v)| (name.clone(), v))
        .collect();
    if origin.is_empty() {
        spec.base = "{host}".to_owned();
        spec.base_notes.push(format!(
            "TODO: the document's server is relative (`{}`): `{{host}}` is the API's origin, e.g. `https://api.example.com`",
            server.url
        ));
    } else if !variables.is_empty() && origin.contains("://") && !origin.starts_with('{') {
        let mut templated = origin.clone();
        for (name, variable) in &variables {
            let placeholder = snake(name, &[]);
            templated = templated.replace(&format!("{{{name}}}"), &format!("{{{placeholder}}}"));
            let mut note = format!(
                "`{{{placeholder}}}` is the server variable `{name}` (default `{}`",
                variable.default
            );
            if !variable.enumeration.is_empty() {
                note.push_str(&format!("; one of {}", variable.enumeration.join(", ")));
            }
            note.push(')');
            spec.base_notes.push(note);
            spec.placeholders.push(placeholder);
        }
        spec.base = templated;
    } else {
        spec.base = "{host}".to_owned();
        spec.base_notes.push(format!(
            "`{{host}}` is the API's origin, `{}` for the document's server `{}`",
            fill_defaults(&origin, server),
            fill_defaults(&server.url, server)
        ));
        spec.placeholders.push("host".to_owned());
    }
    if spec.base == "{host}" && !spec.placeholders.contains(&"host".to_owned()) {
        spec.placeholders.push("host".to_owned());
    }
    for other in api.servers.iter().skip(1) {
        spec.base_notes.push(format!(
            "the document also names the server `{}`",
            other.url
        ));
    }
}

// ---------------------------------------------------------------------------------
// An OAuth 2.0 flow

fn import_flow(doc: &Document<'_>, flow: &FlowCandidate, spec: &mut Spec) {
    let (origin, path) = split_url(&flow.token_url);
    if origin.is_empty() {
        // Relative to the server.
        spec.login_path = if path.starts_with('/') {
            path.clone()
        } else {
            format!("{}/{path}", spec.prefix)
        };
    } else {
        spec.login_path = path.clone();
        if origin != spec.server_origin {
            spec.base = "{host}".to_owned();
            spec.placeholders = vec!["host".to_owned()];
            spec.base_notes = vec![format!(
                "TODO: the token endpoint `{}` is not on the API's server (`{}`): `{{host}}` is its origin, `{origin}`",
                flow.token_url,
                doc.api.servers.first().map_or("none", |s| s.url.as_str())
            )];
        }
    }
    if spec.login_path.is_empty() {
        spec.login_path = "/".to_owned();
    }
    let grant = if flow.flow == "password" {
        "password"
    } else {
        "client_credentials"
    };
    spec.oauth2 = Some(grant.to_owned());
    spec.apply = None;
    spec.token = None;
    spec.add_field(
        "client_id",
        None,
        false,
        false,
        Some("The OAuth 2.0 client's identifier."),
    );
    spec.add_field(
        "client_secret",
        None,
        false,
        true,
        Some("The OAuth 2.0 client's secret."),
    );
    spec.notes.push(
        "TODO: how the client authenticates is not in the document: `client_id` and `client_secret` are sent in the form; for HTTP Basic give them `basic = \"user\"` and `basic = \"password\"`".to_owned(),
    );
    if grant == "password" {
        spec.add_field(
            "username",
            None,
            false,
            false,
            Some("The resource owner's name."),
        );
        spec.add_field(
            "password",
            None,
            false,
            true,
            Some("The resource owner's password."),
        );
    }
    let mut scope_doc = "The scopes asked for, space-separated.".to_owned();
    if !flow.scopes.is_empty() {
        scope_doc = format!(
            "The scopes asked for, space-separated; the document lists {}.",
            flow.scopes
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    spec.add_field("scope", None, true, false, Some(&scope_doc));
    let revoke: Vec<String> = doc
        .api
        .paths
        .paths
        .keys()
        .filter(|p| words(p).iter().any(|w| w == "revoke"))
        .cloned()
        .collect();
    match revoke.first() {
        Some(path) => spec.notes.push(format!(
            "TODO: the document has `{path}`: if it is the token revocation endpoint (RFC 7009), write `oauth2 = {{ grant = \"{grant}\", revoke = \"{}{path}\" }}`",
            spec.prefix
        )),
        None => spec.notes.push(format!(
            "TODO: if the server revokes tokens (RFC 7009), write `oauth2 = {{ grant = \"{grant}\", revoke = \"/revoke\" }}` with its path"
        )),
    }
    spec.notes.push(
        "the access token lives its `expires_in`, and a refresh token is used when the server issues one: no `expiry` is needed".to_owned(),
    );
}

// ---------------------------------------------------------------------------------
// An operation

fn import_operation(
    doc: &Document<'_>,
    c: &OperationCandidate<'_>,
    spec: &mut Spec,
) -> Result<(), String> {
    let id =
        c.op.operation_id
            .clone()
            .unwrap_or_else(|| format!("{} {}", c.method, c.path));
    if !matches!(c.method, "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        return Err(format!(
            "error: `{id}` is a {} operation; a login is GET, POST, PUT, PATCH or DELETE",
            c.method
        ));
    }
    spec.method = c.method.to_owned();
    spec.login_path = format!("{}{}", spec.prefix, c.path);
    if spec.login_path.contains('{') {
        spec.notes.push(format!(
            "TODO: the login path `{}` has parameters: write their values in `login.path`",
            c.path
        ));
        spec.login_path = spec.login_path.replace(['{', '}'], "");
    }
    let parameters: Vec<String> =
        c.op.parameters
            .iter()
            .map(|p| match p {
                ReferenceOr::Item(p) => format!("`{}`", p.parameter_data_ref().name),
                ReferenceOr::Reference { reference } => format!("`{reference}`"),
            })
            .collect();
    if !parameters.is_empty() {
        spec.notes.push(format!(
            "TODO: the operation takes parameters ({}): constants go in `login.query`, credentials in fields with `query = true`",
            parameters.join(", ")
        ));
    }
    apply(doc, c, spec)?;
    request_body(doc, c, &id, spec)?;
    responses(doc, c, &id, spec)?;
    spec.notes.push(
        "TODO: the token's lifetime is not in the document; without `expiry` it is `unknown` (replaced when rejected). E.g. `expiry = { absolute = \"1h\" }`, `{ idle = \"30m\" }`, `{ jwt = true }` for a JWT's `exp`".to_owned(),
    );
    if !spec.fields.is_empty() {
        spec.notes.push(
            "TODO: rules between fields are not in the document: `requires = \"other\"` in a field, `one_of = [[...], [...]]` for alternatives".to_owned(),
        );
    }
    Ok(())
}

/// The scheme API calls carry the token by: the document's global security, else the
/// one its operations name most, else the only one it declares.
fn apply(doc: &Document<'_>, c: &OperationCandidate<'_>, spec: &mut Spec) -> Result<(), String> {
    let api = doc.api;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, item) in &api.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, op) in item.iter() {
            if std::ptr::eq(op, c.op) {
                continue;
            }
            for requirement in op.security.iter().flatten() {
                for name in requirement.keys() {
                    *counts.entry(name).or_default() += 1;
                }
            }
        }
    }
    let mut names: Vec<&str> = api
        .security
        .iter()
        .flatten()
        .flat_map(|r| r.keys().map(String::as_str))
        .collect();
    let mut by_use: Vec<(&str, usize)> = counts.into_iter().collect();
    by_use.sort_by_key(|b| std::cmp::Reverse(b.1));
    names.extend(by_use.into_iter().map(|(n, _)| n));
    if let Some(components) = &api.components {
        names.extend(components.security_schemes.keys().map(String::as_str));
    }
    let mut seen = Vec::new();
    for name in names {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let Some(scheme) = doc.security_scheme(name)? else {
            continue;
        };
        match scheme {
            SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
                spec.apply = Some(("bearer".to_owned(), String::new()));
                spec.apply_notes
                    .push(format!("from security scheme `{name}` (http bearer)"));
                return Ok(());
            }
            SecurityScheme::APIKey {
                location,
                name: key,
                ..
            } => {
                let place = match location {
                    APIKeyLocation::Header => "header",
                    APIKeyLocation::Query => "query",
                    APIKeyLocation::Cookie => "cookie",
                };
                spec.apply = Some((place.to_owned(), key.clone()));
                spec.apply_notes.push(format!(
                    "from security scheme `{name}` (apiKey in {place} `{key}`)"
                ));
                if place == "header" && key.eq_ignore_ascii_case("authorization") {
                    spec.apply_notes.push(
                        "TODO: a word before the token in `Authorization` (`Token <t>`) is `scheme = \"Token\"`".to_owned(),
                    );
                }
                return Ok(());
            }
            SecurityScheme::OAuth2 { .. } => {
                spec.apply = Some(("bearer".to_owned(), String::new()));
                spec.apply_notes.push(format!(
                    "from security scheme `{name}` (oauth2: a bearer token)"
                ));
                return Ok(());
            }
            _ => {}
        }
    }
    spec.apply = Some(("bearer".to_owned(), String::new()));
    spec.apply_notes.push(
        "TODO: guessed: the document has no http bearer, apiKey or oauth2 security scheme"
            .to_owned(),
    );
    Ok(())
}

/// The login's request body: its format and the credential fields.
fn request_body(
    doc: &Document<'_>,
    c: &OperationCandidate<'_>,
    id: &str,
    spec: &mut Spec,
) -> Result<(), String> {
    // HTTP Basic on the login itself: a user and a password field.
    for requirement in c.op.security.iter().flatten() {
        for name in requirement.keys() {
            if let Some(SecurityScheme::HTTP { scheme, .. }) = doc.security_scheme(name)?
                && scheme.eq_ignore_ascii_case("basic")
                && spec.fields.is_empty()
            {
                spec.add_field(
                    "username",
                    Some("user"),
                    false,
                    false,
                    Some("The user, sent as HTTP Basic."),
                );
                spec.add_field(
                    "password",
                    Some("password"),
                    false,
                    true,
                    Some("The password, sent as HTTP Basic."),
                );
            }
        }
    }
    let Some(body) = &c.op.request_body else {
        spec.format = "json".to_owned();
        if spec.fields.is_empty() {
            spec.notes.push(format!(
                "TODO: `{id}` has no request body in the document: declare the credential fields"
            ));
        }
        return Ok(());
    };
    let at = format!("the request body of `{id}`");
    let body = doc.resolve(body, &at)?;
    let media = body.content.iter().find_map(|(media, content)| {
        let media_type = media
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let format = if media_type == "application/json" || media_type.ends_with("+json") {
            "json"
        } else if media_type == "application/x-www-form-urlencoded" {
            "form"
        } else if media_type == "multipart/form-data" {
            "multipart"
        } else {
            return None;
        };
        Some((format, media.as_str(), content))
    });
    let Some((format, media, content)) = media else {
        spec.format = "json".to_owned();
        spec.notes.push(format!(
            "TODO: {at} is {}: authgen sends json, form or multipart; the fields are to write by hand",
            body.content.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ));
        return Ok(());
    };
    spec.format = format.to_owned();
    spec.login_notes.push(format!("{at} is `{media}`"));
    let Some(schema) = &content.schema else {
        spec.notes.push(format!(
            "TODO: {at} has no schema: declare the credential fields"
        ));
        return Ok(());
    };
    let mut walker = Walker::new(doc, at.clone());
    let shape = walker.leaves(schema, format == "json")?;
    for cut in &shape.cut {
        spec.notes.push(format!(
            "TODO: `{cut}` of {at} nests too deep or inside itself: not imported"
        ));
    }
    for leaf in &shape.leaves {
        let dotted = leaf.dotted();
        if let Some(value) = leaf.constant() {
            spec.constants.push((dotted.clone(), value.to_owned()));
            continue;
        }
        let shape_of = leaf.shape();
        if matches!(shape_of, "an array" | "an object") {
            spec.notes.push(format!(
                "TODO: `{dotted}` of {at} is {shape_of}: not imported (credential fields are text)"
            ));
            continue;
        }
        if shape_of != "text" {
            spec.notes.push(format!(
                "`{dotted}` is {shape_of} in the document: authgen sends it as text"
            ));
        }
        // The generator's own rule, written out so the skeleton says it.
        let secret = leaf.is_password() || auth_codegen::is_secret_name(leaf.name());
        let ident_base = if leaf.path.len() > 1 && spec.has_field(&snake(leaf.name(), &[])) {
            leaf.path.join("_")
        } else {
            leaf.name().to_owned()
        };
        let field = spec.add_field(
            &ident_base,
            None,
            !leaf.required,
            secret,
            leaf.description(),
        );
        field.wire = (field.ident != dotted).then_some(dotted);
    }
    if shape.alternatives.len() > 1 {
        let groups: Vec<String> = shape
            .alternatives
            .iter()
            .map(|group| {
                let names: Vec<String> = group
                    .iter()
                    .filter_map(|wire| spec.field_for_wire(wire))
                    .map(|f| format!("\"{f}\""))
                    .collect();
                format!("[{}]", names.join(", "))
            })
            .collect();
        spec.notes.push(format!(
            "TODO: {at} is one of {} forms; their fields are optional here. If exactly one is given: `one_of = [{}]`",
            shape.alternatives.len(),
            groups.join(", ")
        ));
    }
    if spec.fields.is_empty() {
        spec.notes.push(format!(
            "TODO: {at} shows no credential property: declare the fields"
        ));
    }
    Ok(())
}

/// The 2xx answer: where the token is; 4xx answers: what to describe as errors.
fn responses(
    doc: &Document<'_>,
    c: &OperationCandidate<'_>,
    id: &str,
    spec: &mut Spec,
) -> Result<(), String> {
    let responses = &c.op.responses.responses;
    let success = responses
        .iter()
        .find(|(code, _)| matches!(code, StatusCode::Code(200..=299)))
        .or_else(|| {
            responses
                .iter()
                .find(|(code, _)| **code == StatusCode::Range(2))
        });
    match success {
        Some((code, response)) => {
            let at = format!("the {code} response of `{id}`");
            let response = doc.resolve(response, &at)?;
            token(doc, response, &at, spec)?;
        }
        None => spec.notes.push(format!(
            "TODO: `{id}` documents no 2xx response: the token's place is guessed"
        )),
    }
    if spec.token.is_none() {
        spec.token = Some(Spot::Path("token".to_owned()));
        spec.token_notes.push(
            "TODO: guessed: the document does not show where the login's answer has the token"
                .to_owned(),
        );
    }
    for (code, response) in responses {
        let status = match code {
            StatusCode::Code(n @ 400..=499) => Some(*n),
            StatusCode::Range(4) => None,
            _ => continue,
        };
        let at = format!("the {code} response of `{id}`");
        let response = doc.resolve(response, &at)?;
        error_case(doc, response, status, &at, spec)?;
    }
    Ok(())
}

fn json_body(response: &Response) -> Option<&MediaType> {
    response.content.iter().find_map(|(media, content)| {
        let media = media
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        (media == "application/json" || media.ends_with("+json")).then_some(content)
    })
}

fn token(doc: &Document<'_>, response: &Response, at: &str, spec: &mut Spec) -> Result<(), String> {
    if let Some(content) = json_body(response)
        && let Some(schema) = &content.schema
    {
        let resolved = doc.resolve(schema, at)?;
        if is_string(resolved) {
            spec.token = Some(Spot::Path(".".to_owned()));
            spec.token_notes.push(format!("{at} is a JSON string"));
            return Ok(());
        }
        let mut walker = Walker::new(doc, at.to_owned());
        let shape = walker.leaves(schema, true)?;
        let best = shape
            .leaves
            .iter()
            .filter_map(|l| token_rank(l.name()).map(|rank| (rank, l.path.len(), l)))
            .min_by_key(|(rank, depth, _)| (*depth, *rank));
        if let Some((_, _, leaf)) = best {
            spec.token = Some(Spot::Path(leaf.dotted()));
            spec.token_notes
                .push(format!("`{}` of {at}", leaf.dotted()));
        }
        for leaf in shape.leaves.iter().filter(|l| is_expiry(l.name())) {
            let format =
                if leaf.shape() == "number" || leaf.name().to_ascii_lowercase().ends_with("in") {
                    "seconds"
                } else {
                    "rfc3339"
                };
            spec.expiry_hints.push(format!(
                "TODO: {at} has `{}`: if it states the token's expiry, `expiry = {{ field = \"{}\", format = \"{format}\" }}` (`seconds`, `rfc3339` or `unix`)",
                leaf.dotted(),
                leaf.dotted()
            ));
        }
        if spec.token.is_some() {
            return Ok(());
        }
    }
    if spec.token.is_none()
        && response
            .content
            .keys()
            .any(|m| m.to_ascii_lowercase().starts_with("text/plain"))
    {
        spec.token = Some(Spot::Text);
        spec.token_notes.push(format!("{at} is `text/plain`"));
        return Ok(());
    }
    // A token in a header or a cookie the answer sets.
    for (header, value) in &response.headers {
        let header_at = format!("header `{header}` of {at}");
        doc.resolve(value, &header_at)?;
        if header.eq_ignore_ascii_case("set-cookie") {
            let cookie = match &spec.apply {
                Some((place, name)) if place == "cookie" => name.clone(),
                _ => continue,
            };
            spec.token = Some(Spot::Cookie(cookie.clone()));
            spec.token_notes.push(format!(
                "{at} sets a cookie (`Set-Cookie`), and API calls carry `{cookie}`"
            ));
            spec.expiry_hints.push(format!(
                "TODO: if the cookie's `Max-Age` or `Expires` is the session's end, `expiry = {{ unknown = true, cookie = \"{cookie}\" }}`"
            ));
            return Ok(());
        }
        if token_rank(header).is_some() || squash(header).contains("token") {
            spec.token = Some(Spot::Header(header.clone()));
            spec.token_notes.push(format!("header `{header}` of {at}"));
            return Ok(());
        }
    }
    Ok(())
}

fn error_case(
    doc: &Document<'_>,
    response: &Response,
    status: Option<u16>,
    at: &str,
    spec: &mut Spec,
) -> Result<(), String> {
    let Some(content) = json_body(response) else {
        if response.content.is_empty() {
            spec.error_notes.push(format!(
                "TODO: {at} ({}) has no body: an `[[error]]` with {} would name it",
                response.description.trim(),
                status.map_or(
                    "a condition (e.g. `header = \"...\"` and `equals = \"...\"`)".to_owned(),
                    |s| format!("`status = {s}`")
                )
            ));
        } else {
            spec.error_notes.push(format!(
                "TODO: {at} ({}) has a {} body",
                response.description,
                response
                    .content
                    .keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        return Ok(());
    };
    let Some(schema) = &content.schema else {
        return Ok(());
    };
    let mut walker = Walker::new(doc, at.to_owned());
    let shape = walker.leaves(schema, true)?;
    let fields: Vec<String> = shape.leaves.iter().take(8).map(|l| l.dotted()).collect();
    let name = match status {
        Some(400) => "BadRequest".to_owned(),
        Some(401) => "Unauthorized".to_owned(),
        Some(403) => "Forbidden".to_owned(),
        Some(423) => "Locked".to_owned(),
        Some(429) => "TooManyRequests".to_owned(),
        Some(n) => format!("Status{n}"),
        None => "ClientError".to_owned(),
    };
    let mut lines = vec![format!(
        "TODO: {at} ({}) has a JSON body{}: describe it as an error, e.g.",
        response.description.trim(),
        if fields.is_empty() {
            String::new()
        } else {
            format!(
                " with {}",
                fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    )];
    lines.push("[[error]]".to_owned());
    lines.push(format!("name = \"{name}\""));
    if let Some(status) = status {
        lines.push(format!("status = {status}"));
    }
    if !fields.is_empty() {
        let mut used = Vec::new();
        let pairs: Vec<String> = shape
            .leaves
            .iter()
            .take(8)
            .map(|l| {
                let name = snake(l.name(), &used);
                used.push(name.clone());
                format!("{name} = \"{}\"", l.dotted())
            })
            .collect();
        lines.push(format!("fields = {{ {} }}", pairs.join(", ")));
    }
    spec.error_notes.push(lines.join("\n"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{split_url, words};

    #[test]
    fn words_split_camel_case_paths_and_phrases() {
        assert_eq!(words("getAuthToken"), ["get", "auth", "token"]);
        assert_eq!(words("/v1/sign-in"), ["v1", "sign", "in", "signin"]);
        assert!(words("Log in with a password").contains(&"login".to_owned()));
        assert!(!words("listAuthors").contains(&"auth".to_owned()));
    }

    #[test]
    fn urls_split_into_origin_and_path() {
        assert_eq!(
            split_url("https://{tenant}.example.com/v1/"),
            ("https://{tenant}.example.com".to_owned(), "/v1".to_owned())
        );
        assert_eq!(split_url("/api"), (String::new(), "/api".to_owned()));
        assert_eq!(
            split_url("https://auth.example.com"),
            ("https://auth.example.com".to_owned(), String::new())
        );
    }
}
