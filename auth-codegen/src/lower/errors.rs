//! Lowers the vendor's documented login failures: `error` cases (each with its status
//! and condition inline), their `fields` and the `error_fields` all cases share; and the
//! error answers of OAuth 2.0.

use proc_macro2::{Ident, Span};

use super::Lowering;
use super::answers::Gathered;
use super::resolve::{Item, Place};
use super::values::json_path;
use crate::errors::Errors;
use crate::keys::{self, Context, Source};
use crate::model::{
    Condition, ErrorCase, Expected, Location, ResponseField, Spanned, Spot, ValueKind,
};
use crate::source::{Kind, Value};

impl Lowering<'_> {
    /// `error(Name, ...)`, written once per case, or `[[error]]` tables.
    pub(super) fn error_cases(&self, item: &Item<'_>) -> Vec<ErrorCase> {
        let tables: Vec<(usize, &Value)> = match &item.value.kind {
            Kind::List(tables) => tables.iter().enumerate().collect(),
            _ => vec![(0, &*item.value)],
        };
        let mut cases = Vec::new();
        for (index, table) in tables {
            let Kind::Table(entries) = &table.kind else {
                continue;
            };
            let place = Place {
                context: Context::Error,
                what: match self.source {
                    Source::Attribute => "error(...)".to_owned(),
                    Source::Spec => "an `[[error]]`".to_owned(),
                },
                path: match self.source {
                    Source::Attribute => String::new(),
                    Source::Spec => format!("error[{index}]"),
                },
                at: match self.source {
                    Source::Attribute => item.span,
                    Source::Spec => table.span,
                },
            };
            let entries = self.condition_entries(&place, item.key.name, entries);
            let mut gathered = Gathered::default();
            let mut variant = None;
            let mut case = ErrorCase {
                variant: Ident::new("Unnamed", Span::call_site()),
                span: place.at,
                docs: Vec::new(),
                display: None,
                step: None,
                status: None,
                when: None,
                fields: Vec::new(),
            };
            self.visit(&place, &entries, |inner| match inner.key.name {
                "name" => {
                    let text = inner.text();
                    variant = self.ident(&text, "an error's `name`");
                    case.span = text.span;
                }
                "status" => match self.number(&inner).map(u16::try_from) {
                    Some(Ok(code)) if (100..600).contains(&code) => case.status = Some(code),
                    _ => self.out_of_range(&inner),
                },
                "display" => case.display = Some(inner.text().value),
                "step" => case.step = Some(inner.text()),
                "doc" => case.docs.extend(self.doc(&inner)),
                "fields" => case.fields.extend(self.error_fields(&inner)),
                // Its condition, written inline as in `success` and `rejected`.
                _ => self.gather_one(&mut gathered, &inner),
            });
            case.when = self.condition_if_any(&place, gathered).unwrap_or(None);
            if let Some(variant) = variant {
                cases.push(ErrorCase { variant, ..case });
            }
        }
        cases
    }

    /// An error's `fields`, or `error_fields`: a dotted path (text), or a kind such as
    /// `field_messages`.
    pub(super) fn error_fields(&self, item: &Item<'_>) -> Vec<ResponseField> {
        let mut out = Vec::new();
        for (ident, span, value) in self.map_entries(item, "an error field") {
            let path = format!("{}.{ident}", item.path);
            let (text, kind) = match &value.kind {
                Kind::Str(text) => (
                    Spanned {
                        value: text.clone(),
                        span: value.span,
                    },
                    ValueKind::Text,
                ),
                Kind::Table(entries) => {
                    let place = Place {
                        context: Context::ErrorFieldKind,
                        what: format!("`{path}`"),
                        path: path.clone(),
                        at: span,
                    };
                    let mut found = None;
                    self.visit(&place, entries, |inner| match inner.key.name {
                        "field_messages" => found = Some(inner.text()),
                        other => unreachable!("`{other}` is in the key table without an arm"),
                    });
                    let Some(text) = found else { continue };
                    (text, ValueKind::FieldMessages)
                }
                other => {
                    let kind = keys::find(Context::ErrorFieldKind, "field_messages")
                        .map_or("", |key| key.example(self.source));
                    self.errors.error(
                        value.span,
                        format!(
                            "`{path}` must be a dotted JSON path such as \"status.code\", or `{kind}`, not {}",
                            other.describe()
                        ),
                    );
                    continue;
                }
            };
            out.push(ResponseField {
                ident,
                span,
                path: json_path(&text.value, text.span, self.errors),
                kind,
            });
        }
        out
    }
}

/// Gives every error case the fields all of them share (`error_fields`), ahead of its
/// own; a case's own field of the same name replaces the shared one. `written` is where
/// `error_fields` was written, for the error when there is no case to add them to.
pub(super) fn share_error_fields(
    cases: &mut [ErrorCase],
    shared: Vec<ResponseField>,
    written: Option<Location>,
    errors: &Errors,
) {
    if shared.is_empty() {
        return;
    }
    if cases.is_empty()
        && let Some(span) = written
    {
        errors.error(
            span,
            "`error_fields` are added to every `error` case, and there is none: describe \
             the vendor's documented errors, or give the fields to `response`",
        );
    }
    for case in cases {
        let own = std::mem::take(&mut case.fields);
        let mut fields: Vec<ResponseField> = shared
            .iter()
            .filter(|field| !own.iter().any(|f| f.ident == field.ident))
            .cloned()
            .collect();
        fields.extend(own);
        case.fields = fields;
    }
}

/// The error answers of RFC 6749 section 5.2 as error cases, each with the answer's
/// `error_description` and `error_uri`.
pub(super) fn oauth2_errors(at: Location, errors: &Errors) -> Vec<ErrorCase> {
    const CODES: &[(&str, &str, &str)] = &[
        (
            "InvalidRequest",
            "invalid_request",
            "The request was malformed: a parameter missing, repeated or not understood.",
        ),
        (
            "InvalidClient",
            "invalid_client",
            "The client's own authentication failed: unknown client, wrong secret, or the wrong method.",
        ),
        (
            "InvalidGrant",
            "invalid_grant",
            "The grant was refused: wrong resource-owner credentials, or an expired or revoked refresh token.",
        ),
        (
            "UnauthorizedClient",
            "unauthorized_client",
            "This client may not use this grant.",
        ),
        (
            "UnsupportedGrantType",
            "unsupported_grant_type",
            "The server does not know this grant.",
        ),
        (
            "InvalidScope",
            "invalid_scope",
            "A scope asked for is unknown, malformed or beyond what was granted.",
        ),
    ];
    CODES
        .iter()
        .map(|(variant, code, doc)| ErrorCase {
            variant: Ident::new(variant, Span::call_site()),
            span: at,
            docs: vec![
                format!(" {doc}"),
                " (OAuth 2.0 `error`: `".to_owned() + code + "`.)",
            ],
            display: Some(format!("the OAuth 2.0 server answered `{code}`")),
            step: None,
            status: None,
            when: Some(Condition {
                spot: Spot::Json(json_path("error", at, errors)),
                expected: Expected::Equals((*code).to_owned()),
            }),
            fields: ["description", "uri"]
                .iter()
                .map(|name| ResponseField {
                    ident: Ident::new(name, Span::call_site()),
                    span: at,
                    path: json_path(&format!("error_{name}"), at, errors),
                    kind: ValueKind::Text,
                })
                .collect(),
        })
        .collect()
}
