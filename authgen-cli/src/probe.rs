//! `authgen probe`: one login to a live (or simulated) vendor, and what its answer holds
//! against what the spec expects. Values are never shown, only their shape; where an
//! expected value is missing, the report says where a similar one is.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use auth_runtime::__private::{AnswerTest, Expected, LoginResponse, Spot};
use auth_runtime::LoginAnswer;
use auth_runtime::description::{Description, DynamicError, Interpret, Refusal, send_login};
use serde_json::Value;

use crate::live::{DIFFERS, MATCHES, REFUSED, Started, Target, UNREACHABLE, exit_code, fail};

pub(crate) fn run(target: &Target) -> ExitCode {
    let Started {
        description,
        provider,
        credentials,
        runtime,
    } = match target.start() {
        Ok(started) => started,
        Err(exit) => return exit,
    };
    let timeout = Duration::from_secs(target.timeout.max(1));
    let sent = runtime.block_on(send_login(&provider, &credentials, timeout));
    let probed = match sent {
        Ok(probed) => probed,
        Err(error) => {
            return fail(
                failure_code(&error),
                &format!("{}: {error}", failure_words(&error)),
            );
        }
    };
    let mut out = String::new();
    for (step, answer) in description.steps.iter().zip(&probed.steps) {
        step_report(&mut out, step, answer);
    }
    let answer = match probed.end {
        Ok(answer) => answer,
        Err((step, error)) => {
            print!("{out}");
            let name = description.steps.get(step).map_or("?", |s| s.name);
            return fail(
                failure_code(&error),
                &format!("the login stopped at its step `{name}`: {error}"),
            );
        }
    };
    let (code, report) = report(description, &answer);
    print!("{out}{report}");
    ExitCode::from(code)
}

/// The exit code of a login that failed before the token request's answer.
fn failure_code(error: &DynamicError) -> u8 {
    match error {
        DynamicError::Runtime(error) => exit_code(error),
        DynamicError::Refused { .. } => REFUSED,
        _ => UNREACHABLE,
    }
}

fn failure_words(error: &DynamicError) -> &'static str {
    if failure_code(error) == UNREACHABLE {
        "no answer"
    } else {
        "error"
    }
}

/// A step's answer against what the spec reads from it: its status, then each value it
/// binds by its shape (never its text), or where a similar one is when it is missing.
fn step_report(out: &mut String, step: &auth_runtime::description::Step, answer: &LoginAnswer) {
    let reply = answer.reply();
    let response = LoginResponse::new("step", &reply);
    let _ = writeln!(
        out,
        "step `{}`: HTTP {}, {} bytes{}",
        step.name,
        answer.status(),
        answer.body().len(),
        if response.json().is_some() {
            ", JSON"
        } else {
            ""
        }
    );
    let looks = Looks { answer, response };
    if let Some(test) = &step.success {
        let holds = looks
            .read(test.spot)
            .is_some_and(|v| test.expected.accepts(&v));
        let _ = writeln!(
            out,
            "  success: {} ({})",
            condition(test),
            if holds { "holds" } else { "does not hold" }
        );
    }
    for binding in step.bindings {
        looks.expect(out, binding.name, binding.spot);
    }
}

