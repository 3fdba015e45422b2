//! Reading what a client sent: the body in the endpoint's encoding, the query string,
//! HTTP Basic credentials, the values of a request's templates, and a token wherever a
//! placement puts it.

use auth_description::{Piece, pieces};
use axum::http::{HeaderMap, header, request::Parts};
use base64::Engine as _;
use serde_json::Value;

use auth_runtime::__private::{ConstValue, CredentialTable, WireFormat, lookup};
use auth_runtime::description::{Computed, EndpointDescription, Sent, SentIn};
use auth_runtime::{BasicEncoding, Placement};

/// A request's fields as the mock checks them.
#[derive(Debug, Default)]
pub(crate) struct Received {
    /// The JSON body, when the request carried one.
    pub(crate) json: Option<Value>,
    /// The form or multipart body's pairs (dotted names, one pair per list item).
    pub(crate) pairs: Vec<(String, String)>,
    /// The query string's pairs.
    pub(crate) query: Vec<(String, String)>,
    /// HTTP Basic credentials.
    pub(crate) basic: Option<(String, String)>,
    /// The path, as sent (percent-encoded).
    pub(crate) path: String,
    /// The headers.
    pub(crate) headers: HeaderMap,
}

impl Received {
    /// Reads `body` as `format` says, and HTTP Basic credentials written as
    /// `basic_encoding` says; `Err` says in words why the request is not that.
    pub(crate) async fn read(
        parts: &Parts,
        body: axum::body::Bytes,
        format: WireFormat,
        basic_encoding: BasicEncoding,
    ) -> Result<Received, String> {
        let mut received = Received {
            query: parts
                .uri
                .query()
                .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
                .unwrap_or_default(),
            basic: basic(&parts.headers, basic_encoding)?,
            path: parts.uri.path().to_owned(),
            headers: parts.headers.clone(),
            ..Received::default()
        };
        if body.is_empty() {
            return Ok(received);
        }
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        match format {
            WireFormat::Json => {
                if !content_type.starts_with("application/json") {
                    return Err(format!("the body is labelled `{content_type}`, not JSON"));
                }
                let json = serde_json::from_slice(&body)
                    .map_err(|e| format!("the body is not JSON: {e}"))?;
                received.json = Some(json);
            }
            WireFormat::Form => {
                if !content_type.starts_with("application/x-www-form-urlencoded") {
                    return Err(format!(
                        "the body is labelled `{content_type}`, not a form (application/x-www-form-urlencoded)"
                    ));
                }
                received.pairs = serde_urlencoded::from_bytes(&body)
                    .map_err(|e| format!("the body is not a form: {e}"))?;
            }
            WireFormat::Multipart => {
                received.pairs = multipart(&content_type, body).await?;
            }
        }
        Ok(received)
    }

