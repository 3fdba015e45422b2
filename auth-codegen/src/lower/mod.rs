//! The one lowering: the source-neutral tree → the IR.
//!
//! Whichever source a description came from, its entries are resolved against the key
//! table ([`crate::keys`]) in `resolve.rs`: unknown keys (with "did you mean" and the
//! keys that would do), keys the source does not accept, repeated keys, values of the
//! wrong shape and missing keys are reported from the table's rows, and each key's arm
//! turns its value into the IR. Every problem is recorded at its place and lowering
//! goes on, so one run reports them all.
//!
//! This file lowers the top level ([`Lowering::provider`], the entry); the arms of the
//! other contexts of the key table are each in their own file: `endpoints.rs` (`login`,
//! `logout`, `keepalive`), `answers.rs` (`token`, `success`, `rejected`), `placement.rs`
//! (`apply`), `expiry.rs`, `fields.rs` (the credential fields, `one_of`, `response`),
//! `errors.rs` (`error`, `error_fields`), `oauth2.rs`, `steps.rs` (`step`, `bind`),
//! `computed.rs` (`computed`); `values.rs` reads text values, and
//! `written.rs` writes entries back as source text, for messages saying what to write.

mod answers;
mod api_base;
mod computed;
mod endpoints;
mod errors;
mod expiry;
mod fields;
mod oauth2;
mod placement;
mod resolve;
mod steps;
mod values;
mod written;

use proc_macro2::Ident;

use crate::errors::Errors;
use crate::keys::{Context, Source};
use crate::model::{
    ApiBase, Computed, Condition, Endpoint, ErrorCase, Expiry, Field, JsonPath, Lifetime, Location,
    OAuth2, Placement, Provider, Rejection, ResponseField, Rule, Spanned, Spot, Step, UrlTemplate,
};
use crate::source::{Entry, Host, Kind};
use endpoints::stand_in_endpoint;
use errors::share_error_fields;
use resolve::{Item, Place};
use values::doc_line;
pub(crate) use values::url_template;

/// Lowers descriptions from one source, recording problems in `errors`.
pub(crate) struct Lowering<'e> {
    /// The source the tree was read from.
    pub(crate) source: Source,
    /// Where problems go.
    pub(crate) errors: &'e Errors,
    /// Where a problem of the whole description (a missing key) is reported.
    pub(crate) whole: Location,
}

/// The top-level keys as lowered, before OAuth 2.0's defaults and the stand-ins.
#[derive(Default)]
struct Top {
    ident: Option<Ident>,
    docs: Vec<String>,
    vis: Option<syn::Visibility>,
    vendor: Option<Spanned<String>>,
    runtime: Option<syn::Path>,
    base: Option<UrlTemplate>,
    login: Option<Endpoint>,
    /// Whether `login` says its `format` (OAuth 2.0 sends a form otherwise).
    login_format_written: bool,
    logout: Option<Endpoint>,
    keepalive: Option<Endpoint>,
    steps: Vec<Step>,
    computed: Vec<Computed>,
    token: Option<Spot>,
    success: Option<Condition>,
    rejected: Option<Rejection>,
    placement: Option<Placement>,
    expiry: Option<Expiry>,
    one_of: Vec<Rule>,
    response_fields: Vec<ResponseField>,
    api_base: Option<ApiBase>,
    fields: Vec<Field>,
    /// The fields' `requires` rules.
    requires: Vec<Rule>,
    cases: Vec<ErrorCase>,
    error_fields: Vec<ResponseField>,
    /// Where `error_fields` was first written.
    error_fields_at: Option<Location>,
    oauth2: Option<OAuth2>,
}

