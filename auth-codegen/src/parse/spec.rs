//! Spec files (TOML) → IR.
//!
//! A spec describes one vendor's token endpoint with the attribute's vocabulary (see
//! `specs/README.md` in the repository for the schema): the same keys, the same
//! values, checked by the same helpers, producing the same [`Provider`]. The TOML is read
//! into toml's spanned document model, so every problem is recorded at the byte range
//! of the key or value at fault and rendered as `file:line:col` by [`SpecErrors`].
//! Unknown keys are errors, with the attribute's "did you mean" suggestion; every
//! problem is collected, not just the first.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use proc_macro2::Ident;
use toml::Spanned as TomlSpanned;
use toml::de::{DeTable, DeValue};

use super::{
    APPLY_KEYS, CONDITION_KEYS, ENDPOINT_KEYS, EXPIRY_KEYS, doc_line, duration, json_path,
    lifetime, method, share_error_fields, url_template, wire_format,
};
use crate::errors::{Errors, did_you_mean};
use crate::model::{
    BasicPart, Charset, Check, Condition, Endpoint, ErrorCase, Expiry, ExpiryField, ExpiryFormat,
    Field, JsonPath, Lifetime, Location, Method, Placement, Provider, ResponseField, Rule, Spanned,
    UrlTemplate, ValueKind, WireFormat,
};

/// Keys of a spec's top level.
pub const PROVIDER_KEYS: &[&str] = &[
    "name",
    "doc",
    "visibility",
    "vendor",
    "base",
    "login",
    "logout",
    "keepalive",
    "token",
    "success",
    "rejected",
    "apply",
    "expiry",
    "one_of",
    "response",
    "fields",
    "error",
    "error_fields",
];
const FIELD_KEYS: &[&str] = &[
    "doc",
    "optional",
    "secret",
    "rename",
    "requires",
    "max_length",
    "length",
    "charset",
    "basic",
];
const ERROR_KEYS: &[&str] = &["name", "status", "when", "display", "doc", "fields"];
const ERROR_FIELD_KEYS: &[&str] = &["field_messages"];

/// A spec file: its name as shown in messages, and its text.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// The name shown in diagnostics, usually the path as given.
    pub name: String,
    /// The TOML text.
    pub text: String,
}

impl SpecFile {
    /// A spec from memory.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SpecFile {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Reads the spec at `path`; diagnostics name it as given.
    pub fn read(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        Ok(SpecFile {
            name: path.display().to_string(),
            text: std::fs::read_to_string(path)?,
        })
    }

    /// Parses and validates the spec: the provider it describes, or every problem in it.
    pub fn provider(&self) -> Result<Provider, SpecErrors> {
        let errors = Errors::default();
        let provider = parse(&self.text, &errors);
        if let Some(provider) = &provider {
            crate::validate::validate(provider, &errors);
        }
        match provider {
            Some(provider) if errors.is_empty() => Ok(provider),
            _ => Err(self.errors(&errors)),
        }
    }

    /// `errors` (recorded while parsing this file) rendered against its text.
    pub fn errors(&self, errors: &Errors) -> SpecErrors {
        SpecErrors {
            diagnostics: errors
                .diagnostics()
                .into_iter()
                .map(|d| self.diagnostic(d.location, d.message))
                .collect(),
        }
    }