    /// The text at a dotted `path`: in the query string when `in_query`, else in the
    /// body. For a list, its first item.
    pub(crate) fn text(&self, path: &[&str], in_query: bool) -> Option<String> {
        let name = path.join(".");
        if in_query {
            return self
                .query
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone());
        }
        if let Some(json) = &self.json {
            return json_text(lookup(json, path)?);
        }
        self.pairs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    }

    /// The value of a credential field sent as `sent` says: from HTTP Basic, the query
    /// string or the body.
    pub(crate) fn credential(&self, sent: &Sent) -> Option<String> {
        match sent.place {
            SentIn::BasicUser => self.basic.as_ref().map(|(user, _)| user.clone()),
            SentIn::BasicPassword => self.basic.as_ref().map(|(_, password)| password.clone()),
            SentIn::Query => self.text(sent.path, true),
            SentIn::Body => self.text(sent.path, false),
            // Read from the templates that name it, not from a value of its wire name
            // (which may be a constant such as `password = "{password}{token}"`).
            SentIn::Templates => None,
        }
    }

    /// Whether the value at `path` is `expected`: the same JSON value in a JSON body, or
    /// the same pairs (one per list item, in order) in a form, multipart body or query.
    pub(crate) fn holds(&self, path: &[&str], expected: &Value, in_query: bool) -> bool {
        let name = path.join(".");
        let flat = |pairs: &[(String, String)]| {
            let found: Vec<&str> = pairs
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
                .collect();
            let wanted: Vec<String> = match expected {
                Value::Array(items) => items.iter().filter_map(json_text).collect(),
                other => json_text(other).into_iter().collect(),
            };
            found == wanted
        };
        if in_query {
            return flat(&self.query);
        }
        match &self.json {
            Some(json) => lookup(json, path) == Some(expected),
            None => flat(&self.pairs),
        }
    }

    /// The text of header `name`, when it is there and text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Each template of `endpoint` a credential may be read from (a path segment, a
    /// string constant, a header), with the text received there (a path segment
    /// percent-decoded) and where that is, in words.
    pub(crate) fn sites(&self, endpoint: &'static EndpointDescription) -> Vec<Site> {
        let mut sites = Vec::new();
        if is_template(endpoint.path) {
            let received: Vec<&str> = self.path.split('/').collect();
            for (index, segment) in endpoint.path.split('/').enumerate() {
                if !is_template(segment) {
                    continue;
                }
                let text = received.get(index).and_then(|s| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8()
                        .ok()
                        .map(|s| s.into_owned())
                });
                sites.push(Site {
                    template: segment,
                    received: text,
                    place: "the path".to_owned(),
                });
            }
        }
        for (constants, in_query) in [(endpoint.constants, false), (endpoint.query, true)] {
            for constant in constants {
                if let ConstValue::Str(template) = constant.value
                    && is_template(template)
                {
                    let name = constant.path.join(".");
                    sites.push(Site {
                        template,
                        received: self.text(constant.path, in_query),
                        place: if in_query {
                            format!("`{name}` (query)")
                        } else {
                            format!("`{name}`")
                        },
                    });
                }
            }
        }
        for header in endpoint.headers {
            sites.push(Site {
                template: header.value,
                received: self.header(header.name).map(str::to_owned),
                place: format!("the `{}` header", header.name),
            });
        }
        sites
    }

    /// Every field name the body and query carry (dotted for nested JSON objects).
    pub(crate) fn names(&self) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        if let Some(json) = &self.json {
            leaves(json, String::new(), &mut out);
        }
        out.extend(self.pairs.iter().map(|(n, _)| (n.clone(), false)));
        out.extend(self.query.iter().map(|(n, _)| (n.clone(), true)));
        out.sort();
        out.dedup();
        out
    }
}

/// A template of a request, and the text received where it goes.
#[derive(Debug)]
pub(crate) struct Site {
    pub(crate) template: &'static str,
    pub(crate) received: Option<String>,
    /// Where it is, in words (never its value).
    pub(crate) place: String,
}

/// Whether `text` is a template (it has a `{name}` or a doubled brace); as the runtime
/// reads it, text without braces is sent as it is.
pub(crate) fn is_template(text: &str) -> bool {
    text.contains(['{', '}'])
}

/// Whether a constant holds a template (in a string, or in a list or object).
pub(crate) fn const_is_template(value: ConstValue) -> bool {
    match value {
        ConstValue::Str(text) => is_template(text),
        ConstValue::List(items) => items.iter().any(|item| const_is_template(*item)),
        ConstValue::Object(fields) => fields.iter().any(|(_, value)| const_is_template(*value)),
        _ => false,
    }
}

