//! `#[auth_provider(...)]` on a struct → IR.
//!
//! The struct's fields are the credential fields (`String` is mandatory,
//! `Option<String>` is not always given); `#[auth(...)]` on a field refines it. The
//! attribute's arguments describe the endpoint. Every problem is recorded with its span
//! and parsing goes on, so one compile shows them all.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::spanned::Spanned as _;
use syn::{Ident, LitInt, LitStr, Token};

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

const PROVIDER_KEYS: &[&str] = &[
    "vendor",
    "crate",
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
    "error",
    "error_fields",
];
const FIELD_KEYS: &[&str] = &[
    "secret",
    "rename",
    "requires",
    "max_length",
    "length",
    "charset",
    "basic",
];
const ERROR_KEYS: &[&str] = &["status", "when", "display", "doc", "fields"];

/// The struct with `#[auth(...)]` removed: what the macro emits when the description has
/// errors, so the user sees those errors and no cascade of "type not found".
pub fn strip_field_attributes(mut item: syn::ItemStruct) -> syn::ItemStruct {
    for field in item.fields.iter_mut() {
        field.attrs.retain(|a| !a.path().is_ident("auth"));
    }
    item
}

/// Parses the attribute arguments and the struct. Returns the IR when it could be
/// built; every problem is in `errors`.
pub fn parse(args: TokenStream, item: &syn::ItemStruct, errors: &Errors) -> Option<Provider> {
    let mut raw = RawProvider::default();
    // A key whose value is wrong is recorded and skipped: the next keys are still read.
    let parser = syn::meta::parser(|meta| {
        if let Err(error) = raw.key(meta, errors) {
            errors.push(error);
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(args) {
        errors.push(e);
    }
    let (fields, requires) = fields(item, errors);
    raw.rules.extend(requires);
    let docs = docs(&item.attrs);
    raw.finish(item, docs, fields, errors)
}

#[derive(Default)]
struct RawProvider {
    /// Every key written, valid or not.
    written: Vec<String>,
    vendor: Option<Spanned<String>>,
    runtime: Option<syn::Path>,
    base: Option<UrlTemplate>,
    login: Option<Endpoint>,
    logout: Option<Endpoint>,
    keepalive: Option<Endpoint>,
    token: Option<JsonPath>,
    success: Option<Condition>,
    rejected: Option<Condition>,
    placement: Option<Placement>,
    expiry: Option<Expiry>,
    rules: Vec<Rule>,
    response: Vec<ResponseField>,
    errors: Vec<ErrorCase>,
    /// `error_fields(...)`: fields every error case has, and where they were written.
    error_fields: Vec<ResponseField>,
    error_fields_at: Option<Location>,
}

/// The name of a key as written (empty for a path that is not a single name).
fn key_name(path: &syn::Path) -> String {
    path.get_ident().map(Ident::to_string).unwrap_or_default()
}

/// A key's string value. Anything else is an error, after the value is consumed, so the
/// keys that follow are still read.
fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let input = meta.value()?;
    if input.peek(LitStr) {
        return input.parse();
    }
    let value: syn::Expr = input.parse()?;
    let key = key_name(&meta.path);
    Err(syn::Error::new_spanned(
        value,
        format!("`{key}` takes a string in double quotes"),
    ))
}

/// Records an unknown key and consumes its value, so parsing goes on.
fn unknown(
    meta: &ParseNestedMeta<'_>,
    known: &[&str],
    what: &str,
    errors: &Errors,
) -> syn::Result<()> {
    let written = key_name(&meta.path);
    let hint = did_you_mean(&written, known);
    let list = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    errors.error(
        meta.path.span(),
        format!("unknown key `{written}` in {what}{hint}\nexpected one of: {list}"),
    );
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

fn once<T>(slot: &mut Option<T>, value: T, span: Span, key: &str, errors: &Errors) {
    if slot.is_some() {
        errors.error(span, format!("`{key}` is given twice"));
    } else {
        *slot = Some(value);
    }
}

impl RawProvider {
    fn key(&mut self, meta: ParseNestedMeta<'_>, errors: &Errors) -> syn::Result<()> {
        let span = meta.path.span();
        let key = key_name(&meta.path);
        self.written.push(key.clone());
        match key.as_str() {
            "vendor" => {
                let lit = string(&meta)?;
                let value = Spanned {
                    value: lit.value(),
                    span: lit.span().into(),
                };
                once(&mut self.vendor, value, span, "vendor", errors);
            }
            "crate" => {
                let lit = string(&meta)?;
                match lit.parse::<syn::Path>() {
                    Ok(path) => once(&mut self.runtime, path, span, "crate", errors),
                    Err(_) => errors.error(
                        lit.span(),
                        "`crate` must be a path such as `::my_crate::auth`",
                    ),
                }
            }
            "base" => {
                let lit = string(&meta)?;
                let template = url_template(&lit.value(), lit.span(), errors);
                once(&mut self.base, template, span, "base", errors);
            }
            "login" => {
                let endpoint = endpoint(&meta, "login(...)", errors)?;
                once(&mut self.login, endpoint, span, "login", errors);
            }
            "logout" => {
                let endpoint = endpoint(&meta, "logout(...)", errors)?;
                once(&mut self.logout, endpoint, span, "logout", errors);
            }
            "keepalive" => {
                let endpoint = endpoint(&meta, "keepalive(...)", errors)?;
                once(&mut self.keepalive, endpoint, span, "keepalive", errors);
            }
            "token" => {
                let lit = string(&meta)?;
                let path = json_path(&lit.value(), lit.span(), errors);
                once(&mut self.token, path, span, "token", errors);
            }
            "success" => {
                let condition = condition(&meta, "success(...)", errors)?;
                if let Some(condition) = condition {
                    once(&mut self.success, condition, span, "success", errors);
                }
            }
            "rejected" => {
                let condition = condition(&meta, "rejected(...)", errors)?;
                if let Some(condition) = condition {
                    once(&mut self.rejected, condition, span, "rejected", errors);
                }
            }
            "apply" => {
                let placement = placement(&meta, errors)?;
                once(&mut self.placement, placement, span, "apply", errors);
            }
            "expiry" => {
                let expiry = expiry(&meta, errors)?;
                once(&mut self.expiry, expiry, span, "expiry", errors);
            }
            "one_of" => self.rules.push(one_of(&meta)?),
            "response" => {
                meta.parse_nested_meta(|field| {
                    let lit = string(&field)?;
                    match field.path.get_ident() {
                        Some(ident) => self.response.push(ResponseField {
                            ident: ident.clone(),
                            span: ident.span().into(),
                            path: json_path(&lit.value(), lit.span(), errors),
                            kind: ValueKind::Text,
                        }),
                        None => errors.error(field.path.span(), "expected a field name"),
                    }
                    Ok(())
                })?;
            }
            "error" => self.errors.push(error_case(&meta, errors)?),
            "error_fields" => {
                self.error_fields.extend(error_fields(&meta, errors)?);
                self.error_fields_at.get_or_insert(span.into());
            }
            _ => unknown(&meta, PROVIDER_KEYS, "#[auth_provider(...)]", errors)?,
        }
        Ok(())
    }

    fn finish(
        mut self,
        item: &syn::ItemStruct,
        docs: Vec<String>,
        fields: Vec<Field>,
        errors: &Errors,
    ) -> Option<Provider> {
        share_error_fields(
            &mut self.errors,
            std::mem::take(&mut self.error_fields),
            self.error_fields_at,
            errors,
        );
        // A required key that is absent is reported here. One that was written with a
        // bad value was reported already: it gets a stand-in, so that validation still
        // runs and reports the other problems in the same compile.
        let written = &self.written;
        let required = |key: &str, example: &str| {
            if !written.iter().any(|k| k == key) {
                errors.error(
                    Span::call_site(),
                    format!("#[auth_provider(...)] needs `{key}`, e.g. `{example}`"),
                );
                return false;
            }
            true
        };
        let here = Location::from(Span::call_site());
        let vendor = self.vendor.or_else(|| {
            required("vendor", "vendor = \"CRM.COM\"").then(|| Spanned {
                value: "?".to_owned(),
                span: here,
            })
        });
        let base = self.base.or_else(|| {
            required("base", "base = \"{server}\"")
                .then(|| url_template("https://stand-in", Span::call_site(), errors))
        });
        let login = self.login.or_else(|| {
            required(
                "login",
                "login(path = \"/api/authenticate\", format = \"json\")",
            )
            .then(|| Endpoint {
                method: Method::Post,
                path: Spanned {
                    value: "/".to_owned(),
                    span: here,
                },
                format: WireFormat::Json,
            })
        });
        let token = self.token.or_else(|| {
            required("token", "token = \"data.token\"").then(|| JsonPath {
                segments: Vec::new(),
                span: here,
            })
        });
        let placement = self.placement.or_else(|| {
            required("apply", "apply(bearer)").then(|| Placement {
                bearer: true,
                ..Placement::default()
            })
        });
        Some(Provider {
            ident: item.ident.clone(),
            vis: item.vis.clone(),
            docs,
            vendor: vendor?,
            runtime: self
                .runtime
                .unwrap_or_else(|| syn::parse_quote!(::auth_runtime)),
            base: base?,
            login: login?,
            logout: self.logout,
            keepalive: self.keepalive,
            token: token?,
            success: self.success,
            rejected: self.rejected,
            placement: placement?,
            expiry: self.expiry.unwrap_or(Expiry {
                lifetime: Lifetime::Unknown,
                jwt_exp: false,
                field: None,
            }),
            fields,
            rules: self.rules,
            response_fields: self.response,
            errors: self.errors,
        })
    }
}

fn endpoint(meta: &ParseNestedMeta<'_>, what: &str, errors: &Errors) -> syn::Result<Endpoint> {
    let mut path = None;
    let mut http_method = Method::Post;
    let mut format = WireFormat::Json;
    meta.parse_nested_meta(|inner| {
        let key = key_name(&inner.path);
        match key.as_str() {
            "path" => {
                let lit = string(&inner)?;
                path = Some(Spanned {
                    value: lit.value(),
                    span: lit.span().into(),
                });
            }
            "method" => {
                let lit = string(&inner)?;
                http_method = method(&lit.value(), lit.span(), errors);
            }
            "format" => {
                let lit = string(&inner)?;
                format = wire_format(&lit.value(), lit.span(), errors);
            }
            _ => unknown(&inner, ENDPOINT_KEYS, what, errors)?,
        }
        Ok(())
    })?;
    let path = path.unwrap_or_else(|| {
        errors.error(meta.path.span(), format!("{what} needs `path = \"/...\"`"));
        Spanned {
            value: String::new(),
            span: meta.path.span().into(),
        }
    });
    Ok(Endpoint {
        method: http_method,
        path,
        format,
    })
}

fn condition(
    meta: &ParseNestedMeta<'_>,
    what: &str,
    errors: &Errors,
) -> syn::Result<Option<Condition>> {
    let mut path = None;
    let mut equals = None;
    meta.parse_nested_meta(|inner| {
        let key = key_name(&inner.path);
        match key.as_str() {
            "path" => {
                let lit = string(&inner)?;
                path = Some(json_path(&lit.value(), lit.span(), errors));
            }
            "equals" => equals = Some(string(&inner)?.value()),
            _ => unknown(&inner, CONDITION_KEYS, what, errors)?,
        }
        Ok(())
    })?;
    match (path, equals) {
        (Some(path), Some(equals)) => Ok(Some(Condition { path, equals })),
        _ => {
            errors.error(
                meta.path.span(),
                format!("{what} needs both `path` and `equals`"),
            );
            Ok(None)
        }
    }
}

fn placement(meta: &ParseNestedMeta<'_>, errors: &Errors) -> syn::Result<Placement> {
    let mut placement = Placement {
        span: Some(meta.path.span().into()),
        ..Placement::default()
    };
    meta.parse_nested_meta(|inner| {
        let key = key_name(&inner.path);
        match key.as_str() {
            "bearer" => placement.bearer = true,
            "header" => placement.header = Some(string(&inner)?.value()),
            "query" => placement.query = Some(string(&inner)?.value()),
            "body" => placement.body_field = Some(string(&inner)?.value()),
            _ => unknown(&inner, APPLY_KEYS, "apply(...)", errors)?,
        }
        Ok(())
    })?;
    Ok(placement)
}

fn expiry(meta: &ParseNestedMeta<'_>, errors: &Errors) -> syn::Result<Expiry> {
    let mut lifetime_kind: Option<Lifetime> = None;
    let mut jwt_exp = false;
    let mut field_path: Option<Vec<String>> = None;
    let mut format = ExpiryFormat::Seconds;
    meta.parse_nested_meta(|inner| {
        let key = key_name(&inner.path);
        let chosen = match key.as_str() {
            "absolute" | "idle" => {
                let lit = string(&inner)?;
                Some(lifetime(&key, duration(&lit.value(), lit.span(), errors)))
            }
            "unknown" => Some(Lifetime::Unknown),
            "jwt" => {
                jwt_exp = true;
                None
            }
            "field" => {
                let lit = string(&inner)?;
                field_path = Some(json_path(&lit.value(), lit.span(), errors).segments);
                None
            }
            "format" => {
                let lit = string(&inner)?;
                match ExpiryFormat::from_name(&lit.value()) {
                    Some(chosen) => format = chosen,
                    None => errors.error(
                        lit.span(),
                        format!(
                            "unknown expiry format `{}`; expected one of: {}",
                            lit.value(),
                            ExpiryFormat::NAMES.join(", ")
                        ),
                    ),
                }
                None
            }
            _ => {
                unknown(&inner, EXPIRY_KEYS, "expiry(...)", errors)?;
                None
            }
        };
        if let Some(chosen) = chosen {
            if lifetime_kind.is_some() {
                errors.error(
                    inner.path.span(),
                    "give one of `absolute`, `idle` or `unknown`",
                );
            }
            lifetime_kind = Some(chosen);
        }
        Ok(())
    })?;
    Ok(Expiry {
        lifetime: lifetime_kind.unwrap_or(Lifetime::Unknown),
        jwt_exp,
        field: field_path.map(|path| ExpiryField { path, format }),
    })
}

/// `one_of((username, password), (authentication_code), (identifier, pass_code))`
fn one_of(meta: &ParseNestedMeta<'_>) -> syn::Result<Rule> {
    let span = meta.path.span();
    let content;
    syn::parenthesized!(content in meta.input);
    let mut groups = Vec::new();
    while !content.is_empty() {
        let group;
        syn::parenthesized!(group in content);
        let members = group.parse_terminated(<Ident as syn::parse::Parse>::parse, Token![,])?;
        groups.push(members.into_iter().map(Spanned::ident).collect());
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(Rule::OneOf {
        groups,
        span: span.into(),
    })
}

/// `error(Rejected, status = 401, when(path = "...", equals = "..."), display = "...", fields(code = "..."))`
fn error_case(meta: &ParseNestedMeta<'_>, errors: &Errors) -> syn::Result<ErrorCase> {
    let content;
    syn::parenthesized!(content in meta.input);
    let variant: Ident = content.parse()?;
    let rest: TokenStream = if content.peek(Token![,]) {
        content.parse::<Token![,]>()?;
        content.parse()?
    } else {
        content.parse()?
    };
    let mut case = ErrorCase {
        docs: Vec::new(),
        span: variant.span().into(),
        variant,
        display: None,
        status: None,
        when: None,
        fields: Vec::new(),
    };
    let parser = syn::meta::parser(|inner| {
        let key = key_name(&inner.path);
        match key.as_str() {
            "status" => {
                let lit: LitInt = inner.value()?.parse()?;
                match lit.base10_parse::<u16>() {
                    Ok(code) if (100..600).contains(&code) => case.status = Some(code),
                    _ => errors.error(lit.span(), "`status` is an HTTP status code, 100 to 599"),
                }
            }
            "when" => case.when = condition(&inner, "when(...)", errors)?,
            "display" => case.display = Some(string(&inner)?.value()),
            "doc" => case.docs.push(doc_line(&string(&inner)?.value())),
            "fields" => case.fields.extend(error_fields(&inner, errors)?),
            _ => unknown(&inner, ERROR_KEYS, "error(...)", errors)?,
        }
        Ok(())
    });
    parser.parse2(rest)?;
    Ok(case)
}

/// `fields(name = "path", messages = field_messages("path"), ...)` of an error case, or
/// `error_fields(...)`.
fn error_fields(meta: &ParseNestedMeta<'_>, errors: &Errors) -> syn::Result<Vec<ResponseField>> {
    let mut fields = Vec::new();
    meta.parse_nested_meta(|field| {
        let (lit, kind) = error_field_value(&field, errors)?;
        match field.path.get_ident() {
            Some(ident) => fields.push(ResponseField {
                ident: ident.clone(),
                span: ident.span().into(),
                path: json_path(&lit.value(), lit.span(), errors),
                kind,
            }),
            None => errors.error(field.path.span(), "expected a field name"),
        }
        Ok(())
    })?;
    Ok(fields)
}

/// `"path"` (text) or `field_messages("path")`.
fn error_field_value(
    meta: &ParseNestedMeta<'_>,
    errors: &Errors,
) -> syn::Result<(LitStr, ValueKind)> {
    let input = meta.value()?;
    if input.peek(LitStr) {
        return Ok((input.parse()?, ValueKind::Text));
    }
    let kind: Ident = input.parse()?;
    let content;
    syn::parenthesized!(content in input);
    let lit: LitStr = content.parse()?;
    if kind != "field_messages" {
        errors.error(
            kind.span(),
            format!("unknown field kind `{kind}`: write `\"path\"` for text or `field_messages(\"path\")`"),
        );
        return Ok((lit, ValueKind::Text));
    }
    Ok((lit, ValueKind::FieldMessages))
}

/// The credential fields, and the `requires` rules written on them.
fn fields(item: &syn::ItemStruct, errors: &Errors) -> (Vec<Field>, Vec<Rule>) {
    let syn::Fields::Named(named) = &item.fields else {
        errors.error(
            item.ident.span(),
            "#[auth_provider] goes on a struct with named fields: the vendor's credential fields",
        );
        return (Vec::new(), Vec::new());
    };
    let mut rules = Vec::new();
    let fields = named
        .named
        .iter()
        .filter_map(|field| {
            let (field, requires) = credential_field(field, errors)?;
            rules.extend(requires);
            Some(field)
        })
        .collect();
    (fields, rules)
}

fn credential_field(field: &syn::Field, errors: &Errors) -> Option<(Field, Option<Rule>)> {
    let ident = field.ident.clone()?;
    let optional = match string_type(&field.ty) {
        Some(optional) => optional,
        None => {
            errors.error(
                field.ty.span(),
                format!("credential field `{ident}` must be `String` (mandatory) or `Option<String>` (not always given)"),
            );
            false
        }
    };
    let name = ident.to_string();
    let mut parsed = Field {
        wire: vec![name.trim_start_matches("r#").to_owned()],
        span: ident.span().into(),
        wire_span: ident.span().into(),
        ident,
        secret: false,
        optional,
        docs: docs(&field.attrs),
        checks: Vec::new(),
        basic: None,
    };
    let mut requires = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("auth")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = key_name(&meta.path);
            match key.as_str() {
                "secret" => parsed.secret = true,
                "rename" => {
                    let lit = string(&meta)?;
                    parsed.wire = lit.value().split('.').map(str::to_owned).collect();
                    parsed.wire_span = lit.span().into();
                    if parsed.wire.iter().any(String::is_empty) {
                        errors.error(lit.span(), "a wire name is a name or a dotted path such as `access_token_identifier.identifier`");
                    }
                }
                "requires" => requires = Some(meta.value()?.parse::<Ident>()?),
                "max_length" | "length" => {
                    let lit: LitInt = meta.value()?.parse()?;
                    match lit.base10_parse::<usize>() {
                        Ok(n) if n > 0 && key == "length" => parsed.checks.push(Check::Length(n)),
                        Ok(n) if n > 0 => parsed.checks.push(Check::MaxLength(n)),
                        _ => errors.error(lit.span(), format!("`{key}` is a number of characters, at least 1")),
                    }
                }
                "basic" => {
                    let lit = string(&meta)?;
                    match lit.value().as_str() {
                        "user" => parsed.basic = Some(BasicPart::User),
                        "password" => parsed.basic = Some(BasicPart::Password),
                        other => errors.error(
                            lit.span(),
                            format!("`basic` is `\"user\"` or `\"password\"`, not `{other}`"),
                        ),
                    }
                }
                "charset" => {
                    let lit = string(&meta)?;
                    match Charset::from_name(&lit.value()) {
                        Some(charset) => parsed.checks.push(Check::Charset(charset)),
                        None => errors.error(
                            lit.span(),
                            format!(
                                "unknown charset `{}`{}; expected one of: {}",
                                lit.value(),
                                did_you_mean(&lit.value(), Charset::NAMES),
                                Charset::NAMES.join(", ")
                            ),
                        ),
                    }
                }
                _ => unknown(&meta, FIELD_KEYS, "#[auth(...)]", errors)?,
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    let rule = requires.map(|needs| Rule::Requires {
        field: Spanned::ident(parsed.ident.clone()),
        needs: Spanned::ident(needs),
    });
    Some((parsed, rule))
}

/// `Some(false)` for `String`, `Some(true)` for `Option<String>`, `None` otherwise.
fn string_type(ty: &syn::Type) -> Option<bool> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident == "String" && last.arguments.is_empty() {
        return Some(false);
    }
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => {
            (string_type(inner) == Some(false)).then_some(true)
        }
        _ => None,
    }
}

pub(crate) fn docs(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}