/// The report, and the exit code it ends in. The answer holds no secret of the
/// credentials (`send_login` took them out); the token is shown by its shape only.
fn report(description: &Description, answer: &LoginAnswer) -> (u8, String) {
    let mut out = String::new();
    let reply = answer.reply();
    let response = LoginResponse::new(description.vendor, &reply);
    let content_type = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type");
    let _ = writeln!(
        out,
        "{}: HTTP {}, {content_type}, {} bytes{}",
        description.vendor,
        answer.status(),
        answer.body().len(),
        if response.json().is_some() {
            ", JSON"
        } else {
            ""
        }
    );
    let looks = Looks { answer, response };
    match description.decode_login(&reply) {
        Ok(_) => {
            let mut missing = 0;
            let _ = writeln!(
                out,
                "  token at {}: {}",
                shown(description.token),
                looks.shape(description.token)
            );
            if let Some(test) = &description.success {
                let _ = writeln!(out, "  success: {} (holds)", condition(test));
            }
            if let Some(field) = &description.expiry_field {
                missing += looks.expect(&mut out, "expiry", field.spot);
            }
            // RFC 6749 section 5.1: an OAuth 2.0 answer may leave out the refresh token,
            // and the scope when it is the one asked for.
            let oauth2 = description.oauth2.is_some();
            if oauth2 {
                looks.optional(&mut out, "refresh token", Spot::Json(&["refresh_token"]));
            }
            for field in description.response_fields {
                let spot = Spot::Json(field.path);
                match oauth2 && field.path == ["scope"] {
                    true => looks.optional(&mut out, field.name, spot),
                    false => missing += looks.expect(&mut out, field.name, spot),
                }
            }
            if missing == 0 {
                let _ = writeln!(out, "ok: the answer is as the spec describes it");
                (MATCHES, out)
            } else {
                let _ = writeln!(
                    out,
                    "differs: logged in, but {missing} value{} the spec reads {} missing",
                    plural(missing),
                    if missing == 1 { "is" } else { "are" }
                );
                (DIFFERS, out)
            }
        }
        Err(Refusal::Documented { case, values }) if case < description.errors.len() => {
            let case = &description.errors[case];
            let _ = writeln!(
                out,
                "  a documented failure: `{}` ({})",
                case.variant, case.display
            );
            for (field, value) in case.fields.iter().zip(values.into_vec()) {
                let value = match value {
                    auth_runtime::description::CaseValue::Text(Some(text)) => text,
                    auth_runtime::description::CaseValue::Messages(m) if !m.is_empty() => {
                        m.to_string()
                    }
                    _ => "(absent)".to_owned(),
                };
                let _ = writeln!(out, "    {}: {value}", field.name);
            }
            let _ = writeln!(out, "refused: the vendor refused these credentials");
            (REFUSED, out)
        }
        Err(refusal) => {
            let error = refusal.into_error(description.vendor);
            let success_status = (200..300).contains(&answer.status());
            if success_status {
                let _ = writeln!(
                    out,
                    "  token at {}: {}",
                    shown(description.token),
                    looks.shape(description.token)
                );
                if looks.read(description.token).is_none() {
                    looks.similar(&mut out, description.token, true);
                }
                if let Some(test) = &description.success {
                    let found = looks.read(test.spot);
                    let holds = found.as_deref().is_some_and(|v| test.expected.accepts(v));
                    let _ = writeln!(
                        out,
                        "  success: {} ({})",
                        condition(test),
                        match (holds, found) {
                            (true, _) => "holds".to_owned(),
                            (false, Some(value)) if value.chars().count() <= 24 => {
                                format!("does not hold: it is `{value}`")
                            }
                            (false, Some(_)) => "does not hold".to_owned(),
                            (false, None) => "does not hold: absent".to_owned(),
                        }
                    );
                    if !holds && looks.read(test.spot).is_none() {
                        looks.similar(&mut out, test.spot, false);
                    }
                }
            } else {
                let _ = writeln!(
                    out,
                    "  HTTP {} is not a documented failure of the spec{}",
                    answer.status(),
                    if description.errors.is_empty() {
                        " (it documents none)"
                    } else {
                        ""
                    }
                );
            }
            let _ = writeln!(out, "differs: {error}");
            (DIFFERS, out)
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn shown(spot: Spot) -> String {
    match spot {
        Spot::Json([]) => "the JSON body".to_owned(),
        Spot::Json(_) => format!("`{}`", spot.shown()),
        other => other.shown(),
    }
}

fn condition(test: &AnswerTest) -> String {
    match test.expected {
        Expected::Equals(text) => format!("{} is `{text}`", shown(test.spot)),
        Expected::Contains(text) => format!("{} contains `{text}`", shown(test.spot)),
    }
}

/// Reading an answer for the report.
struct Looks<'a> {
    answer: &'a LoginAnswer,
    /// The answer as the description's interpreter reads it.
    response: LoginResponse<'a>,
}

impl Looks<'_> {
    /// The value at `spot`, as decoding the login reads it.
    fn read(&self, spot: Spot) -> Option<String> {
        self.response.read(spot)
    }

    /// A value's shape, never its text: `found (a JWT, 180 characters)`.
    fn shape(&self, spot: Spot) -> String {
        match self.read(spot) {
            None => "missing".to_owned(),
            Some(value) => format!("found ({})", describe_value(&value)),
        }
    }

    /// Reports a value the spec reads at `spot`; 1 when it is missing.
    /// Says where `what`, which an answer may leave out, is, or that it is left out.
    fn optional(&self, out: &mut String, what: &str, spot: Spot) {
        let shape = self.shape(spot);
        let _ = match self.read(spot) {
            Some(_) => writeln!(out, "  {what} at {}: {shape}", shown(spot)),
            None => writeln!(
                out,
                "  {what} at {}: {shape} (optional: RFC 6749 section 5.1)",
                shown(spot)
            ),
        };
    }

    fn expect(&self, out: &mut String, what: &str, spot: Spot) -> usize {
        let _ = writeln!(out, "  {what} at {}: {}", shown(spot), self.shape(spot));
        if self.read(spot).is_some() {
            return 0;
        }
        self.similar(out, spot, false);
        1
    }

    /// Where a value like the one missing at `spot` is: a JSON path whose last name is
    /// like the expected one (or, for the token, any long string), a header or a
    /// cookie of a like name.
    fn similar(&self, out: &mut String, spot: Spot, token: bool) {
        let wanted = match spot {
            Spot::Json(path) => path.last().copied().unwrap_or(""),
            Spot::Header(name) | Spot::Cookie(name) => name,
            _ => "",
        };
        let mut found: Vec<(f64, String)> = Vec::new();
        if let Some(json) = self.response.json() {
            let mut leaves = Vec::new();
            collect(json, &mut Vec::new(), &mut leaves);
            for (path, value) in leaves {
                let last = path.last().map(String::as_str).unwrap_or("");
                let mut score = likeness(wanted, last);
                if token && looks_like_token(value) {
                    score = score.max(SIMILAR);
                }
                if score >= SIMILAR {
                    let place = if path.is_empty() {
                        "the JSON body".to_owned()
                    } else {
                        format!("`{}`", path.join("."))
                    };
                    found.push((score, format!("{place} ({})", describe_json(value))));
                }
            }
        } else if !self.answer.body().is_empty() && matches!(spot, Spot::Json(_)) {
            let _ = writeln!(out, "    the body is not JSON");
        }
        for (name, value) in self.answer.headers().iter() {
            let score = likeness(wanted, name.as_str());
            if score >= SIMILAR && name.as_str() != "set-cookie" {
                let shape = value.to_str().map(describe_value).unwrap_or_default();
                found.push((score, format!("the `{name}` header ({shape})")));
            }
        }
        for (name, value) in set_cookies(self.answer) {
            let score = likeness(wanted, &name).max(if token { SIMILAR } else { 0.0 });
            if score >= SIMILAR {
                found.push((
                    score,
                    format!("the `{name}` cookie ({})", describe_value(&value)),
                ));
            }
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, place) in found.iter().take(3) {
            let _ = writeln!(out, "    a similar value is at {place}");
        }
    }
}

/// How alike a name must be to be shown as a similar place (Jaro-Winkler).
const SIMILAR: f64 = 0.8;

/// How alike two names are, 0 to 1: equal, one inside the other, or Jaro-Winkler.
fn likeness(wanted: &str, name: &str) -> f64 {
    let (wanted, name) = (wanted.to_ascii_lowercase(), name.to_ascii_lowercase());
    if wanted.is_empty() || name.is_empty() {
        return 0.0;
    }
    if wanted == name {
        return 1.0;
    }
    if name.contains(&wanted) || wanted.contains(&name) {
        return 0.9;
    }
    strsim::jaro_winkler(&wanted, &name)
}

fn looks_like_token(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.len() >= 16 && !s.contains(char::is_whitespace))
}

fn collect<'v>(value: &'v Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, &'v Value)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(key.clone());
                collect(child, path, out);
                path.pop();
            }
        }
        other => out.push((path.clone(), other)),
    }
}

fn describe_json(value: &Value) -> String {
    match value {
        Value::String(s) => describe_value(s),
        Value::Number(_) => "a number".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Null => "null".to_owned(),
        Value::Array(items) => format!("a list of {}", items.len()),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A text's shape: a JWT, a number, or a string of N characters.
fn describe_value(value: &str) -> String {
    let chars = value.chars().count();
    if value.split('.').count() == 3 && value.starts_with("eyJ") {
        format!("a JWT, {chars} characters")
    } else if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
        format!("a number, {chars} digits")
    } else {
        format!("a string of {chars} characters")
    }
}

fn set_cookies(answer: &LoginAnswer) -> Vec<(String, String)> {
    answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect()
}