/// Every name the templates of `endpoint` use (its path, constants and headers).
pub(crate) fn template_names(endpoint: &'static EndpointDescription) -> Vec<&'static str> {
    fn strings(value: ConstValue, out: &mut Vec<&'static str>) {
        match value {
            ConstValue::Str(text) => out.push(text),
            ConstValue::List(items) => items.iter().for_each(|item| strings(*item, out)),
            ConstValue::Object(fields) => fields.iter().for_each(|(_, v)| strings(*v, out)),
            _ => {}
        }
    }
    let mut templates = vec![endpoint.path];
    for constant in endpoint.constants.iter().chain(endpoint.query) {
        strings(constant.value, &mut templates);
    }
    templates.extend(endpoint.headers.iter().map(|header| header.value));
    templates
        .into_iter()
        .flat_map(|template| pieces(template).unwrap_or_default())
        .filter_map(|piece| match piece {
            Piece::Name(name) => Some(name),
            _ => None,
        })
        .collect()
}

/// What a name of a template read out of a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read<'t> {
    /// The credential field of this index.
    Field(usize),
    /// A value the client computed from nothing the mock knows (its clock, a nonce, a
    /// UUID), under this name.
    Computed(&'t str),
}

/// The values `text` carries where `template` names credential fields or values the
/// client computes from nothing (a nonce, the time): `known` gives the value of each
/// name the mock knows already (a value it issued to this login, a credential or a
/// computed value read before), which must be there as it is; any other name must be a
/// field of `table` or one of `computed`, and takes the text up to what follows it in
/// the template. A value computed from others (a digest) is not read: the mock renders
/// the request again to check it. `Err` says why `text` is not the template, in words
/// that show no value.
pub(crate) fn read_template<'t>(
    template: &'t str,
    text: &str,
    known: &dyn Fn(&str) -> Option<String>,
    table: &CredentialTable,
    computed: &[Computed],
) -> Result<Vec<(Read<'t>, String)>, String> {
    let pieces = pieces(template)?;
    let literal = |piece: &Piece<'_>| match piece {
        Piece::Text(text) => Some((*text).to_owned()),
        Piece::Brace(brace) => Some(brace.to_string()),
        Piece::Name(name) => known(name),
    };
    let not_as_described = || "is not as described".to_owned();
    let mut read = Vec::new();
    let mut rest = text;
    for (index, piece) in pieces.iter().enumerate() {
        if let Some(expected) = literal(piece) {
            rest = rest
                .strip_prefix(expected.as_str())
                .ok_or_else(not_as_described)?;
            continue;
        }
        let Piece::Name(name) = piece else {
            return Err(not_as_described());
        };
        let what = match (
            table.field_index(name),
            computed.iter().find(|c| c.name == *name),
        ) {
            (Some(field), _) => Some(Read::Field(field)),
            // A signed JWT is read as sent, and verified apart (`jwt.rs`).
            (None, Some(value))
                if value.function.inputs().is_empty()
                    || matches!(value.function, auth_description::Function::Jwt(_)) =>
            {
                Some(Read::Computed(name))
            }
            (None, Some(_)) => None,
            (None, None) => {
                return Err(format!(
                    "names `{{{name}}}`, which no earlier step of this login bound"
                ));
            }
        };
        let end = match pieces.get(index + 1).map(literal) {
            None => rest.len(),
            Some(Some(next)) if !next.is_empty() => {
                rest.find(next.as_str()).ok_or_else(not_as_described)?
            }
            // Two values side by side: no telling where one ends.
            Some(_) => {
                return Err(format!(
                    "names `{{{name}}}` right beside another value: the mock cannot read it"
                ));
            }
        };
        if let Some(what) = what {
            read.push((what, rest[..end].to_owned()));
        }
        rest = &rest[end..];
    }
    if rest.is_empty() {
        Ok(read)
    } else {
        Err(not_as_described())
    }
}

/// `template`'s text, each name's value from `known`; `None` when a name has none.
pub(crate) fn render(template: &str, known: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut text = String::new();
    for piece in pieces(template).ok()? {
        match piece {
            Piece::Text(part) => text.push_str(part),
            Piece::Brace(brace) => text.push(brace),
            Piece::Name(name) => text.push_str(&known(name)?),
        }
    }
    Some(text)
}

