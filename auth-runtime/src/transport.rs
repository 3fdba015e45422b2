//! Turning provider requests into HTTP and responses into bounded bytes.

use std::time::Duration;

use secrecy::ExposeSecret;

use crate::error::{Error, Stage};
use crate::provider::{Placement, VendorRequest, WireField, WireFormat, WireValue};

/// The largest response body read by default: login answers are small, and an endless
/// body must end in an error, not in memory exhaustion.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// A user's additions to the session's HTTP clients (proxy, root certificates, client
/// certificate...), applied before the session's own safety settings.
pub(crate) type ClientHook =
    Box<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// The HTTP settings a session uses.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    /// For login, logout and keep-alive: follows no redirects, so credentials go only
    /// where configured.
    pub(crate) auth_client: reqwest::Client,
    /// For API requests: follows redirects only within the origin.
    pub(crate) api_client: reqwest::Client,
    pub(crate) max_body: usize,
}

impl Transport {
    /// Both clients, from `hook`'s builder (when given) with the session's timeouts,
    /// redirect rules and no `Referer` set last, so that no hook can undo them.
    pub(crate) fn new(
        vendor: &'static str,
        timeout: Duration,
        hook: Option<&ClientHook>,
        max_body: usize,
    ) -> Result<Self, Error> {
        let build = |redirects| {
            let builder = reqwest::Client::builder();
            let builder = match hook {
                Some(hook) => hook(builder),
                None => builder,
            };
            builder
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                .redirect(redirects)
                .referer(false)
                .build()
                .map_err(|e| Error::transport(vendor, Stage::Login, e))
        };
        Ok(Transport {
            auth_client: build(reqwest::redirect::Policy::none())?,
            api_client: build(crate::origin::redirect_policy())?,
            max_body,
        })
    }

    /// Sends a login or logout request; returns its status, `Retry-After` and body.
    pub(crate) async fn exchange(
        &self,
        vendor: &'static str,
        stage: Stage,
        request: VendorRequest,
        token: Option<(&Placement, &str)>,
    ) -> Result<Exchange, Error> {
        let body_token = token.and_then(|(placement, token)| Some((placement.body_field?, token)));
        let headers = own_headers(vendor, &request.headers)?;
        let (builder, in_body) = encode(&self.auth_client, request, body_token);
        let mut http = builder
            .build()
            .map_err(|e| Error::transport(vendor, stage, e))?;
        for (name, value) in headers {
            http.headers_mut().append(name, value);
        }
        match token {
            // A multipart body was built with the token in it.
            Some((placement, token)) if in_body => {
                carry(vendor, placement, &mut http, token, true)?
            }
            // A JSON or form body gets it as an API request's would.
            Some((placement, token)) => apply(vendor, placement, &mut http, token)?,
            None => {}
        }
        let response = self
            .auth_client
            .execute(http)
            .await
            .map_err(|e| Error::transport(vendor, stage, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = read_capped(vendor, stage, response, self.max_body).await?;
        Ok(Exchange {
            status,
            headers,
            body,
        })
    }
}

/// A request's own headers as HTTP headers, a secret value marked sensitive; a name or
/// value that cannot be a header (a newline a vendor's answer slipped into a bound
/// value) refuses the request rather than sending it another way.
fn own_headers(
    vendor: &'static str,
    headers: &[(String, WireValue)],
) -> Result<Vec<(http::HeaderName, http::HeaderValue)>, Error> {
    headers
        .iter()
        .map(|(name, value)| {
            let invalid = |what: &str| Error::InvalidRequest {
                vendor,
                reason: format!("the `{name}` header's {what} cannot be sent in a header"),
            };
            let header_name =
                http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid("name"))?;
            let mut header_value =
                http::HeaderValue::try_from(value.text().as_ref()).map_err(|_| invalid("value"))?;
            header_value.set_sensitive(matches!(value, WireValue::Secret(_)));
            Ok((header_name, header_value))
        })
        .collect()
}

/// A login or logout response, read whole (up to the cap).
pub(crate) struct Exchange {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Exchange {
    /// How long the vendor asked to wait (`Retry-After`), if it said.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        crate::retry::retry_after(&self.headers)
    }

    /// The answer as a provider reads it.
    pub(crate) fn reply(&self) -> crate::provider::LoginReply<'_> {
        crate::provider::LoginReply {
            status: self.status,
            headers: &self.headers,
            body: &self.body,
        }
    }
}