    fn diagnostic(&self, location: Location, message: String) -> SpecDiagnostic {
        let (start, end) = match location {
            Location::Spec { start, end } => (start, end),
            // Not expected from a spec; shown at the top of the file.
            Location::Rust(_) => (0, 0),
        };
        let text = &self.text;
        let start = floor_char_boundary(text, start.min(text.len()));
        let end = floor_char_boundary(text, end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let source_line = text[line_start..line_end].trim_end_matches('\r').to_owned();
        let column = text[line_start..start].chars().count() + 1;
        let width = text[start..end.min(line_end)].chars().count().max(1);
        SpecDiagnostic {
            file: self.name.clone(),
            line: text[..start].matches('\n').count() + 1,
            column,
            message,
            source_line,
            width,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// One problem in a spec file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecDiagnostic {
    /// The spec file, as named in [`SpecFile::name`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The line of the spec at fault.
    pub source_line: String,
    /// How many characters of it are at fault.
    pub width: usize,
}

impl SpecDiagnostic {
    /// `file:line:col: message` on one line (the message's own line breaks kept).
    pub fn short(&self) -> String {
        format!(
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl fmt::Display for SpecDiagnostic {
    /// Rendered the way rustc renders its errors:
    ///
    /// ```text
    /// error: unknown key `tokn` in the spec; did you mean `token`?
    ///   --> specs/example.toml:4:1
    ///    |
    ///  4 | tokn = "token"
    ///    | ^^^^
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        let message = self.message.replace('\n', "\n       ");
        writeln!(f, "error: {message}")?;
        writeln!(f, "{gutter}--> {}:{}:{}", self.file, self.line, self.column)?;
        writeln!(f, "{gutter} |")?;
        writeln!(f, "{number} | {}", self.source_line)?;
        let pad: String = self
            .source_line
            .chars()
            .take(self.column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, "{gutter} | {pad}{}", "^".repeat(self.width))
    }
}

/// Every problem found in a spec file.
#[derive(Debug, Clone)]
pub struct SpecErrors {
    /// The problems, in the order found.
    pub diagnostics: Vec<SpecDiagnostic>,
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

/// Parses a spec's text into the IR, recording every problem in `errors` at its byte
/// range. The runtime path is `::auth_runtime`; callers override it.
pub fn parse(text: &str, errors: &Errors) -> Option<Provider> {
    let (root, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        for error in syntax_errors {
            let span = error.span().unwrap_or(0..0);
            errors.error(
                span,
                format!("invalid TOML: {}", error.message().trim_end()),
            );
        }
        return None;
    }
    Parser { errors }.provider(root.get_ref())
}

type Value<'i> = TomlSpanned<DeValue<'i>>;

/// A key of a table, with its value.
struct Entry<'t, 'i> {
    key: &'t str,
    key_span: Range<usize>,
    value: &'t Value<'i>,
    /// The key's dotted path from the top, for messages: `fields.password.secret`.
    path: String,
}

impl Entry<'_, '_> {
    fn value_span(&self) -> Range<usize> {
        self.value.span()
    }
}

/// The entries of `table` in the order written (toml's map is sorted by key).
fn entries<'t, 'i>(table: &'t DeTable<'i>, parent: &str) -> Vec<Entry<'t, 'i>> {
    let mut out: Vec<Entry<'t, 'i>> = table
        .iter()
        .map(|(key, value)| {
            let key_text: &str = key.get_ref().as_ref();
            Entry {
                key: key_text,
                key_span: key.span(),
                value,
                path: if parent.is_empty() {
                    key_text.to_owned()
                } else {
                    format!("{parent}.{key_text}")
                },
            }
        })
        .collect();
    out.sort_by_key(|e| e.key_span.start);
    out
}

/// A doc text as doc-comment lines: each line as `/// line` would give it.
fn doc_lines(text: &str) -> Vec<String> {
    text.trim_end().lines().map(doc_line).collect()
}

struct Parser<'e> {
    errors: &'e Errors,
}

/// Everything of the top level, as found.
#[derive(Default)]
struct Raw {
    name: Option<Ident>,
    docs: Vec<String>,
    vis: Option<syn::Visibility>,
    vendor: Option<Spanned<String>>,
    base: Option<UrlTemplate>,
    login: Option<Endpoint>,
    logout: Option<Endpoint>,
    keepalive: Option<Endpoint>,
    token: Option<JsonPath>,
    success: Option<Condition>,
    rejected: Option<Condition>,
    placement: Option<Placement>,
    expiry: Option<Expiry>,
    one_of: Option<Rule>,
    response: Vec<ResponseField>,
    fields: Vec<Field>,
    requires: Vec<Rule>,
    errors: Vec<ErrorCase>,
    /// `[error_fields]`: fields every error case has, and where they were written.
    error_fields: Vec<ResponseField>,
    error_fields_at: Option<Location>,
}

impl Parser<'_> {
    fn provider(&self, root: &DeTable<'_>) -> Option<Provider> {
        let mut raw = Raw::default();
        for entry in entries(root, "") {
            match entry.key {
                "name" => {
                    raw.name = self
                        .string(&entry)
                        .and_then(|s| self.ident(&s.value, entry.value_span(), "`name`"));
                }
                "doc" => {
                    if let Some(doc) = self.string(&entry) {
                        raw.docs = doc_lines(&doc.value);
                    }
                }
                "visibility" => {
                    if let Some(vis) = self.string(&entry) {
                        match syn::parse_str::<syn::Visibility>(&vis.value) {
                            Ok(parsed) => raw.vis = Some(parsed),
                            Err(_) => self.errors.error(
                                entry.value_span(),
                                format!(
                                    "`{}` is not a Rust visibility: write e.g. \"pub\" or \"pub(crate)\"",
                                    vis.value
                                ),
                            ),
                        }
                    }
                }
                "vendor" => raw.vendor = self.string(&entry),
                "base" => {
                    raw.base = self
                        .string(&entry)
                        .map(|s| url_template(&s.value, s.span, self.errors));
                }
                "login" => raw.login = self.endpoint(&entry),
                "logout" => raw.logout = self.endpoint(&entry),
                "keepalive" => raw.keepalive = self.endpoint(&entry),
                "token" => {
                    raw.token = self
                        .string(&entry)
                        .map(|s| json_path(&s.value, s.span, self.errors));
                }
                "success" => raw.success = self.condition(&entry),
                "rejected" => raw.rejected = self.condition(&entry),
                "apply" => raw.placement = self.placement(&entry),
                "expiry" => raw.expiry = self.expiry(&entry),
                "one_of" => raw.one_of = self.one_of(&entry),
                "response" => raw.response = self.response(&entry),
                "fields" => (raw.fields, raw.requires) = self.fields(&entry),
                "error" => raw.errors = self.error_cases(&entry),
                "error_fields" => {
                    raw.error_fields = self.error_fields(&entry);
                    raw.error_fields_at = Some(entry.key_span.clone().into());
                }
                "crate" => self.errors.error(
                    entry.key_span.clone(),
                    "the runtime crate's path is not part of a spec: set it with \
                     `Builder::runtime_crate` in build.rs, or `crate = \"...\"` beside \
                     `spec = \"...\"` in the attribute",
                ),
                _ => self.unknown(&entry, PROVIDER_KEYS, "the spec"),
            }
        }
        self.finish(raw)
    }

    fn finish(&self, mut raw: Raw) -> Option<Provider> {
        share_error_fields(
            &mut raw.errors,
            std::mem::take(&mut raw.error_fields),
            raw.error_fields_at.take(),
            self.errors,
        );
        let missing = |key: &str, example: &str| {
            self.errors
                .error(0..0, format!("the spec needs `{key}`, e.g. `{example}`"));
        };
        if raw.name.is_none() {
            missing("name", "name = \"CrmCom\" (the provider type's name)");
        }
        if raw.vendor.is_none() {
            missing("vendor", "vendor = \"CRM.COM\"");
        }
        if raw.base.is_none() {
            missing("base", "base = \"{server}\"");
        }
        if raw.login.is_none() {
            missing(
                "login",
                "login = { path = \"/api/authenticate\", format = \"json\" }",
            );
        }
        if raw.token.is_none() {
            missing("token", "token = \"data.token\"");
        }
        if raw.placement.is_none() {
            missing("apply", "apply = { bearer = true }");
        }
        // The attribute's order: `one_of` rules, then the fields' `requires`.
        let rules = raw.one_of.into_iter().chain(raw.requires).collect();
        Some(Provider {
            ident: raw.name?,
            vis: raw.vis.unwrap_or_else(|| syn::parse_quote!(pub)),
            docs: raw.docs,
            vendor: raw.vendor?,
            runtime: syn::parse_quote!(::auth_runtime),
            base: raw.base?,
            login: raw.login?,
            logout: raw.logout,
            keepalive: raw.keepalive,
            token: raw.token?,
            success: raw.success,
            rejected: raw.rejected,
            placement: raw.placement?,
            expiry: raw.expiry.unwrap_or(Expiry {
                lifetime: Lifetime::Unknown,
                jwt_exp: false,
                field: None,
            }),
            fields: raw.fields,
            rules,
            response_fields: raw.response,
            errors: raw.errors,
        })
    }

    /// Records an unknown key, with a suggestion and the known keys.
    fn unknown(&self, entry: &Entry<'_, '_>, known: &[&str], what: &str) {
        let hint = did_you_mean(entry.key, known);
        let list = known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        self.errors.error(
            entry.key_span.clone(),
            format!(
                "unknown key `{}` in {what}{hint}\nexpected one of: {list}",
                entry.key
            ),
        );
    }

    fn wrong_type(&self, entry: &Entry<'_, '_>, expected: &str) {
        self.errors.error(
            entry.value_span(),
            format!(
                "`{}` must be {expected}, not {} {}",
                entry.path,
                article(entry.value.get_ref().type_str()),
                entry.value.get_ref().type_str()
            ),
        );
    }

    fn string(&self, entry: &Entry<'_, '_>) -> Option<Spanned<String>> {
        match entry.value.get_ref() {
            DeValue::String(s) => Some(Spanned {
                value: s.to_string(),
                span: entry.value_span().into(),
            }),
            _ => {
                self.wrong_type(entry, "a string");
                None
            }
        }
    }

    fn boolean(&self, entry: &Entry<'_, '_>) -> Option<bool> {
        match entry.value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(entry, "`true` or `false`");
                None
            }
        }
    }

    fn integer(&self, entry: &Entry<'_, '_>) -> Option<i128> {
        match entry.value.get_ref() {
            DeValue::Integer(i) => {
                let parsed = i128::from_str_radix(i.as_str(), i.radix()).ok();
                if parsed.is_none() {
                    self.wrong_type(entry, "a whole number");
                }
                parsed
            }
            _ => {
                self.wrong_type(entry, "a whole number");
                None
            }
        }
    }

    fn table<'t, 'i>(&self, entry: &Entry<'t, 'i>, example: &str) -> Option<&'t DeTable<'i>> {
        match entry.value.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(entry, &format!("a table, e.g. `{example}`"));
                None
            }
        }
    }

