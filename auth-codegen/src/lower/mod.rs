//! The one lowering: the source-neutral tree → the IR.
//!
//! Whichever source a description came from, its entries are resolved here against the
//! key table ([`crate::keys`]): unknown keys (with "did you mean" and the keys that
//! would do), keys the source does not accept, repeated keys, values of the wrong
//! shape and missing keys are reported from the table's rows, and each key's arm below
//! turns its value into the IR. Every problem is recorded at its place and lowering
//! goes on, so one run reports them all.

mod values;

use std::borrow::Cow;

use proc_macro2::{Ident, Span};

use crate::errors::{Errors, did_you_mean};
use crate::keys::{self, Context, Key, Shape, Source};
use crate::model::{
    BasicPart, Charset, Check, Condition, ConstValue, Constant, Endpoint, ErrorCase, Expected,
    Expiry, ExpiryField, ExpiryFormat, Field, Grant, JsonPath, Lifetime, Location, Method, OAuth2,
    Placement, Provider, Rejection, ResponseField, Rule, Spanned, Spot, UrlTemplate, ValueKind,
    WireFormat,
};
use crate::source::{Entry, Host, Kind, Value};
pub(crate) use values::url_template;
use values::{doc_line, duration, json_path, method, wire_format};

/// Lowers descriptions from one source, recording problems in `errors`.
pub(crate) struct Lowering<'e> {
    /// The source the tree was read from.
    pub(crate) source: Source,
    /// Where problems go.
    pub(crate) errors: &'e Errors,
    /// Where a problem of the whole description (a missing key) is reported.
    pub(crate) whole: Location,
}

/// Where in the description a table is, for messages.
#[derive(Clone)]
struct Place {
    context: Context,
    /// How the table is named in messages: `login(...)`, `` `login` ``, `the spec`.
    what: String,
    /// Dotted path of the table's keys (`expiry`), empty at the top.
    path: String,
    /// Where a key missing from the table is reported.
    at: Location,
}

impl Place {
    fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

/// An entry resolved against the key table.
struct Item<'t> {
    key: &'static Key,
    /// Where the key was written.
    span: Location,
    value: Cow<'t, Value>,
    /// The key's dotted path, for messages.
    path: String,
}