/// The request builder for a provider's request; `body_token` is the token and the
/// body field it goes in, for a logout or keep-alive that takes it there. A multipart
/// body is built with the token as a text part (`true`: the body carries it); a JSON
/// or form body is built so that [`apply`] can add it (an empty JSON object, or an
/// empty form, when there are no fields).
fn encode(
    client: &reqwest::Client,
    request: VendorRequest,
    body_token: Option<(&str, &str)>,
) -> (reqwest::RequestBuilder, bool) {
    let basic = request.basic_as_sent();
    let mut url = request.url;
    if !request.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in flat_pairs(&request.query) {
            pairs.append_pair(&name, &value);
        }
    }
    let mut builder = client.request(crate::provider::http_method(request.method), url);
    if let Some((user, password)) = basic {
        builder = builder.basic_auth(user, Some(password.expose_secret()));
    }
    let has_body = !request.fields.is_empty() || body_token.is_some();
    let builder = match request.format {
        // An empty JSON object still goes out, so a token body field can be added to it
        // (CRM.COM's token/release).
        WireFormat::Json => builder.json(&json_body(&request.fields)),
        WireFormat::Form if has_body => builder.form(&flat_pairs(&request.fields)),
        WireFormat::Multipart if has_body => {
            let mut pairs = flat_pairs(&request.fields);
            if let Some((field, token)) = body_token {
                // The token replaces a field of the same name, as in a form.
                pairs.retain(|(name, _)| name != field);
                pairs.push((field.to_owned(), token.to_owned()));
            }
            let form = pairs
                .into_iter()
                .fold(reqwest::multipart::Form::new(), |form, (name, value)| {
                    form.text(name, value)
                });
            return (builder.multipart(form), body_token.is_some());
        }
        WireFormat::Form | WireFormat::Multipart => builder,
    };
    (builder, false)
}

/// A field's value as JSON.
fn json_value(value: &WireValue) -> serde_json::Value {
    match value {
        WireValue::Plain(v) => serde_json::Value::String(v.clone()),
        WireValue::Secret(s) => serde_json::Value::String(s.expose_secret().to_owned()),
        WireValue::Json(v) => v.clone(),
    }
}

/// JSON with dotted wire names nested: `access_token_identifier.identifier`.
fn json_body(fields: &[WireField]) -> serde_json::Value {
    let mut root = serde_json::Map::new();
    'fields: for field in fields {
        let Some((last, parents)) = field.path.split_last() else {
            continue;
        };
        let mut map = &mut root;
        for key in parents {
            let entry = map
                .entry(key.to_string())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if !entry.is_object() {
                *entry = serde_json::Value::Object(serde_json::Map::new());
            }
            let Some(inner) = entry.as_object_mut() else {
                continue 'fields;
            };
            map = inner;
        }
        map.insert(last.to_string(), json_value(&field.value));
    }
    serde_json::Value::Object(root)
}

/// Name/value pairs for a form, a multipart body or a query string. They are flat: a
/// dotted name (refused by the generator's validation) is sent joined; a list is one
/// pair per item; a number or boolean is its text; an object its JSON text.
fn flat_pairs(fields: &[WireField]) -> Vec<(String, String)> {
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut pairs = Vec::with_capacity(fields.len());
    for field in fields {
        let name = field.path.join(".");
        match &field.value {
            WireValue::Plain(v) => pairs.push((name, v.clone())),
            WireValue::Secret(s) => pairs.push((name, s.expose_secret().to_owned())),
            WireValue::Json(serde_json::Value::Array(items)) => {
                pairs.extend(items.iter().map(|item| (name.clone(), text(item))));
            }
            WireValue::Json(value) => pairs.push((name, text(value))),
        }
    }
    pairs
}