    fn ident(&self, text: &str, span: Range<usize>, what: &str) -> Option<Ident> {
        match syn::parse_str::<Ident>(text) {
            Ok(ident) => Some(ident),
            Err(_) => {
                self.errors.error(
                    span,
                    format!("{what}: `{text}` is not a valid Rust identifier"),
                );
                None
            }
        }
    }

    /// `login = { path = "...", method = "POST", format = "json" }`
    fn endpoint(&self, entry: &Entry<'_, '_>) -> Option<Endpoint> {
        let table = self.table(entry, "{ path = \"/api/authenticate\", format = \"json\" }")?;
        let mut path = None;
        let mut http_method = Method::Post;
        let mut format = WireFormat::Json;
        for inner in entries(table, &entry.path) {
            match inner.key {
                "path" => path = self.string(&inner),
                "method" => {
                    if let Some(m) = self.string(&inner) {
                        http_method = method(&m.value, m.span, self.errors);
                    }
                }
                "format" => {
                    if let Some(f) = self.string(&inner) {
                        format = wire_format(&f.value, f.span, self.errors);
                    }
                }
                _ => self.unknown(&inner, ENDPOINT_KEYS, &format!("`{}`", entry.path)),
            }
        }
        let path = path.unwrap_or_else(|| {
            self.errors.error(
                entry.key_span.clone(),
                format!("`{}` needs `path = \"/...\"`", entry.path),
            );
            Spanned {
                value: String::new(),
                span: entry.key_span.clone().into(),
            }
        });
        Some(Endpoint {
            method: http_method,
            path,
            format,
        })
    }

