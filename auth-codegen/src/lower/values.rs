//! Values written as text, read into the IR's types: durations, URL templates, JSON
//! paths, methods, wire formats, doc lines. Each records a problem at the value's place
//! and returns a stand-in, so lowering goes on.

use crate::errors::{Errors, did_you_mean};
use crate::model::{JsonPath, Location, Method, Spanned, UrlTemplate, WireFormat};

/// One line of documentation as the IR keeps it: as the text of a `///` comment, with
/// its leading space (so that `doc = "..."` reads like `/// ...` in generated code).
pub(super) fn doc_line(text: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() || text.starts_with(' ') {
        text.to_owned()
    } else {
        format!(" {text}")
    }
}

pub(super) fn method(text: &str, span: impl Into<Location>, errors: &Errors) -> Method {
    let span: Location = span.into();
    match text.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "PATCH" => Method::Patch,
        _ => {
            errors.error(
                span,
                format!("unknown HTTP method `{text}`: expected GET, POST, PUT, PATCH or DELETE"),
            );
            Method::Post
        }
    }
}

pub(super) fn wire_format(text: &str, span: impl Into<Location>, errors: &Errors) -> WireFormat {
    let span: Location = span.into();
    match text {
        "json" => WireFormat::Json,
        "form" => WireFormat::Form,
        "multipart" => WireFormat::Multipart,
        _ => {
            errors.error(
                span,
                format!(
                    "unknown wire format `{text}`: expected `json`, `form` or `multipart`{}",
                    did_you_mean(text, &["json", "form", "multipart"])
                ),
            );
            WireFormat::Json
        }
    }
}

/// A dotted JSON path such as `data.token`.
pub(super) fn json_path(text: &str, span: impl Into<Location>, errors: &Errors) -> JsonPath {
    let span: Location = span.into();
    // `.` is the whole document (a bare JSON string token).
    let segments: Vec<String> = match text {
        "." => Vec::new(),
        _ => text.split('.').map(str::to_owned).collect(),
    };
    if segments.iter().any(String::is_empty) {
        errors.error(
            span,
            format!("`{text}` is not a dotted path such as `data.token`"),
        );
    }
    JsonPath { segments, span }
}

/// A template (a path, a header's value, a string constant): its text as written, its
/// `{name}`s read by the description's one reader of templates; a broken one (an
/// unclosed `{`) is reported here, what its names name is checked by validation.
pub(super) fn template(text: Spanned<String>, errors: &Errors) -> Spanned<String> {
    if let Err(why) = auth_description::pieces(&text.value) {
        errors.error(text.span, why);
    }
    text
}

/// A URL template: `{name}` placeholders, each a valid Rust identifier.
pub(crate) fn url_template(text: &str, span: impl Into<Location>, errors: &Errors) -> UrlTemplate {
    let span: Location = span.into();
    let mut placeholders = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            errors.error(span, format!("unmatched `}}` in URL template `{text}`"));
            break;
        }
        let Some(close) = rest[open..].find('}') else {
            errors.error(span, format!("unclosed `{{` in URL template `{text}`"));
            break;
        };
        let name = &rest[open + 1..open + close];
        if syn::parse_str::<syn::Ident>(name).is_err() {
            errors.error(
                span,
                format!("`{{{name}}}` in URL template `{text}` is not a valid placeholder name"),
            );
        } else if !placeholders.iter().any(|p| p == name) {
            placeholders.push(name.to_owned());
        }
        rest = &rest[open + close + 1..];
    }
    UrlTemplate {
        template: Spanned {
            value: text.to_owned(),
            span,
        },
        placeholders,
    }
}

/// A duration such as `15m`, `1h`, `900s` or `1h30m`, in seconds.
pub(super) fn duration(text: &str, span: impl Into<Location>, errors: &Errors) -> u64 {
    let span: Location = span.into();
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut ok = !text.is_empty();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => 0,
        };
        match number.parse::<u64>() {
            Ok(n) if unit > 0 => total = total.saturating_add(n.saturating_mul(unit)),
            _ => ok = false,
        }
        number.clear();
    }
    if !number.is_empty() || !ok || total == 0 {
        errors.error(
            span,
            format!("`{text}` is not a duration: write e.g. `900s`, `15m`, `1h` or `1h30m`"),
        );
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    #[test]
    fn durations_in_the_vendors_units() {
        let errors = Errors::default();
        let span = Span::call_site();
        assert_eq!(duration("15m", span, &errors), 900);
        assert_eq!(duration("1h", span, &errors), 3600);
        assert_eq!(duration("1h30m", span, &errors), 5400);
        assert_eq!(duration("900s", span, &errors), 900);
        assert!(errors.is_empty());
        for bad in ["", "15", "m", "1x", "0s", "1.5h"] {
            let errors = Errors::default();
            duration(bad, span, &errors);
            assert!(!errors.is_empty(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn url_templates_list_their_placeholders_once() {
        let errors = Errors::default();
        let t = url_template(
            "https://{account}.modulus.biz/{account}/{v}",
            Span::call_site(),
            &errors,
        );
        assert_eq!(t.placeholders, ["account", "v"]);
        assert!(errors.is_empty());
        for bad in [
            "https://{account.x",
            "https://}x",
            "https://{not valid}.x",
            "https://{}.x",
        ] {
            let errors = Errors::default();
            url_template(bad, Span::call_site(), &errors);
            assert!(!errors.is_empty(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(
            did_you_mean("tokn", &["token", "vendor"]),
            "; did you mean `token`?"
        );
        assert_eq!(did_you_mean("zzz", &["token", "vendor"]), "");
    }
}
