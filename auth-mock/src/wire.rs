//! Reading what a client sent: the body in the endpoint's encoding, the query string,
//! HTTP Basic credentials, and a token wherever a placement puts it.

use axum::http::{HeaderMap, header, request::Parts};
use base64::Engine as _;
use serde_json::Value;

use auth_runtime::__private::{WireFormat, lookup};
use auth_runtime::description::{Sent, SentIn};
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
            _ => self.text(sent.path, false),
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
        let token = match placement.scheme {
            Some(scheme) => value.strip_prefix(scheme).map(str::trim_start),
            None => Some(value),
        };
        if let Some(token) = token {
            return Some(token.trim().to_owned());
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