    /// `success = { path = "status.code", equals = "OK" }`
    fn condition(&self, entry: &Entry<'_, '_>) -> Option<Condition> {
        let table = self.table(entry, "{ path = \"status.code\", equals = \"OK\" }")?;
        let mut path = None;
        let mut equals = None;
        for inner in entries(table, &entry.path) {
            match inner.key {
                "path" => {
                    path = self
                        .string(&inner)
                        .map(|s| json_path(&s.value, s.span, self.errors));
                }
                "equals" => {
                    equals = match inner.value.get_ref() {
                        DeValue::String(s) => Some(s.to_string()),
                        DeValue::Boolean(b) => Some(b.to_string()),
                        DeValue::Integer(i) if i.radix() == 10 => Some(i.as_str().to_owned()),
                        _ => {
                            self.wrong_type(&inner, "a string, a boolean or a whole number");
                            None
                        }
                    };
                }
                _ => self.unknown(&inner, CONDITION_KEYS, &format!("`{}`", entry.path)),
            }
        }
        match (path, equals) {
            (Some(path), Some(equals)) => Some(Condition { path, equals }),
            _ => {
                self.errors.error(
                    entry.key_span.clone(),
                    format!("`{}` needs both `path` and `equals`", entry.path),
                );
                None
            }
        }
    }

    /// `apply = { bearer = true }`, `apply = { query = "token", body = "token" }`
    fn placement(&self, entry: &Entry<'_, '_>) -> Option<Placement> {
        let table = self.table(entry, "{ bearer = true }")?;
        let mut placement = Placement {
            span: Some(entry.key_span.clone().into()),
            ..Placement::default()
        };
        for inner in entries(table, &entry.path) {
            match inner.key {
                "bearer" => placement.bearer = self.boolean(&inner).unwrap_or(false),
                "header" => placement.header = self.string(&inner).map(|s| s.value),
                "query" => placement.query = self.string(&inner).map(|s| s.value),
                "body" => placement.body_field = self.string(&inner).map(|s| s.value),
                _ => self.unknown(&inner, APPLY_KEYS, "`apply`"),
            }
        }
        Some(placement)
    }