/// The credential values `text` carries where `template` names credential fields, read
/// as one of the `accepted` credential sets would render it: for templates whose values
/// stand side by side with nothing between them (`{password}{security_token}`), which
/// [`read_template`] cannot split. `None` when no accepted set renders `text`.
pub(crate) fn read_as_accepted(
    template: &str,
    text: &str,
    known: &dyn Fn(&str) -> Option<String>,
    table: &CredentialTable,
    accepted: &[Vec<Option<String>>],
) -> Option<Vec<(Read<'static>, String)>> {
    let pieces = pieces(template).ok()?;
    accepted.iter().find_map(|set| {
        let mut rendered = String::new();
        let mut read = Vec::new();
        for piece in &pieces {
            match piece {
                Piece::Text(part) => rendered.push_str(part),
                Piece::Brace(brace) => rendered.push(*brace),
                Piece::Name(name) => match known(name) {
                    Some(value) => rendered.push_str(&value),
                    None => {
                        let index = table.field_index(name)?;
                        let value = set.get(index).cloned().flatten()?;
                        rendered.push_str(&value);
                        read.push((Read::Field(index), value));
                    }
                },
            }
        }
        (rendered == text).then_some(read)
    })
}

fn leaves(value: &Value, prefix: String, out: &mut Vec<(String, bool)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                leaves(child, name, out);
            }
        }
        _ if !prefix.is_empty() => out.push((prefix, false)),
        _ => {}
    }
}

/// A scalar as text: strings as they are, numbers and booleans as written.
pub(crate) fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

async fn multipart(
    content_type: &str,
    body: axum::body::Bytes,
) -> Result<Vec<(String, String)>, String> {
    use axum::extract::FromRequest;
    if !content_type.starts_with("multipart/form-data") {
        return Err(format!(
            "the body is labelled `{content_type}`, not multipart/form-data"
        ));
    }
    let request = axum::http::Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(body))
        .map_err(|e| e.to_string())?;
    let mut form = axum::extract::Multipart::from_request(request, &())
        .await
        .map_err(|e| format!("the body is not multipart: {e}"))?;
    let mut pairs = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| format!("the multipart body is broken: {e}"))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let text = field
            .text()
            .await
            .map_err(|e| format!("the multipart part `{name}` is not text: {e}"))?;
        pairs.push((name, text));
    }
    Ok(pairs)
}

/// HTTP Basic credentials, when the request has them; an OAuth 2.0 client's decoded
/// as RFC 6749 section 2.3.1 encodes them, `Err` when they are not so encoded.
fn basic(headers: &HeaderMap, encoding: BasicEncoding) -> Result<Option<(String, String)>, String> {
    let Some((user, password)) = basic_pair(headers) else {
        return Ok(None);
    };
    if encoding == BasicEncoding::Plain {
        return Ok(Some((user, password)));
    }
    match (form_decoded(&user), form_decoded(&password)) {
        (Some(user), Some(password)) => Ok(Some((user, password))),
        _ => Err("the client's identifier and secret in HTTP Basic are not form-urlencoded (RFC 6749 section 2.3.1)".to_owned()),
    }
}