/// Puts the token on an API request the vendor's way.
///
/// A body field needs a body it can be added to: a JSON object or a form-urlencoded
/// body, in memory. Any other request (no body, a multipart or streamed body, a JSON
/// body that is not an object) carries the token in the query parameter where the
/// vendor takes one, and is refused otherwise: sent without its token, it would be
/// rejected, and each rejection would cost a login.
pub(crate) fn apply(
    vendor: &'static str,
    placement: &Placement,
    request: &mut reqwest::Request,
    token: &str,
) -> Result<(), Error> {
    let in_body = match placement.body_field {
        Some(field) => match put_in_body(request, field, token) {
            Ok(()) => true,
            Err(_) if placement.query.is_some() => false,
            Err(why) => {
                return Err(Error::InvalidRequest {
                    vendor,
                    reason: format!(
                        "the token goes in the body field `{field}`, and {why}, so the token \
                         cannot be added: send a JSON object or a form-urlencoded body"
                    ),
                });
            }
        },
        None => false,
    };
    carry(vendor, placement, request, token, in_body)
}

/// Puts the token on a request in every place of `placement` but the body: its
/// headers, its cookie, and the query parameter unless `in_body` (the body carries it).
fn carry(
    vendor: &'static str,
    placement: &Placement,
    request: &mut reqwest::Request,
    token: &str,
    in_body: bool,
) -> Result<(), Error> {
    for (name, value) in token_headers(vendor, placement, token)? {
        request.headers_mut().insert(name, value);
    }
    put_cookie(vendor, placement, request.headers_mut(), token)?;
    if let (Some(name), false) = (placement.query, in_body) {
        request.url_mut().query_pairs_mut().append_pair(name, token);
    }
    Ok(())
}

/// Puts the token on an `http::Request` (for the tower layer): headers and query only,
/// since the body is opaque here.
#[cfg(feature = "tower")]
pub(crate) fn apply_to_http<B>(
    vendor: &'static str,
    placement: &Placement,
    request: &mut http::Request<B>,
    token: &str,
) -> Result<(), Error> {
    let invalid = |reason: &str| Error::InvalidRequest {
        vendor,
        reason: reason.to_owned(),
    };
    for (name, value) in token_headers(vendor, placement, token)? {
        request.headers_mut().insert(name, value);
    }
    put_cookie(vendor, placement, request.headers_mut(), token)?;
    match (placement.query, placement.body_field) {
        (Some(name), _) => {
            let uri = request.uri().clone();
            let mut url = url::Url::parse(&uri.to_string())
                .map_err(|_| invalid("the request URI is not absolute"))?;
            url.query_pairs_mut().append_pair(name, token);
            *request.uri_mut() = url
                .as_str()
                .parse()
                .map_err(|_| invalid("the request URI could not carry the token"))?;
        }
        (None, Some(field)) => {
            return Err(invalid(&format!(
                "the token goes in the body field `{field}`, and AuthLayer cannot add it to a \
                 request body: use Session::send or AuthMiddleware, with a JSON object or a \
                 form-urlencoded body"
            )));
        }
        (None, None) => {}
    }
    Ok(())
}

/// Refuses a newly issued token that could not be sent the vendor's way: one with a
/// control character (a CR/LF would split a header; a NUL cuts strings), or, for a
/// header placement, bytes a header value cannot hold, non-ASCII characters included
/// (a header would carry them as raw UTF-8, which HTTP does not define; the query and
/// the body encode them, so a token placed only there may hold them). Caching it would
/// fail every call until it expired.
pub(crate) fn check_token(
    vendor: &'static str,
    placement: &Placement,
    token: &str,
) -> Result<(), Error> {
    let invalid = |reason: &str| Error::InvalidToken {
        vendor,
        reason: reason.to_owned(),
    };
    if token.is_empty() {
        return Err(invalid("it is empty"));
    }
    if token.chars().any(char::is_control) {
        return Err(invalid("it contains a control character"));
    }
    let in_a_header = placement.bearer || placement.header.is_some() || placement.cookie.is_some();
    if in_a_header && !token.is_ascii() {
        return Err(invalid(
            "it contains non-ASCII characters, which a header would carry as raw bytes",
        ));
    }
    // The headers it would go in, built as every request builds them.
    token_headers(vendor, placement, token)
        .map_err(|_| invalid("it contains characters a header cannot carry"))?;
    put_cookie(vendor, placement, &mut http::HeaderMap::new(), token)
        .map_err(|_| invalid("it contains characters a cookie cannot carry"))?;
    Ok(())
}