impl Lowering<'_> {
    /// The provider the top-level `entries` describe. `host` is the attribute's struct,
    /// whose name, visibility and (when it has any) docs win over a spec's.
    pub(crate) fn provider(&self, entries: &[Entry], host: Option<&Host>) -> Option<Provider> {
        let place = Place {
            context: Context::Top,
            what: match self.source {
                Source::Attribute => "#[auth_provider(...)]".to_owned(),
                Source::Spec => "the spec".to_owned(),
            },
            path: String::new(),
            at: self.whole,
        };
        let mut top = Top::default();
        let written = self.visit(&place, entries, |item| {
            let item = &item;
            match item.key.name {
                "name" => top.ident = self.ident(&item.text(), "`name`"),
                "doc" => top.docs = self.doc(item),
                "visibility" => {
                    let text = item.text();
                    match syn::parse_str::<syn::Visibility>(&text.value) {
                        Ok(parsed) => top.vis = Some(parsed),
                        Err(_) => self.errors.error(
                            text.span,
                            format!(
                                "`{}` is not a Rust visibility: write e.g. \"pub\" or \"pub(crate)\"",
                                text.value
                            ),
                        ),
                    }
                }
                "vendor" => top.vendor = Some(item.text()),
                "crate" => {
                    let text = item.text();
                    match syn::parse_str::<syn::Path>(&text.value) {
                        Ok(path) => top.runtime = Some(path),
                        Err(_) => self.errors.error(
                            text.span,
                            "`crate` must be a path such as `::my_crate::auth`",
                        ),
                    }
                }
                // Read by the pipeline, which lowers the spec file instead.
                "spec" => {}
                "base" => {
                    let text = item.text();
                    top.base = Some(url_template(&text.value, text.span, self.errors));
                }
                "login" => {
                    top.login_format_written = item.table().iter().any(|entry| {
                        entry.key.as_ref().is_some_and(|key| key.name == "format")
                    });
                    top.login = Some(self.endpoint(&place, item));
                }
                "logout" => top.logout = Some(self.endpoint(&place, item)),
                "keepalive" => top.keepalive = Some(self.endpoint(&place, item)),
                "step" => top.steps.extend(self.steps(item)),
                "computed" => top.computed = self.computed(item),
                "token" => top.token = self.token(&place, item),
                "success" => top.success = self.condition(&place, item),
                "rejected" => top.rejected = self.rejection(&place, item),
                "apply" => top.placement = Some(self.placement(&place, item)),
                "expiry" => top.expiry = Some(self.expiry(&place, item)),
                "one_of" => top.one_of.extend(self.one_of(item)),
                "response" => top.response_fields = self.response(item),
                "api_base" => top.api_base = self.api_base(&place, item),
                "fields" => (top.fields, top.requires) = self.fields(item),
                "error" => top.cases.extend(self.error_cases(item)),
                "error_fields" => {
                    top.error_fields.extend(self.error_fields(item));
                    top.error_fields_at.get_or_insert(item.span);
                }
                "oauth2" => top.oauth2 = self.oauth2(&place, item),
                other => unreachable!("`{other}` is in the key table without an arm"),
            }
        });
        let written = |name: &str| written.iter().any(|written| written == name);
        share_error_fields(
            &mut top.cases,
            std::mem::take(&mut top.error_fields),
            top.error_fields_at,
            self.errors,
        );
        self.oauth2_defaults(&mut top);

        // A required key written with a bad value was reported already: it gets a
        // stand-in, so that validation still runs and reports the other problems in
        // the same run. One that is absent was reported by `resolve`.
        let here = self.whole;
        let stand_in = |name: &str| written(name);
        let vendor = top.vendor.or_else(|| {
            stand_in("vendor").then(|| Spanned {
                value: "?".to_owned(),
                span: here,
            })
        });
        let base = top.base.or_else(|| {
            stand_in("base").then(|| url_template("https://stand-in", here, self.errors))
        });
        let login = top
            .login
            .or_else(|| stand_in("login").then(|| stand_in_endpoint(here)));
        let token = top.token.or_else(|| {
            stand_in("token").then(|| {
                Spot::Json(JsonPath {
                    segments: Vec::new(),
                    span: here,
                })
            })
        });
        let placement = top.placement.or_else(|| {
            stand_in("apply").then(|| Placement {
                bearer: true,
                ..Placement::default()
            })
        });
        let (ident, vis, docs) = match host {
            Some(host) => (
                Some(host.ident.clone()),
                host.vis.clone(),
                if host.docs.is_empty() {
                    top.docs
                } else {
                    host.docs.clone()
                },
            ),
            None => (
                top.ident,
                top.vis.unwrap_or_else(|| syn::parse_quote!(pub)),
                top.docs,
            ),
        };
        Some(Provider {
            ident: ident?,
            vis,
            docs,
            vendor: vendor?,
            runtime: top
                .runtime
                .unwrap_or_else(|| syn::parse_quote!(::auth_runtime)),
            base: base?,
            steps: top.steps,
            computed: top.computed,
            login: login?,
            logout: top.logout,
            keepalive: top.keepalive,
            token: token?,
            success: top.success,
            rejected: top.rejected,
            placement: placement?,
            expiry: top.expiry.unwrap_or(Expiry {
                lifetime: Lifetime::Unknown,
                jwt_exp: false,
                field: None,
            }),
            fields: top.fields,
            // `one_of` rules first, then the fields' `requires`, whatever the order written.
            rules: top.one_of.into_iter().chain(top.requires).collect(),
            response_fields: top.response_fields,
            api_base: top.api_base,
            errors: top.cases,
            oauth2: top.oauth2,
        })
    }

    fn ident(&self, text: &Spanned<String>, what: &str) -> Option<Ident> {
        match syn::parse_str::<Ident>(&text.value) {
            Ok(mut ident) => {
                if let Location::Rust(span) = text.span {
                    ident.set_span(span);
                }
                Some(ident)
            }
            Err(_) => {
                self.errors.error(
                    text.span,
                    format!("{what}: `{}` is not a valid Rust identifier", text.value),
                );
                None
            }
        }
    }

    /// `doc = "..."` (one `///` line per line) or a list of lines.
    fn doc(&self, item: &Item<'_>) -> Vec<String> {
        match &item.value.kind {
            Kind::Str(text) => text.trim_end().lines().map(doc_line).collect(),
            Kind::List(lines) => lines
                .iter()
                .filter_map(|line| match &line.kind {
                    Kind::Str(text) => Some(doc_line(text)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A whole number's value, when it fits an `i128`.
    fn number(&self, item: &Item<'_>) -> Option<i128> {
        match &item.value.kind {
            Kind::Int(digits) => digits.parse().ok(),
            _ => None,
        }
    }

    fn out_of_range(&self, item: &Item<'_>) {
        let written = match &item.value.kind {
            Kind::Int(digits) => digits.clone(),
            other => other.describe().to_owned(),
        };
        self.errors.error(
            item.value.span,
            format!(
                "`{}` must be {}, not `{written}`",
                item.path,
                item.key.expected()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::Span;

    use super::*;
    use crate::keys::{KEYS, Shape};
    use crate::source::Value;

    fn value(kind: Kind) -> Value {
        Value {
            kind,
            span: Span::call_site().into(),
        }
    }

    fn keyed(name: &str, kind: Kind) -> Entry {
        Entry::keyed(name, Span::call_site().into(), value(kind))
    }

    /// A value of the shape `shape` takes, as small as can be.
    fn fitting(shape: Shape) -> Kind {
        match shape {
            Shape::Text | Shape::Name | Shape::Scalar | Shape::Doc => Kind::Str("x".into()),
            Shape::Number => Kind::Int("1".into()),
            Shape::Flag => Kind::Bool(true),
            Shape::Table(_)
            | Shape::Map
            | Shape::Cases(_)
            | Shape::PathOr(_)
            | Shape::Constants => Kind::Table(Vec::new()),
            Shape::Statuses => Kind::Int("401".into()),
            Shape::Alternatives => Kind::List(Vec::new()),
        }
    }

    /// `entry` placed where keys of `context` are read.
    fn within(context: Context, entry: Entry) -> Entry {
        let table = |name: &str, inner: Vec<Entry>| keyed(name, Kind::Table(inner));
        match context {
            Context::Top => entry,
            Context::Endpoint => table("login", vec![entry]),
            Context::Spot => table("token", vec![entry]),
            Context::Condition => table("success", vec![entry]),
            Context::Rejection => table("rejected", vec![entry]),
            Context::Apply => table("apply", vec![entry]),
            Context::Expiry => table("expiry", vec![entry]),
            Context::Field => table("fields", vec![table("api_key", vec![entry])]),
            Context::Error => table("error", vec![entry]),
            Context::ErrorFieldKind => table("error_fields", vec![table("messages", vec![entry])]),
            Context::OAuth2 => table("oauth2", vec![entry]),
            Context::Step => table("step", vec![entry]),
            Context::Binding => table(
                "step",
                vec![table("bind", vec![table("value", vec![entry])])],
            ),
            Context::ApiBase => table("api_base", vec![entry]),
            Context::Computed => table("computed", vec![table("value", vec![entry])]),
        }
    }

    /// Every row of the key table has its arm in the lowering: a value of the right
    /// shape is lowered in each source that accepts the key, without an "unknown key"
    /// and without reaching an arm that does not exist.
    #[test]
    fn every_key_in_the_table_is_lowered() {
        for key in KEYS {
            for source in [Source::Attribute, Source::Spec] {
                if !key.accepted_in(source) {
                    continue;
                }
                let errors = Errors::default();
                let lowering = Lowering {
                    source,
                    errors: &errors,
                    whole: Span::call_site().into(),
                };
                let entry = within(key.context, keyed(key.name, fitting(key.shape)));
                lowering.provider(&[entry], None);
                let unknown: Vec<String> = errors
                    .diagnostics()
                    .into_iter()
                    .map(|d| d.message)
                    .filter(|m| m.starts_with(&format!("unknown key `{}`", key.name)))
                    .collect();
                assert!(
                    unknown.is_empty(),
                    "{:?} `{}` in {source:?}: {unknown:?}",
                    key.context,
                    key.name
                );
            }
        }
    }
}