impl Item<'_> {
    fn text(&self) -> Spanned<String> {
        let value = match &self.value.kind {
            Kind::Str(s) | Kind::Word(s) => s.clone(),
            _ => String::new(),
        };
        Spanned {
            value,
            span: self.value.span,
        }
    }

    fn flag(&self) -> bool {
        matches!(self.value.kind, Kind::Bool(true))
    }

    fn table(&self) -> &[Entry] {
        match &self.value.kind {
            Kind::Table(entries) => entries,
            _ => &[],
        }
    }
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
    token: Option<Spot>,
    success: Option<Condition>,
    rejected: Option<Rejection>,
    placement: Option<Placement>,
    expiry: Option<Expiry>,
    one_of: Vec<Rule>,
    response_fields: Vec<ResponseField>,
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
                "token" => top.token = self.token(&place, item),
                "success" => top.success = self.condition(&place, item),
                "rejected" => top.rejected = self.rejection(&place, item),
                "apply" => top.placement = Some(self.placement(&place, item)),
                "expiry" => top.expiry = Some(self.expiry(&place, item)),
                "one_of" => top.one_of.extend(self.one_of(item)),
                "response" => top.response_fields = self.response(item),
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
            errors: top.cases,
            oauth2: top.oauth2,
        })
    }

    /// What OAuth 2.0 says, wherever the description did not say otherwise: the login
    /// sends a form with its `grant_type`, the token is `access_token` sent as a bearer
    /// token, it lives `expires_in` seconds, `token_type` and `scope` are kept, and the
    /// errors of RFC 6749 are known.
    fn oauth2_defaults(&self, top: &mut Top) {
        let Some(oauth2) = &top.oauth2 else {
            return;
        };
        let at = oauth2.span;
        if let Some(login) = &mut top.login {
            if !top.login_format_written {
                login.format = WireFormat::Form;
            }
            if !login.constants.iter().any(|c| c.path == ["grant_type"]) {
                login.constants.insert(
                    0,
                    Constant {
                        path: vec!["grant_type".to_owned()],
                        value: ConstValue::Str(oauth2.grant.grant_type().to_owned()),
                        span: at,
                    },
                );
            }
        }
        top.token
            .get_or_insert_with(|| Spot::Json(json_path("access_token", at, self.errors)));
        top.placement.get_or_insert_with(|| Placement {
            bearer: true,
            span: Some(at),
            ..Placement::default()
        });
        let expiry = top.expiry.get_or_insert(Expiry {
            lifetime: Lifetime::Unknown,
            jwt_exp: false,
            field: None,
        });
        expiry.field.get_or_insert_with(|| ExpiryField {
            spot: Spot::Json(json_path("expires_in", at, self.errors)),
            format: ExpiryFormat::Seconds,
        });
        for name in ["token_type", "scope"] {
            if !top
                .response_fields
                .iter()
                .any(|f: &ResponseField| f.ident == name)
            {
                top.response_fields.push(ResponseField {
                    ident: Ident::new(name, Span::call_site()),
                    span: at,
                    path: json_path(name, at, self.errors),
                    kind: ValueKind::Text,
                });
            }
        }
        let standard: Vec<ErrorCase> = oauth2_errors(at, self.errors)
            .into_iter()
            .filter(|case| !top.cases.iter().any(|own| own.variant == case.variant))
            .collect();
        top.cases.extend(standard);
    }

    /// `oauth2(grant = "password", revoke = "/revoke")`.
    fn oauth2(&self, parent: &Place, item: &Item<'_>) -> Option<OAuth2> {
        let place = self.nested(parent, item, Context::OAuth2);
        let mut grant = None;
        let mut revoke = None;
        self.visit(&place, item.table(), |inner| match inner.key.name {
            "grant" => {
                let text = inner.text();
                grant = match text.value.as_str() {
                    "password" => Some(Grant::Password),
                    "client_credentials" => Some(Grant::ClientCredentials),
                    other => {
                        self.errors.error(
                            text.span,
                            format!(
                                "`{other}` is not a grant authgen asks for: `password` or `client_credentials`{}",
                                did_you_mean(other, &["password", "client_credentials"])
                            ),
                        );
                        None
                    }
                };
            }
            "revoke" => {
                let text = inner.text();
                revoke = Some(url_template(&text.value, text.span, self.errors));
            }
            other => unreachable!("`{other}` is in the key table without an arm"),
        });
        Some(OAuth2 {
            grant: grant?,
            span: item.span,
            revoke,
        })
    }

    /// Resolves each entry of a table against the key table and hands the ones that fit
    /// to `each`, in the order written (so problems are reported in that order); then
    /// reports every required key that was not written. Returns the keys written.
    fn visit<'t>(
        &self,
        place: &Place,
        entries: &'t [Entry],
        mut each: impl FnMut(Item<'t>),
    ) -> Vec<String> {
        let mut accepted: Vec<&'static str> = Vec::new();
        let mut written: Vec<String> = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let mut bare = false;
            let (name, span, value): (String, Location, Cow<'t, Value>) = match &entry.key {
                Some(key) => (key.name.clone(), key.span, Cow::Borrowed(&entry.value)),
                None => match (&entry.value.kind, place.context.positional()) {
                    (Kind::Word(_), Some(positional)) if index == 0 => (
                        positional.to_owned(),
                        entry.value.span,
                        Cow::Borrowed(&entry.value),
                    ),
                    // A bare word is a flag: `apply(bearer)` is `bearer = true`.
                    (Kind::Word(word), _) => {
                        bare = true;
                        let span = entry.value.span;
                        let value = Value {
                            kind: Kind::Bool(true),
                            span,
                        };
                        (word.clone(), span, Cow::Owned(value))
                    }
                    _ => {
                        self.errors.error(
                            entry.value.span,
                            format!("expected `key = value` in {}", place.what),
                        );
                        continue;
                    }
                },
            };
            written.push(name.clone());
            let Some(key) = keys::find(place.context, &name) else {
                self.unknown(place, &name, span);
                continue;
            };
            if !key.accepted_in(self.source) && !entry.implied {
                self.wrong_source(key, span);
                continue;
            }
            let path = place.key_path(&name);
            if bare && key.shape != Shape::Flag {
                self.errors.error(
                    span,
                    format!(
                        "`{name}` needs a value, e.g. `{}`",
                        key.example(self.source)
                    ),
                );
                continue;
            }
            if !key.repeatable() && accepted.contains(&key.name) {
                self.errors.error(span, format!("`{name}` is given twice"));
                continue;
            }
            if !shape_fits(key.shape, &value.kind) {
                let example = match key.shape {
                    Shape::Text | Shape::Flag => String::new(),
                    _ => format!(", e.g. `{}`", key.example(self.source)),
                };
                self.errors.error(
                    value.span,
                    format!(
                        "`{path}` must be {}, not {}{example}",
                        key.expected(),
                        value.kind.describe()
                    ),
                );
                continue;
            }
            accepted.push(key.name);
            each(Item {
                key,
                span,
                value,
                path,
            });
        }
        for key in keys::KEYS.iter().filter(|key| {
            key.context == place.context
                && key.required
                && key.accepted_in(self.source)
                && !written.iter().any(|name| name == key.name)
                && !key
                    .unless
                    .is_some_and(|other| written.iter().any(|name| name == other))
        }) {
            self.errors.error(
                place.at,
                format!(
                    "{} needs `{}`, e.g. `{}`",
                    place.what,
                    key.name,
                    key.example(self.source)
                ),
            );
        }
        written
    }

    fn unknown(&self, place: &Place, name: &str, span: Location) {
        let known = keys::names(place.context, self.source);
        let hint = did_you_mean(name, &known);
        let list = known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        self.errors.error(
            span,
            format!(
                "unknown key `{name}` in {}{hint}\nexpected one of: {list}",
                place.what
            ),
        );
    }

    fn wrong_source(&self, key: &Key, span: Location) {
        let message = match self.source {
            Source::Attribute => format!(
                "`{}` is not written in the attribute: there, it is {}",
                key.name, key.attribute
            ),
            Source::Spec if key.spec == "—" => {
                format!("`{}` is not part of a spec file", key.name)
            }
            Source::Spec => format!(
                "`{}` is not part of a spec file: set it with {}",
                key.name, key.spec
            ),
        };
        self.errors.error(span, message);
    }

    /// A nested table's place.
    fn nested(&self, parent: &Place, item: &Item<'_>, context: Context) -> Place {
        let name = item.key.name;
        Place {
            context,
            what: match self.source {
                Source::Attribute => format!("{name}(...)"),
                Source::Spec => format!("`{}`", item.path),
            },
            path: parent.key_path(name),
            at: item.span,
        }
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

    fn endpoint(&self, parent: &Place, item: &Item<'_>) -> Endpoint {
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

    /// `token = "data.token"` or `token(header = "X-Subject-Token")`.
    fn token(&self, parent: &Place, item: &Item<'_>) -> Option<Spot> {
        if let Kind::Str(path) = &item.value.kind {
            return Some(Spot::Json(json_path(path, item.value.span, self.errors)));
        }
        let place = self.nested(parent, item, Context::Spot);
        let gathered = self.gather(&place, item.table());
        if gathered.spot.is_none() {
            self.needs_spot(&place);
        }
        gathered.spot
    }

    /// `success(path = "status.code", equals = "OK")`, `when(text, contains = "locked")`.
    fn condition(&self, parent: &Place, item: &Item<'_>) -> Option<Condition> {
        let place = self.nested(parent, item, Context::Condition);
        let gathered = self.gather(&place, item.table());
        self.whole_condition(&place, gathered.spot, gathered.expected)
    }

    /// `rejected(status = [401, 440])`, `rejected(path = "status.code", equals = "X")`,
    /// or both.
    fn rejection(&self, parent: &Place, item: &Item<'_>) -> Option<Rejection> {
        let place = self.nested(parent, item, Context::Rejection);
        let gathered = self.gather(&place, item.table());
        let when = match (&gathered.spot, &gathered.expected) {
            (None, None) => None,
            _ => Some(self.whole_condition(&place, gathered.spot, gathered.expected)?),
        };
        if gathered.statuses.is_none() && when.is_none() {
            self.errors.error(
                place.at,
                format!(
                    "{} needs `status` or a condition, e.g. `{}`",
                    place.what,
                    item.key.example(self.source)
                ),
            );
            return None;
        }
        Some(Rejection {
            statuses: gathered.statuses.unwrap_or_else(|| vec![401]),
            when,
        })
    }

    fn whole_condition(
        &self,
        place: &Place,
        spot: Option<Spot>,
        expected: Option<Expected>,
    ) -> Option<Condition> {
        if spot.is_none() {
            self.needs_spot(place);
        }
        if expected.is_none() {
            self.errors.error(
                place.at,
                format!("{} needs `equals = ...` or `contains = ...`", place.what),
            );
        }
        Some(Condition {
            spot: spot?,
            expected: expected?,
        })
    }

    fn needs_spot(&self, place: &Place) {
        self.errors.error(
            place.at,
            format!(
                "{} needs where to look: one of `path`, `header`, `cookie` or `text`",
                place.what
            ),
        );
    }

    /// The keys of a spot, a condition and a rejection, as far as `place` has them.
    fn gather(&self, place: &Place, entries: &[Entry]) -> Gathered {
        let mut gathered = Gathered::default();
        self.visit(place, entries, |inner| {
            let text = inner.text();
            let spot = match inner.key.name {
                "path" => Some(Spot::Json(json_path(&text.value, text.span, self.errors))),
                "header" => Some(Spot::Header(text)),
                "cookie" => Some(Spot::Cookie(text)),
                "text" => inner.flag().then_some(Spot::Text(inner.span)),
                "equals" | "contains" => {
                    let value = match &inner.value.kind {
                        Kind::Str(s) | Kind::Int(s) => s.clone(),
                        Kind::Bool(b) => b.to_string(),
                        _ => String::new(),
                    };
                    let expected = if inner.key.name == "equals" {
                        Expected::Equals(value)
                    } else {
                        Expected::Contains(value)
                    };
                    if gathered.expected.replace(expected).is_some() {
                        self.errors
                            .error(inner.span, "give one of `equals` or `contains`");
                    }
                    None
                }
                "status" => {
                    gathered.statuses = Some(self.statuses(&inner));
                    None
                }
                other => unreachable!("`{other}` is in the key table without an arm"),
            };
            if let Some(spot) = spot
                && gathered.spot.replace(spot).is_some()
            {
                self.errors.error(
                    inner.span,
                    "give one of `path`, `header`, `cookie` or `text`: a value is in one place",
                );
            }
        });
        gathered
    }

    /// `status = 440` or `status = [401, 440]`.
    fn statuses(&self, item: &Item<'_>) -> Vec<u16> {
        let values: Vec<&Value> = match &item.value.kind {
            Kind::List(values) => values.iter().collect(),
            _ => vec![&*item.value],
        };
        let mut out = Vec::new();
        for value in values {
            match &value.kind {
                Kind::Int(digits) => match digits.parse::<u16>() {
                    Ok(code) if (100..600).contains(&code) => out.push(code),
                    _ => self.errors.error(
                        value.span,
                        format!(
                            "`{}` must be HTTP statuses, 100 to 599, not `{digits}`",
                            item.path
                        ),
                    ),
                },
                other => self.errors.error(
                    value.span,
                    format!(
                        "`{}` must be HTTP statuses, 100 to 599, not {}",
                        item.path,
                        other.describe()
                    ),
                ),
            }
        }
        out
    }

    fn placement(&self, parent: &Place, item: &Item<'_>) -> Placement {
        let place = self.nested(parent, item, Context::Apply);
        let mut placement = Placement {
            span: Some(item.span),
            ..Placement::default()
        };
        self.visit(&place, item.table(), |inner| match inner.key.name {
            "bearer" => placement.bearer = inner.flag(),
            "header" => placement.header = Some(inner.text().value),
            "scheme" => placement.scheme = Some(inner.text().value),
            "cookie" => placement.cookie = Some(inner.text().value),
            "query" => placement.query = Some(inner.text().value),
            "body" => placement.body_field = Some(inner.text().value),
            other => unreachable!("`{other}` is in the key table without an arm"),
        });
        // `apply(scheme = "Token")` is `Authorization: Token <token>`.
        if placement.scheme.is_some() && placement.header.is_none() {
            placement.header = Some("Authorization".to_owned());
        }
        placement
    }

    fn expiry(&self, parent: &Place, item: &Item<'_>) -> Expiry {
        let place = self.nested(parent, item, Context::Expiry);
        let mut lifetime: Option<Lifetime> = None;
        let mut jwt_exp = false;
        let mut field: Option<Spot> = None;
        let mut format: Option<(ExpiryFormat, Location)> = None;
        self.visit(&place, item.table(), |inner| {
            let chosen = match inner.key.name {
                "absolute" | "idle" => {
                    let text = inner.text();
                    let seconds = duration(&text.value, text.span, self.errors);
                    Some(if inner.key.name == "idle" {
                        Lifetime::Idle(seconds)
                    } else {
                        Lifetime::Absolute(seconds)
                    })
                }
                "unknown" => inner.flag().then_some(Lifetime::Unknown),
                "jwt" => {
                    jwt_exp = inner.flag();
                    None
                }
                "field" | "header" | "cookie" => {
                    let text = inner.text();
                    let spot = match inner.key.name {
                        "field" => Spot::Json(json_path(&text.value, text.span, self.errors)),
                        "header" => Spot::Header(text),
                        _ => Spot::Cookie(text),
                    };
                    if field.replace(spot).is_some() {
                        self.errors.error(
                            inner.span,
                            "give one of `field`, `header` or `cookie`: the expiry is stated in one place",
                        );
                    }
                    None
                }
                "format" => {
                    let text = inner.text();
                    match ExpiryFormat::from_name(&text.value) {
                        Some(chosen) => format = Some((chosen, text.span)),
                        None => self.errors.error(
                            text.span,
                            format!(
                                "unknown expiry format `{}`{}; expected one of: {}",
                                text.value,
                                did_you_mean(&text.value, ExpiryFormat::NAMES),
                                ExpiryFormat::NAMES.join(", ")
                            ),
                        ),
                    }
                    None
                }
                other => unreachable!("`{other}` is in the key table without an arm"),
            };
            if let Some(chosen) = chosen {
                if lifetime.is_some() {
                    self.errors
                        .error(inner.span, "give one of `absolute`, `idle` or `unknown`");
                }
                lifetime = Some(chosen);
            }
        });
        Expiry {
            lifetime: lifetime.unwrap_or(Lifetime::Unknown),
            jwt_exp,
            field: field.map(|spot| {
                if let (Spot::Cookie(_), Some((_, span))) = (&spot, format) {
                    self.errors.error(
                        span,
                        "a cookie states its expiry in its own `Max-Age` or `Expires`: leave out `format`",
                    );
                }
                let format = format.map_or(ExpiryFormat::Seconds, |(format, _)| format);
                ExpiryField { spot, format }
            }),
        }
    }

    /// `one_of((a, b), (c))` / `one_of = [["a", "b"], ["c"]]`; a one-field alternative
    /// may be a bare name.
    fn one_of(&self, item: &Item<'_>) -> Option<Rule> {
        let example = item.key.example(self.source);
        let groups: Vec<&Value> = match &item.value.kind {
            Kind::List(groups) => groups.iter().collect(),
            Kind::Table(entries) => entries.iter().map(|entry| &entry.value).collect(),
            _ => return None,
        };
        let mut out = Vec::new();
        for group in groups {
            let members: Vec<&Value> = match &group.kind {
                Kind::List(members) => members.iter().collect(),
                Kind::Str(_) | Kind::Word(_) => vec![group],
                other => {
                    self.errors.error(
                        group.span,
                        format!(
                            "a `one_of` alternative is a list of field names, e.g. `{example}`, not {}",
                            other.describe()
                        ),
                    );
                    continue;
                }
            };
            let mut names = Vec::new();
            for member in members {
                match &member.kind {
                    Kind::Str(name) | Kind::Word(name) => {
                        let text = Spanned {
                            value: name.clone(),
                            span: member.span,
                        };
                        if let Some(ident) = self.ident(&text, "a `one_of` member") {
                            names.push(Spanned {
                                value: ident,
                                span: member.span,
                            });
                        }
                    }
                    other => self.errors.error(
                        member.span,
                        format!(
                            "a `one_of` member is a field name, not {}",
                            other.describe()
                        ),
                    ),
                }
            }
            out.push(names);
        }
        Some(Rule::OneOf {
            groups: out,
            span: item.span,
        })
    }

    /// The entries of a map (names the user chooses), each with its name as an ident.
    fn map_entries<'t>(&self, item: &'t Item<'_>, what: &str) -> Vec<(Ident, Location, &'t Value)> {
        let mut out = Vec::new();
        for (key, value) in self.named(item) {
            let name = Spanned {
                value: key.name.clone(),
                span: key.span,
            };
            if let Some(ident) = self.ident(&name, what) {
                out.push((ident, key.span, value));
            }
        }
        out
    }

    /// The entries of a table of names the user chooses, with their names; an entry
    /// written without one is reported.
    fn named<'t>(&self, item: &'t Item<'_>) -> Vec<(&'t crate::source::Key, &'t Value)> {
        let mut out = Vec::new();
        for entry in item.table() {
            match &entry.key {
                Some(key) => out.push((key, &entry.value)),
                None => self.errors.error(
                    entry.value.span,
                    format!(
                        "expected `name = ...` in `{}`, e.g. `{}`",
                        item.key.name,
                        item.key.example(self.source)
                    ),
                ),
            }
        }
        out
    }

    /// `response(app_id = "object.app_id")`
    fn response(&self, item: &Item<'_>) -> Vec<ResponseField> {
        self.map_entries(item, "a response field")
            .into_iter()
            .filter_map(|(ident, span, value)| {
                let Kind::Str(path) = &value.kind else {
                    self.errors.error(
                        value.span,
                        format!(
                            "`{}.{ident}` must be a dotted JSON path such as \"object.app_id\", not {}",
                            item.path,
                            value.kind.describe()
                        ),
                    );
                    return None;
                };
                Some(ResponseField {
                    ident,
                    span,
                    path: json_path(path, value.span, self.errors),
                    kind: ValueKind::Text,
                })
            })
            .collect()
    }

    /// An error's `fields`, or `error_fields`: a dotted path (text), or a kind such as
    /// `field_messages`.
    fn error_fields(&self, item: &Item<'_>) -> Vec<ResponseField> {
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

    /// The credential fields in the order written, and the `requires` rules on them.
    fn fields(&self, item: &Item<'_>) -> (Vec<Field>, Vec<Rule>) {
        let mut fields = Vec::new();
        let mut rules = Vec::new();
        for (ident, span, value) in self.map_entries(item, "a field name") {
            let Kind::Table(settings) = &value.kind else {
                self.errors.error(
                    value.span,
                    format!(
                        "`fields.{ident}` must be a table of the field's settings, e.g. `[fields.{ident}]` or `{ident} = {{ secret = true }}`, not {}",
                        value.kind.describe()
                    ),
                );
                continue;
            };
            let name = ident.to_string();
            let mut field = Field {
                wire: vec![name.trim_start_matches("r#").to_owned()],
                span,
                wire_span: span,
                ident,
                secret: false,
                optional: false,
                docs: Vec::new(),
                checks: Vec::new(),
                basic: None,
                in_query: false,
            };
            let place = Place {
                context: Context::Field,
                what: match self.source {
                    Source::Attribute => "#[auth(...)]".to_owned(),
                    Source::Spec => format!("`[fields.{name}]`"),
                },
                path: match self.source {
                    Source::Attribute => String::new(),
                    Source::Spec => format!("fields.{name}"),
                },
                at: span,
            };
            self.visit(&place, settings, |setting| {
                if let Some(rule) = self.field_setting(&setting, &mut field) {
                    rules.push(rule);
                }
            });
            fields.push(field);
        }
        (fields, rules)
    }

    fn field_setting(&self, setting: &Item<'_>, field: &mut Field) -> Option<Rule> {
        let text = setting.text();
        match setting.key.name {
            "doc" => field.docs = self.doc(setting),
            "optional" => field.optional = setting.flag(),
            "secret" => field.secret = setting.flag(),
            "query" => field.in_query = setting.flag(),
            "rename" => {
                field.wire = text.value.split('.').map(str::to_owned).collect();
                field.wire_span = text.span;
                if field.wire.iter().any(String::is_empty) {
                    self.errors.error(
                        text.span,
                        "a wire name is a name or a dotted path such as `access_token_identifier.identifier`",
                    );
                }
            }
            "requires" => {
                let needs = self.ident(&text, "`requires`")?;
                return Some(Rule::Requires {
                    field: Spanned {
                        value: field.ident.clone(),
                        span: field.span,
                    },
                    needs: Spanned {
                        value: needs,
                        span: text.span,
                    },
                });
            }
            "max_length" | "length" => match self.number(setting).map(usize::try_from) {
                Some(Ok(n)) if n > 0 && setting.key.name == "length" => {
                    field.checks.push(Check::Length(n));
                }
                Some(Ok(n)) if n > 0 => field.checks.push(Check::MaxLength(n)),
                _ => self.out_of_range(setting),
            },
            "charset" => match Charset::from_name(&text.value) {
                Some(charset) => field.checks.push(Check::Charset(charset)),
                None => self.errors.error(
                    text.span,
                    format!(
                        "unknown charset `{}`{}; expected one of: {}",
                        text.value,
                        did_you_mean(&text.value, Charset::NAMES),
                        Charset::NAMES.join(", ")
                    ),
                ),
            },
            "basic" => match text.value.as_str() {
                "user" => field.basic = Some(BasicPart::User),
                "password" => field.basic = Some(BasicPart::Password),
                other => self.errors.error(
                    text.span,
                    format!("`basic` is `\"user\"` or `\"password\"`, not `{other}`"),
                ),
            },
            other => unreachable!("`{other}` is in the key table without an arm"),
        }
        None
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

    /// `error(Name, ...)`, written once per case, or `[[error]]` tables.
    fn error_cases(&self, item: &Item<'_>) -> Vec<ErrorCase> {
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
            let mut variant = None;
            let mut case = ErrorCase {
                variant: Ident::new("Unnamed", Span::call_site()),
                span: place.at,
                docs: Vec::new(),
                display: None,
                status: None,
                when: None,
                fields: Vec::new(),
            };
            self.visit(&place, entries, |inner| match inner.key.name {
                "name" => {
                    let text = inner.text();
                    variant = self.ident(&text, "an error's `name`");
                    case.span = text.span;
                }
                "status" => match self.number(&inner).map(u16::try_from) {
                    Some(Ok(code)) if (100..600).contains(&code) => case.status = Some(code),
                    _ => self.out_of_range(&inner),
                },
                "when" => case.when = self.condition(&place, &inner),
                "display" => case.display = Some(inner.text().value),
                "doc" => case.docs.extend(self.doc(&inner)),
                "fields" => case.fields.extend(self.error_fields(&inner)),
                other => unreachable!("`{other}` is in the key table without an arm"),
            });
            if let Some(variant) = variant {
                cases.push(ErrorCase { variant, ..case });
            }
        }
        cases
    }
}