/// Adds `name=token` to the request's `Cookie` header, after the cookies it already
/// has (several `Cookie` headers are joined into one, as HTTP/1.1 requires).
fn put_cookie(
    vendor: &'static str,
    placement: &Placement,
    headers: &mut http::HeaderMap,
    token: &str,
) -> Result<(), Error> {
    let Some(name) = placement.cookie else {
        return Ok(());
    };
    let invalid = |reason: &str| Error::InvalidRequest {
        vendor,
        reason: reason.to_owned(),
    };
    // RFC 6265 cookie-octets: visible ASCII but `"`, `,`, `;` and `\`.
    let octet = |b: u8| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\');
    if !token.bytes().all(octet) {
        return Err(invalid("the token is not a valid cookie value"));
    }
    let mut cookies: Vec<String> = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .map(str::trim)
        // A cookie of the same name the caller set is replaced, not sent twice.
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(name))
        .map(str::to_owned)
        .collect();
    cookies.push(format!("{name}={token}"));
    let mut value = http::HeaderValue::from_str(&cookies.join("; "))
        .map_err(|_| invalid("the request's cookies are not a valid header value"))?;
    value.set_sensitive(true);
    headers.insert(http::header::COOKIE, value);
    Ok(())
}

/// The headers that carry the token under `placement`, marked sensitive.
fn token_headers(
    vendor: &'static str,
    placement: &Placement,
    token: &str,
) -> Result<Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>, Error> {
    use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
    let invalid = |reason: &str| Error::InvalidRequest {
        vendor,
        reason: reason.to_owned(),
    };
    let sensitive = |text: &str| {
        HeaderValue::from_str(text)
            .map(|mut value| {
                value.set_sensitive(true);
                value
            })
            .map_err(|_| invalid("the token is not a valid header value"))
    };
    let mut headers = Vec::new();
    if placement.bearer {
        headers.push((AUTHORIZATION, sensitive(&format!("Bearer {token}"))?));
    }
    for name in placement.header.iter().chain(placement.more_headers) {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid("the token header name is not valid"))?;
        let value = match placement.scheme {
            Some(scheme) => sensitive(&format!("{scheme} {token}"))?,
            None => sensitive(token)?,
        };
        headers.push((name, value));
    }
    Ok(headers)
}

/// Whether a request or response is labelled JSON.
pub(crate) fn is_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Adds `field: token` to a JSON object body or a form-urlencoded body (replacing a
/// field of that name); else says why it cannot.
fn put_in_body(request: &mut reqwest::Request, field: &str, token: &str) -> Result<(), String> {
    let form = is_form(request.headers());
    let json = is_json(request.headers());
    let Some(body) = request.body() else {
        return Err("the request has no body".to_owned());
    };
    if !json && !form {
        let kind = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        return Err(match kind {
            Some(kind) => format!("its body is `{kind}`, neither JSON nor form-urlencoded"),
            None => {
                "its body has no content type, so it is neither JSON nor form-urlencoded".to_owned()
            }
        });
    }
    let Some(bytes) = body.as_bytes() else {
        return Err("its body is streamed".to_owned());
    };
    let encoded = if json {
        let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(bytes) else {
            return Err("its JSON body is not an object".to_owned());
        };
        object.insert(
            field.to_owned(),
            serde_json::Value::String(token.to_owned()),
        );
        serde_json::Value::Object(object).to_string()
    } else {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        out.extend_pairs(url::form_urlencoded::parse(bytes).filter(|(name, _)| name != field));
        out.append_pair(field, token);
        out.finish()
    };
    *request.body_mut() = Some(encoded.into());
    Ok(())
}

/// Whether a request is labelled form-urlencoded.
fn is_form(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Reads a body, failing once it passes `limit` bytes (announced or actual).
pub(crate) async fn read_capped(
    vendor: &'static str,
    stage: Stage,
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, Error> {
    let too_large = Error::BodyTooLarge {
        vendor,
        stage,
        limit,
    };
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Error::transport(vendor, stage, e))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_wire_names_nest_in_json() {
        let fields = vec![
            WireField {
                path: &["organisation"],
                value: WireValue::Plain("CRMDEMO".into()),
            },
            WireField {
                path: &["access_token_identifier", "identifier"],
                value: WireValue::Plain("id".into()),
            },
            WireField {
                path: &["access_token_identifier", "pass_code"],
                value: WireValue::Secret("pc".into()),
            },
        ];
        assert_eq!(
            json_body(&fields),
            serde_json::json!({"organisation": "CRMDEMO",
                "access_token_identifier": {"identifier": "id", "pass_code": "pc"}})
        );
    }
}