    /// `expiry = { absolute = "15m", jwt = true }`, `{ idle = "30m" }`, `{ unknown = true }`
    fn expiry(&self, entry: &Entry<'_, '_>) -> Option<Expiry> {
        let table = self.table(entry, "{ absolute = \"15m\", jwt = true }")?;
        let mut chosen_lifetime: Option<Lifetime> = None;
        let mut jwt_exp = false;
        let mut field_path: Option<Vec<String>> = None;
        let mut format = ExpiryFormat::Seconds;
        for inner in entries(table, &entry.path) {
            let chosen = match inner.key {
                "absolute" | "idle" => self
                    .string(&inner)
                    .map(|s| lifetime(inner.key, duration(&s.value, s.span, self.errors))),
                "unknown" => self
                    .boolean(&inner)
                    .and_then(|b| b.then_some(Lifetime::Unknown)),
                "jwt" => {
                    jwt_exp = self.boolean(&inner).unwrap_or(false);
                    None
                }
                "field" => {
                    field_path = self
                        .string(&inner)
                        .map(|s| json_path(&s.value, s.span, self.errors).segments);
                    None
                }
                "format" => {
                    if let Some(name) = self.string(&inner) {
                        match ExpiryFormat::from_name(&name.value) {
                            Some(chosen) => format = chosen,
                            None => self.errors.error(
                                name.span,
                                format!(
                                    "unknown expiry format `{}`; expected one of: {}",
                                    name.value,
                                    ExpiryFormat::NAMES.join(", ")
                                ),
                            ),
                        }
                    }
                    None
                }
                _ => {
                    self.unknown(&inner, EXPIRY_KEYS, "`expiry`");
                    None
                }
            };
            if let Some(chosen) = chosen {
                if chosen_lifetime.is_some() {
                    self.errors.error(
                        inner.key_span.clone(),
                        "give one of `absolute`, `idle` or `unknown`",
                    );
                }
                chosen_lifetime = Some(chosen);
            }
        }
        Some(Expiry {
            lifetime: chosen_lifetime.unwrap_or(Lifetime::Unknown),
            jwt_exp,
            field: field_path.map(|path| ExpiryField { path, format }),
        })
    }