/// The error answers of RFC 6749 section 5.2 as error cases, each with the answer's
/// `error_description` and `error_uri`.
fn oauth2_errors(at: Location, errors: &Errors) -> Vec<ErrorCase> {
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

/// What a spot's, a condition's or a rejection's keys said.
#[derive(Default)]
struct Gathered {
    spot: Option<Spot>,
    expected: Option<Expected>,
    statuses: Option<Vec<u16>>,
}

/// Whether a value of `kind` has the shape a key takes.
fn shape_fits(shape: Shape, kind: &Kind) -> bool {
    match shape {
        Shape::Text => matches!(kind, Kind::Str(_)),
        Shape::Number => matches!(kind, Kind::Int(_)),
        Shape::Flag => matches!(kind, Kind::Bool(_)),
        Shape::Name => matches!(kind, Kind::Str(_) | Kind::Word(_)),
        Shape::Scalar => matches!(kind, Kind::Str(_) | Kind::Int(_) | Kind::Bool(_)),
        Shape::Doc => match kind {
            Kind::Str(_) => true,
            Kind::List(lines) => lines.iter().all(|l| matches!(l.kind, Kind::Str(_))),
            _ => false,
        },
        Shape::Table(_) | Shape::Map | Shape::Constants => matches!(kind, Kind::Table(_)),
        Shape::PathOr(_) => matches!(kind, Kind::Str(_) | Kind::Table(_)),
        // Each item of a list is checked on its own, at its place.
        Shape::Statuses => matches!(kind, Kind::Int(_) | Kind::List(_)),
        Shape::Alternatives => match kind {
            Kind::List(_) => true,
            // The attribute's `one_of((a, b), (c))`: groups without keys.
            Kind::Table(entries) => entries.iter().all(|entry| entry.key.is_none()),
            _ => false,
        },
        Shape::Cases(_) => match kind {
            Kind::Table(_) => true,
            Kind::List(tables) => tables.iter().all(|t| matches!(t.kind, Kind::Table(_))),
            _ => false,
        },
    }
}

fn stand_in_endpoint(span: Location) -> Endpoint {
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

/// Gives every error case the fields all of them share (`error_fields`), ahead of its
/// own; a case's own field of the same name replaces the shared one. `written` is where
/// `error_fields` was written, for the error when there is no case to add them to.
fn share_error_fields(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KEYS;

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
