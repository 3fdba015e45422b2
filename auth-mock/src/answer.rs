//! Writing what the description says a vendor answers: a value at a spot, a login
//! success, a documented refusal, a rejection of the token.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use auth_runtime::__private::{AnswerTest, ErrorCase, Expected, Spot};
use auth_runtime::description::{AnswerKind, Description};

/// An answer under construction: status, headers and either a JSON body or a text one.
#[derive(Debug)]
pub(crate) struct Answer {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    json: Option<Value>,
    text: Option<String>,
}

impl Answer {
    pub(crate) fn new(status: u16) -> Self {
        Answer {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            headers: Vec::new(),
            json: None,
            text: None,
        }
    }

    /// Puts `value` at `spot`: a JSON path, a header, a cookie or the whole body.
    pub(crate) fn put(&mut self, spot: Spot, value: Value) {
        let text = match &value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match spot {
            Spot::Json(path) => put_json(self.json.get_or_insert_with(empty), path, value),
            Spot::Header(name) => self.header(name, &text),
            Spot::Cookie(name) => self.header("set-cookie", &format!("{name}={text}; Path=/")),
            Spot::Text => self.text = Some(text),
        }
    }

    /// Adds a header (ignored when the name or value cannot be a header's).
    pub(crate) fn header(&mut self, name: &str, value: &str) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            self.headers.push((name, value));
        }
    }

    /// Whether the JSON body has a value at `path`.
    pub(crate) fn has(&self, path: &[&str]) -> bool {
        self.json
            .as_ref()
            .is_some_and(|json| auth_runtime::__private::lookup(json, path).is_some())
    }

    /// Makes `test` hold on this answer.
    pub(crate) fn satisfy(&mut self, test: &AnswerTest) {
        let value = match test.expected {
            Expected::Equals(text) | Expected::Contains(text) => text,
        };
        self.put(test.spot, Value::String(value.to_owned()));
    }

    /// Makes `test` fail on this answer, where the answer would otherwise have what it
    /// looks for.
    pub(crate) fn contradict(&mut self, test: &AnswerTest) {
        let value = match test.expected {
            Expected::Equals(text) | Expected::Contains(text) => text,
        };
        let other = if value == "MOCK_REFUSED" {
            "MOCK_DENIED"
        } else {
            "MOCK_REFUSED"
        };
        self.put(test.spot, Value::String(other.to_owned()));
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = match (self.text, self.json) {
            (Some(text), _) => {
                (self.status, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
            }
            (None, Some(json)) => (self.status, axum::Json(json)).into_response(),
            (None, None) => self.status.into_response(),
        };
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        response
    }
}

fn empty() -> Value {
    Value::Object(serde_json::Map::new())
}

/// Puts `value` at `path` of `json`, making objects on the way; an empty path is the
/// whole document.
pub(crate) fn put_json(json: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        *json = value;
        return;
    };
    let mut at = json;
    for key in parents {
        if !at.is_object() {
            *at = empty();
        }
        let Value::Object(map) = at else { return };
        at = map.entry((*key).to_owned()).or_insert_with(empty);
    }
    if !at.is_object() {
        *at = empty();
    }
    if let Value::Object(map) = at {
        map.insert((*last).to_owned(), value);
    }
}

/// The documented failure a refused request of a login is answered with, among those
/// of step `step` (`None`: the token request's): the vendor's own "wrong credentials"
/// when it has one (401, then 403, then any 4xx, then a case with no status), else the
/// first; `None` when the description documents none there.
pub(crate) fn refusal_case(
    description: &Description,
    step: Option<&str>,
) -> Option<&'static ErrorCase> {
    let errors = || {
        description
            .errors
            .iter()
            .filter(move |case| case.step == step)
    };
    let with_status =
        |wanted: fn(u16) -> bool| errors().find(|case| case.status.is_some_and(wanted));
    with_status(|s| s == 401)
        .or_else(|| with_status(|s| s == 403))
        .or_else(|| with_status(|s| (400..500).contains(&s) && s != 429))
        .or_else(|| errors().find(|case| case.status.is_none()))
        .or_else(|| errors().next())
}

/// The answer to a refused request of a login: `case`'s status (`status` when it names
/// none) and body, each text value `message`, with what marks it as that case; the
/// mark of that request's success (`success`) contradicted. Without a documented case:
/// 401 and `message` as text.
pub(crate) fn refusal(
    success: Option<&AnswerTest>,
    case: Option<&ErrorCase>,
    message: &str,
    status: u16,
) -> Answer {
    let Some(case) = case else {
        let mut answer = Answer::new(401);
        answer.text = Some(message.to_owned());
        return answer;
    };
    let mut answer = Answer::new(case.status.unwrap_or(status));
    if let Some(success) = success {
        answer.contradict(success);
    }
    for field in case.fields {
        let value = match field.kind {
            AnswerKind::FieldMessages => {
                serde_json::json!({ "credentials": [{ "code": "mock_refused", "message": message }] })
            }
            _ => Value::String(message.to_owned()),
        };
        put_json(answer.json.get_or_insert_with(empty), field.path, value);
    }
    if let Some(when) = &case.when {
        answer.satisfy(when);
    }
    answer
}

/// The answer to an API call whose token is missing, unknown or expired, as the
/// description's rejection says.
pub(crate) fn rejection(description: &Description, message: &str) -> Answer {
    let rejection = &description.rejection;
    let mut answer = Answer::new(rejection.statuses.first().copied().unwrap_or(401));
    answer.put(Spot::Json(&["mock"]), Value::String(message.to_owned()));
    if let Some(test) = &rejection.test {
        answer.satisfy(test);
    }
    answer
}