    /// `one_of = [["username", "password"], ["authentication_code"]]`
    fn one_of(&self, entry: &Entry<'_, '_>) -> Option<Rule> {
        let example = "[[\"username\", \"password\"], [\"api_key\"]]";
        let DeValue::Array(groups) = entry.value.get_ref() else {
            self.wrong_type(
                entry,
                &format!("a list of alternatives, each a list of field names, e.g. `{example}`"),
            );
            return None;
        };
        let mut out = Vec::new();
        for group in groups.iter() {
            let members: Vec<&Value<'_>> = match group.get_ref() {
                DeValue::Array(members) => members.iter().collect(),
                DeValue::String(_) => vec![group],
                other => {
                    self.errors.error(
                        group.span(),
                        format!(
                            "a `one_of` alternative is a list of field names, e.g. `{example}`, not {} {}",
                            article(other.type_str()),
                            other.type_str()
                        ),
                    );
                    continue;
                }
            };
            let mut names = Vec::new();
            for member in members {
                match member.get_ref() {
                    DeValue::String(name) => {
                        if let Some(ident) = self.ident(name, member.span(), "a `one_of` member") {
                            names.push(Spanned {
                                value: ident,
                                span: member.span().into(),
                            });
                        }
                    }
                    other => self.errors.error(
                        member.span(),
                        format!(
                            "a `one_of` member is a field name (a string), not {} {}",
                            article(other.type_str()),
                            other.type_str()
                        ),
                    ),
                }
            }
            out.push(names);
        }
        Some(Rule::OneOf {
            groups: out,
            span: entry.key_span.clone().into(),
        })
    }

    /// `response = { app_id = "object.app_id" }`
    fn response(&self, entry: &Entry<'_, '_>) -> Vec<ResponseField> {
        let Some(table) = self.table(entry, "{ app_id = \"object.app_id\" }") else {
            return Vec::new();
        };
        entries(table, &entry.path)
            .iter()
            .filter_map(|inner| {
                let ident = self.ident(inner.key, inner.key_span.clone(), "a response field")?;
                let path = self.string(inner)?;
                Some(ResponseField {
                    ident,
                    span: inner.key_span.clone().into(),
                    path: json_path(&path.value, path.span, self.errors),
                    kind: ValueKind::Text,
                })
            })
            .collect()
    }

    /// `[fields.NAME]` tables, in the order written; and the `requires` rules on them.
    fn fields(&self, entry: &Entry<'_, '_>) -> (Vec<Field>, Vec<Rule>) {
        let Some(table) = self.table(entry, "[fields.password] secret = true") else {
            return (Vec::new(), Vec::new());
        };
        let mut fields = Vec::new();
        let mut rules = Vec::new();
        for field in entries(table, &entry.path) {
            let Some(ident) = self.ident(field.key, field.key_span.clone(), "a field name") else {
                continue;
            };
            let DeValue::Table(settings) = field.value.get_ref() else {
                self.wrong_type(
                    &field,
                    &format!(
                        "a table of the field's settings, e.g. `[fields.{}]` or `{} = {{ secret = true }}`",
                        field.key, field.key
                    ),
                );
                continue;
            };
            let mut parsed = Field {
                wire: vec![field.key.trim_start_matches("r#").to_owned()],
                span: field.key_span.clone().into(),
                wire_span: field.key_span.clone().into(),
                ident,
                secret: false,
                optional: false,
                docs: Vec::new(),
                checks: Vec::new(),
                basic: None,
            };
            let mut requires = None;
            for setting in entries(settings, &field.path) {
                self.field_setting(&setting, &mut parsed, &mut requires);
            }
            if let Some(needs) = requires {
                rules.push(Rule::Requires {
                    field: Spanned {
                        value: parsed.ident.clone(),
                        span: parsed.span,
                    },
                    needs,
                });
            }
            fields.push(parsed);
        }
        (fields, rules)
    }

    fn field_setting(
        &self,
        setting: &Entry<'_, '_>,
        field: &mut Field,
        requires: &mut Option<Spanned<Ident>>,
    ) {
        match setting.key {
            "doc" => {
                if let Some(doc) = self.string(setting) {
                    field.docs = doc_lines(&doc.value);
                }
            }
            "optional" => field.optional = self.boolean(setting).unwrap_or(false),
            "secret" => field.secret = self.boolean(setting).unwrap_or(false),
            "rename" => {
                if let Some(wire) = self.string(setting) {
                    field.wire = wire.value.split('.').map(str::to_owned).collect();
                    field.wire_span = wire.span;
                    if field.wire.iter().any(String::is_empty) {
                        self.errors.error(
                            wire.span,
                            "a wire name is a name or a dotted path such as `access_token_identifier.identifier`",
                        );
                    }
                }
            }
            "requires" => {
                if let Some(needs) = self.string(setting) {
                    let span = setting.value_span();
                    if let Some(ident) = self.ident(&needs.value, span.clone(), "`requires`") {
                        *requires = Some(Spanned {
                            value: ident,
                            span: span.into(),
                        });
                    }
                }
            }
            "max_length" | "length" => {
                let Some(n) = self.integer(setting) else {
                    return;
                };
                match usize::try_from(n) {
                    Ok(n) if n > 0 && setting.key == "length" => {
                        field.checks.push(Check::Length(n))
                    }
                    Ok(n) if n > 0 => field.checks.push(Check::MaxLength(n)),
                    _ => self.errors.error(
                        setting.value_span(),
                        format!("`{}` is a number of characters, at least 1", setting.key),
                    ),
                }
            }
            "basic" => {
                if let Some(part) = self.string(setting) {
                    match part.value.as_str() {
                        "user" => field.basic = Some(BasicPart::User),
                        "password" => field.basic = Some(BasicPart::Password),
                        other => self.errors.error(
                            part.span,
                            format!("`basic` is `\"user\"` or `\"password\"`, not `{other}`"),
                        ),
                    }
                }
            }
            "charset" => {
                if let Some(name) = self.string(setting) {
                    match Charset::from_name(&name.value) {
                        Some(charset) => field.checks.push(Check::Charset(charset)),
                        None => self.errors.error(
                            name.span,
                            format!(
                                "unknown charset `{}`{}; expected one of: {}",
                                name.value,
                                did_you_mean(&name.value, Charset::NAMES),
                                Charset::NAMES.join(", ")
                            ),
                        ),
                    }
                }
            }
            _ => self.unknown(setting, FIELD_KEYS, &format!("`[{}]`", field_path(setting))),
        }
    }

    /// `[[error]]` tables, in order.
    fn error_cases(&self, entry: &Entry<'_, '_>) -> Vec<ErrorCase> {
        let DeValue::Array(cases) = entry.value.get_ref() else {
            self.wrong_type(
                entry,
                "a list of tables: write each failure as an `[[error]]` table",
            );
            return Vec::new();
        };
        cases
            .iter()
            .enumerate()
            .filter_map(|(i, case)| {
                let path = format!("error[{i}]");
                match case.get_ref() {
                    DeValue::Table(table) => self.error_case(table, case.span(), &path),
                    other => {
                        self.errors.error(
                            case.span(),
                            format!(
                                "each `error` is a table (`[[error]]`), not {} {}",
                                article(other.type_str()),
                                other.type_str()
                            ),
                        );
                        None
                    }
                }
            })
            .collect()
    }

    fn error_case(&self, table: &DeTable<'_>, span: Range<usize>, path: &str) -> Option<ErrorCase> {
        let mut variant = None;
        let mut case = ErrorCase {
            variant: Ident::new("Unnamed", proc_macro2::Span::call_site()),
            span: span.clone().into(),
            docs: Vec::new(),
            display: None,
            status: None,
            when: None,
            fields: Vec::new(),
        };
        for inner in entries(table, path) {
            match inner.key {
                "name" => {
                    if let Some(name) = self.string(&inner) {
                        variant = self.ident(&name.value, inner.value_span(), "an error's `name`");
                        case.span = name.span;
                    }
                }
                "status" => {
                    if let Some(code) = self.integer(&inner) {
                        match u16::try_from(code) {
                            Ok(code) if (100..600).contains(&code) => case.status = Some(code),
                            _ => self.errors.error(
                                inner.value_span(),
                                "`status` is an HTTP status code, 100 to 599",
                            ),
                        }
                    }
                }
                "when" => case.when = self.condition(&inner),
                "display" => case.display = self.string(&inner).map(|s| s.value),
                "doc" => case.docs = self.doc_list(&inner),
                "fields" => case.fields = self.error_fields(&inner),
                _ => self.unknown(&inner, ERROR_KEYS, "an `[[error]]`"),
            }
        }
        match variant {
            Some(variant) => Some(ErrorCase { variant, ..case }),
            None => {
                self.errors.error(
                    span,
                    "each `[[error]]` needs `name`, its variant in the error enum, e.g. `name = \"Rejected\"`",
                );
                None
            }
        }
    }

    /// `doc = "..."` or `doc = ["...", "..."]`, each line as written.
    fn doc_list(&self, entry: &Entry<'_, '_>) -> Vec<String> {
        match entry.value.get_ref() {
            DeValue::String(s) => vec![doc_line(s)],
            DeValue::Array(lines) if lines.iter().all(|l| l.get_ref().is_str()) => lines
                .iter()
                .filter_map(|l| l.get_ref().as_str().map(doc_line))
                .collect(),
            _ => {
                self.wrong_type(entry, "a string or a list of strings");
                Vec::new()
            }
        }
    }

    /// `fields = { code = "status.code", messages = { field_messages = "error_messages" } }`
    fn error_fields(&self, entry: &Entry<'_, '_>) -> Vec<ResponseField> {
        let Some(table) = self.table(entry, "{ code = \"status.code\" }") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for inner in entries(table, &entry.path) {
            let Some(ident) = self.ident(inner.key, inner.key_span.clone(), "an error field")
            else {
                continue;
            };
            let (path, kind) = match inner.value.get_ref() {
                DeValue::String(_) => (self.string(&inner), ValueKind::Text),
                DeValue::Table(kind) => {
                    let mut path = None;
                    for k in entries(kind, &inner.path) {
                        match k.key {
                            "field_messages" => path = self.string(&k),
                            _ => self.unknown(&k, ERROR_FIELD_KEYS, &format!("`{}`", inner.path)),
                        }
                    }
                    (path, ValueKind::FieldMessages)
                }
                _ => {
                    self.wrong_type(
                        &inner,
                        "a JSON path such as \"status.code\", or `{ field_messages = \"error_messages\" }`",
                    );
                    continue;
                }
            };
            let Some(path) = path else {
                continue;
            };
            out.push(ResponseField {
                ident,
                span: inner.key_span.clone().into(),
                path: json_path(&path.value, path.span, self.errors),
                kind,
            });
        }
        out
    }
}