fn basic_pair(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// `text` decoded from `application/x-www-form-urlencoded` (`+` a space, `%HH` an
/// octet); `None` when a `%` is not followed by two hexadecimal digits, which a client
/// that did not encode a secret holding `%` sends, or the octets are not UTF-8.
fn form_decoded(text: &str) -> Option<String> {
    let escaped = text
        .split('%')
        .skip(1)
        .all(|after| after.len() >= 2 && after.bytes().take(2).all(|b| b.is_ascii_hexdigit()));
    if !escaped {
        return None;
    }
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// The token a request presents where `placement` puts it (the first place it is
/// found), with the request's body for a body field.
pub(crate) async fn presented(placement: &Placement, parts: &Parts, body: &[u8]) -> Option<String> {
    let headers = &parts.headers;
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if placement.bearer
        && let Some(token) = header_text("authorization").and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(token.trim().to_owned());
    }
    if let Some(name) = placement.header
        && let Some(value) = header_text(name)
    {
        let token_in = |value: &str| -> Option<String> {
            let token = match placement.scheme {
                Some(scheme) => value.strip_prefix(scheme).map(str::trim_start)?,
                None => value,
            };
            Some(token.trim().to_owned())
        };
        if let Some(token) = token_in(value) {
            // Every further header the description names holds the same token, or the
            // request presents none.
            let everywhere = placement.more_headers.iter().all(|name| {
                header_text(name).and_then(token_in).as_deref() == Some(token.as_str())
            });
            return everywhere.then_some(token);
        }
    }
    if let Some(name) = placement.cookie {
        let found = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_owned());
        if found.is_some() {
            return found;
        }
    }
    if let Some(name) = placement.body_field {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if content_type.starts_with("multipart/form-data") {
            let pairs = multipart(content_type, axum::body::Bytes::copy_from_slice(body))
                .await
                .unwrap_or_default();
            if let Some((_, token)) = pairs.into_iter().find(|(n, _)| n == name) {
                return Some(token);
            }
        }
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body)
            && let Some(Value::String(token)) = map.get(name)
        {
            return Some(token.clone());
        }
        if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            && let Some((_, token)) = pairs.into_iter().find(|(n, _)| n == name)
        {
            return Some(token);
        }
    }
    if let Some(name) = placement.query
        && let Some(query) = parts.uri.query()
    {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        if let Some((_, token)) = pairs.into_iter().find(|(n, _)| n == name) {
            return Some(token);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_description::{FieldSpec, Rule};

    const TABLE: CredentialTable = CredentialTable::new(
        "Test",
        "Test credentials",
        &[
            FieldSpec::new("user", "user", false, false, &[]),
            FieldSpec::new("password", "pass", true, false, &[]),
        ],
        &[Rule::mandatory(0, "`user` is mandatory")],
    );

    fn read(template: &str, text: &str) -> Result<Vec<(usize, String)>, String> {
        let known = |name: &str| (name == "csrf").then(|| "c-123".to_owned());
        let read = read_template(template, text, &known, &TABLE, &[])?;
        // No computed value here: every name read is a field.
        Ok(read
            .into_iter()
            .filter_map(|(what, value)| match what {
                Read::Field(index) => Some((index, value)),
                Read::Computed(_) => None,
            })
            .collect())
    }

    #[test]
    fn a_template_gives_the_credentials_it_names_and_checks_the_rest() {
        assert_eq!(read("{user}", "ada"), Ok(vec![(0, "ada".to_owned())]));
        assert_eq!(
            read("Basic {user}:{pass} {csrf}", "Basic ada:pw:x c-123"),
            Ok(vec![(0, "ada".to_owned()), (1, "pw:x".to_owned())])
        );
        assert_eq!(read("{{{csrf}}}", "{c-123}"), Ok(vec![]));
        assert!(read("{csrf}", "c-124").is_err(), "a known value as it is");
        assert!(read("x-{user}", "y-ada").is_err());
        assert!(read("{user}!", "ada").is_err());
        assert!(read("{csrf}", "c-123 and more").is_err());
        let beside = read("{user}{pass}", "adapw").expect_err("no telling");
        assert!(beside.contains("beside"), "{beside}");
        let unknown = read("{session}", "s-1").expect_err("not bound");
        assert!(unknown.contains("`{session}`"), "{unknown}");
    }

    #[test]
    fn the_reasons_never_show_what_was_received() {
        for (template, text) in [("{csrf}", "secret-1"), ("k={user};", "secret-2")] {
            let why = read(template, text).expect_err("refused");
            assert!(!why.contains("secret"), "{why}");
        }
    }
}
