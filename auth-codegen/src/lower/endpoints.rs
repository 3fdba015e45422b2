//! Lowers `login`, `logout` and `keepalive`: an endpoint's path, method, format, token
//! placement, and its constants and query values (nested tables flattened to paths).

use std::borrow::Cow;

use super::Lowering;
use super::resolve::{Item, Place};
use super::values::{method, url_template, wire_format};
use crate::keys::Context;
use crate::model::{
    ConstValue, Constant, Endpoint, Location, Method, Spanned, UrlTemplate, WireFormat,
};
use crate::source::{Kind, Value};

impl Lowering<'_> {
    pub(super) fn endpoint(&self, parent: &Place, item: &Item<'_>) -> Endpoint {
        let place = self.nested(parent, item, Context::Endpoint);
        let mut endpoint = stand_in_endpoint(item.span);
        self.visit(&place, item.table(), |inner| {
            let text = inner.text();
            match inner.key.name {
                "path" => endpoint.path = url_template(&text.value, text.span, self.errors),
                "method" => endpoint.method = method(&text.value, text.span, self.errors),
                "format" => endpoint.format = wire_format(&text.value, text.span, self.errors),
                "constants" => self.constants(&inner, &[], &mut endpoint.constants),
                "query" => self.constants(&inner, &[], &mut endpoint.query),
                "apply" => endpoint.placement = Some(self.placement(&place, &inner)),
                other => unreachable!("`{other}` is in the key table without an arm"),
            }
        });
        endpoint
    }

    /// The constants of a table, flattened to their paths: a nested table is a nested
    /// object, each other value a constant at its path.
    fn constants(&self, item: &Item<'_>, parents: &[String], out: &mut Vec<Constant>) {
        for (key, value) in self.named(item) {
            let mut path = parents.to_vec();
            path.push(key.name.clone());
            if let Kind::Table(_) = &value.kind {
                let nested = Item {
                    key: item.key,
                    span: key.span,
                    value: Cow::Borrowed(value),
                    path: item.path.clone(),
                };
                self.constants(&nested, &path, out);
                continue;
            }
            if let Some(value) = self.const_value(value) {
                out.push(Constant {
                    path,
                    value,
                    span: key.span,
                });
            }
        }
    }

    /// A constant's value; a bare name or a number out of range is refused.
    fn const_value(&self, value: &Value) -> Option<ConstValue> {
        match &value.kind {
            Kind::Str(s) => Some(ConstValue::Str(s.clone())),
            Kind::Bool(b) => Some(ConstValue::Bool(*b)),
            Kind::Int(digits) => match digits.parse::<i64>() {
                Ok(n) => Some(ConstValue::Int(n)),
                Err(_) => {
                    self.errors.error(
                        value.span,
                        format!("`{digits}` does not fit a 64-bit whole number"),
                    );
                    None
                }
            },
            Kind::Float(text) => match text.parse::<f64>() {
                Ok(n) if n.is_finite() => Some(ConstValue::Float(n)),
                _ => {
                    self.errors
                        .error(value.span, format!("`{text}` is not a finite number"));
                    None
                }
            },
            Kind::List(items) => items
                .iter()
                .map(|item| self.const_value(item))
                .collect::<Option<Vec<_>>>()
                .map(ConstValue::List),
            Kind::Table(entries) => {
                let mut fields = Vec::new();
                for entry in entries {
                    let Some(key) = &entry.key else {
                        self.errors
                            .error(entry.value.span, "expected `name = value` in an object");
                        return None;
                    };
                    fields.push((key.name.clone(), self.const_value(&entry.value)?));
                }
                Some(ConstValue::Object(fields))
            }
            Kind::Word(word) => {
                self.errors.error(
                    value.span,
                    format!("a constant string is written in double quotes: `\"{word}\"`"),
                );
                None
            }
        }
    }
}

pub(super) fn stand_in_endpoint(span: Location) -> Endpoint {
    Endpoint {
        method: Method::Post,
        path: UrlTemplate {
            template: Spanned {
                value: "/".to_owned(),
                span,
            },
            placeholders: Vec::new(),
        },
        format: WireFormat::Json,
        constants: Vec::new(),
        query: Vec::new(),
        placement: None,
    }
}