/// `fields.password` for `fields.password.secert`.
fn field_path(setting: &Entry<'_, '_>) -> String {
    setting
        .path
        .rsplit_once('.')
        .map_or_else(|| setting.path.clone(), |(parent, _)| parent.to_owned())
}

fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// `#[auth_provider(spec = "specs/crmcom.toml")]`: the attribute's arguments when they
/// point at a spec file.
pub struct AttributeSpec {
    path: syn::LitStr,
    others: Vec<syn::Meta>,
}

/// The arguments of an attribute that points at a spec (`spec = "..."`, optionally
/// `crate = "..."`), or `None` for an attribute that describes the vendor itself.
pub fn attribute_args(args: &proc_macro2::TokenStream) -> Option<AttributeSpec> {
    use syn::parse::Parser as _;
    let metas = syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated
        .parse2(args.clone())
        .ok()?;
    let mut path = None;
    let mut others = Vec::new();
    for meta in metas {
        match &meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("spec") && path.is_none() => {
                match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(lit),
                        ..
                    }) => path = Some(lit.clone()),
                    _ => others.push(meta),
                }
            }
            _ => others.push(meta),
        }
    }
    Some(AttributeSpec {
        path: path?,
        others,
    })
}

/// Expands `#[auth_provider(spec = "...")] pub struct Name;`: the struct's name,
/// visibility and doc comments with everything else from the spec file (its path
/// relative to `CARGO_MANIFEST_DIR`). The output includes the spec's bytes, so editing
/// the spec rebuilds. A problem in the spec is reported at the `spec = "..."` string as
/// `file:line:col: message`.
pub fn expand_attribute(spec: AttributeSpec, item: syn::ItemStruct) -> proc_macro2::TokenStream {
    use quote::quote;
    use syn::spanned::Spanned as _;

    let errors = Errors::default();
    let mut runtime = None;
    for meta in &spec.others {
        match meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("crate") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(lit),
                    ..
                }) => match lit.parse::<syn::Path>() {
                    Ok(path) => runtime = Some(path),
                    Err(_) => errors.error(
                        lit.span(),
                        "`crate` must be a path such as `::my_crate::auth`",
                    ),
                },
                other => errors.error(
                    other.span(),
                    "`crate` must be a path such as `::my_crate::auth`",
                ),
            },
            _ => errors.error(
                meta.path().span(),
                "with `spec = \"...\"` the vendor is described in the spec file; only \
                 `crate = \"...\"` may be given beside it",
            ),
        }
    }
    if !item.fields.is_empty() {
        let vis = &item.vis;
        let vis = quote!(#vis).to_string();
        let vis = if vis.is_empty() { vis } else { vis + " " };
        errors.error(
            item.fields.span(),
            format!(
                "with `spec = \"...\"` the credential fields come from the spec file: \
                 declare `{vis}struct {};`",
                item.ident
            ),
        );
    }
    let lit = &spec.path;
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let full_path = manifest_dir.join(lit.value());
    let (file, track) = match std::fs::read_to_string(&full_path) {
        Ok(text) => {
            let tracked = full_path.display().to_string();
            (
                Some(SpecFile::new(lit.value(), text)),
                quote! { const _: &[u8] = ::core::include_bytes!(#tracked); },
            )
        }
        Err(error) => {
            errors.error(
                lit.span(),
                format!("cannot read the spec `{}`: {error}", full_path.display()),
            );
            (None, quote! {})
        }
    };
    let provider = file.as_ref().and_then(|file| {
        let spec_errors = Errors::default();
        let provider = parse(&file.text, &spec_errors).map(|mut provider| {
            provider.ident = item.ident.clone();
            provider.vis = item.vis.clone();
            let docs = super::attr::docs(&item.attrs);
            if !docs.is_empty() {
                provider.docs = docs;
            }
            if let Some(runtime) = runtime {
                provider.runtime = runtime;
            }
            provider
        });
        if let Some(provider) = &provider {
            crate::validate::validate(provider, &spec_errors);
        }
        for diagnostic in file.errors(&spec_errors).diagnostics {
            errors.error(lit.span(), diagnostic.short());
        }
        provider
    });
    match provider {
        Some(provider) if errors.is_empty() => {
            let expanded = crate::expand::expand(&provider);
            quote! { #track #expanded }
        }
        _ => {
            let compile_errors = errors.to_compile_errors();
            let item = super::attr::strip_field_attributes(item);
            quote! { #track #compile_errors #item }
        }
    }
}
