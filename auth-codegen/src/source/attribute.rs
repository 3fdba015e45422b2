//! `#[auth_provider(...)]` and its struct, read into the tree.
//!
//! A lexer only: `key = value`, `key(...)`, bare words and parenthesised groups become
//! entries, literals become values; no key is interpreted here. The struct adds what
//! it says itself: its name, visibility and docs (the [`Host`]), and its fields as an
//! implied `fields` table, each field's type becoming `optional` and its `///` comments
//! `doc`. A mistake is recorded and reading resumes at the next comma, so one compile
//! reports every mistake once.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::spanned::Spanned as _;
use syn::{Ident, Lit, Token};

use super::{Entry, Host, Kind, Value};
use crate::errors::Errors;
use crate::model::Location;

/// The attribute's arguments as entries.
pub(crate) fn read_args(args: TokenStream, errors: &Errors) -> Vec<Entry> {
    let parser = |input: ParseStream<'_>| Ok(entries(input, errors));
    parser.parse2(args).unwrap_or_else(|error| {
        errors.push(error);
        Vec::new()
    })
}

/// The struct's name, visibility and docs.
pub(crate) fn host(item: &syn::ItemStruct) -> Host {
    Host {
        ident: item.ident.clone(),
        vis: item.vis.clone(),
        docs: docs(&item.attrs),
    }
}

/// The struct's fields as the implied `fields` table: each field's `#[auth(...)]`
/// entries, with `optional` from its type and `doc` from its comments.
pub(crate) fn fields(item: &syn::ItemStruct, errors: &Errors) -> Entry {
    let here: Location = item.ident.span().into();
    let mut table = Vec::new();
    match &item.fields {
        syn::Fields::Named(named) => {
            for field in &named.named {
                let Some(ident) = &field.ident else { continue };
                table.push(Entry::keyed(
                    ident.to_string(),
                    ident.span().into(),
                    Value {
                        kind: Kind::Table(field_settings(field, ident, errors)),
                        span: ident.span().into(),
                    },
                ));
            }
        }
        _ => errors.error(
            item.ident.span(),
            "#[auth_provider] goes on a struct with named fields: the vendor's credential fields",
        ),
    }
    Entry {
        implied: true,
        ..Entry::keyed(
            "fields",
            here,
            Value {
                kind: Kind::Table(table),
                span: here,
            },
        )
    }
}

fn field_settings(field: &syn::Field, ident: &Ident, errors: &Errors) -> Vec<Entry> {
    let optional = string_type(&field.ty).unwrap_or_else(|| {
        errors.error(
            field.ty.span(),
            format!("credential field `{ident}` must be `String` (mandatory) or `Option<String>` (not always given)"),
        );
        false
    });
    let implied = |name: &str, span: Span, kind: Kind| Entry {
        implied: true,
        ..Entry::keyed(
            name,
            span.into(),
            Value {
                kind,
                span: span.into(),
            },
        )
    };
    let mut settings = vec![implied("optional", field.ty.span(), Kind::Bool(optional))];
    let lines = docs(&field.attrs);
    if !lines.is_empty() {
        let values = lines
            .into_iter()
            .map(|line| Value {
                kind: Kind::Str(line),
                span: ident.span().into(),
            })
            .collect();
        settings.push(implied("doc", ident.span(), Kind::List(values)));
    }
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("auth")) {
        match &attr.meta {
            syn::Meta::List(list) => settings.extend(read_args(list.tokens.clone(), errors)),
            other => errors.error(
                other.span(),
                "write the field's settings in parentheses, e.g. `#[auth(secret)]`",
            ),
        }
    }
    settings
}

/// Comma-separated entries until the end of `input`, each mistake recorded and skipped.
fn entries(input: ParseStream<'_>, errors: &Errors) -> Vec<Entry> {
    separated(input, errors, |input| entry(input, errors))
}

/// Comma-separated values (a group's members).
fn values(input: ParseStream<'_>, errors: &Errors) -> Vec<Value> {
    separated(input, errors, |input| value(input, errors))
}

/// Items read by `one` until the end of `input`, comma-separated; a mistake is recorded
/// and reading resumes after the next comma.
fn separated<T>(
    input: ParseStream<'_>,
    errors: &Errors,
    one: impl Fn(ParseStream<'_>) -> syn::Result<T>,
) -> Vec<T> {
    let mut out = Vec::new();
    while !input.is_empty() {
        match one(input) {
            Ok(item) => out.push(item),
            Err(error) => {
                errors.push(error);
                skip_to_comma(input);
            }
        }
        if !end_of_item(input, errors) {
            break;
        }
    }
    out
}

/// Past the comma after an item; `false` at the end of the input.
fn end_of_item(input: ParseStream<'_>, errors: &Errors) -> bool {
    if input.is_empty() {
        return false;
    }
    if input.parse::<Token![,]>().is_err() {
        errors.push(input.error("expected `,` before the next key"));
        skip_to_comma(input);
        return input.parse::<Token![,]>().is_ok();
    }
    true
}

fn skip_to_comma(input: ParseStream<'_>) {
    while !input.is_empty() && !input.peek(Token![,]) {
        if input.parse::<TokenTree>().is_err() {
            break;
        }
    }
}

/// `key = value`, `key(...)`, a bare word, or a value alone; a key may be dotted
/// (`auth.methods = ...`) or a string (`"X-CSRF-Token" = ...`).
fn entry(input: ParseStream<'_>, errors: &Errors) -> syn::Result<Entry> {
    // `"X-CSRF-Token" = ...`: a key no Rust name can spell (a header's), one name as
    // a spec's quoted key is.
    if input.peek(syn::LitStr) && input.peek2(Token![=]) {
        let key: syn::LitStr = input.parse()?;
        input.parse::<Token![=]>()?;
        return Ok(Entry::keyed(
            key.value(),
            key.span().into(),
            value(input, errors)?,
        ));
    }
    if !input.peek(Ident::peek_any) || input.peek(Lit) {
        return Ok(Entry::bare(value(input, errors)?));
    }
    let ident = Ident::parse_any(input)?;
    let mut span = ident.span();
    let mut name = ident.to_string();
    let mut dotted = false;
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        let next = Ident::parse_any(input)?;
        name = format!("{name}.{next}");
        span = span.join(next.span()).unwrap_or(span);
        dotted = true;
    }
    let key_span = span;
    let span: Location = span.into();
    let keyed = |value: Value| {
        let mut entry = Entry::keyed(name.clone(), span, value);
        if let Some(key) = &mut entry.key {
            key.dotted = dotted;
        }
        entry
    };
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        return Ok(keyed(value(input, errors)?));
    }
    if input.peek(syn::token::Paren) {
        let content;
        let paren = syn::parenthesized!(content in input);
        let table = entries(&content, errors);
        return Ok(keyed(Value {
            kind: Kind::Table(table),
            span: paren.span.join().into(),
        }));
    }
    if dotted {
        return Err(syn::Error::new(
            key_span,
            format!("`{name}` needs a value: `{name} = ...`"),
        ));
    }
    Ok(Entry::bare(Value {
        kind: Kind::Word(name),
        span,
    }))
}

/// A literal, a name, `name(...)` (a one-key table: `field_messages("errors")`), or a
/// group `(...)` / `[...]` (a list).
fn value(input: ParseStream<'_>, errors: &Errors) -> syn::Result<Value> {
    if input.peek(Lit) {
        let lit: Lit = input.parse()?;
        let span = lit.span().into();
        let kind = match lit {
            Lit::Str(s) => Kind::Str(s.value()),
            Lit::Int(i) => Kind::Int(i.base10_digits().to_owned()),
            Lit::Float(f) => Kind::Float(f.base10_digits().to_owned()),
            Lit::Bool(b) => Kind::Bool(b.value),
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "expected a value: a string in double quotes, a number, `true`, `false` or a name",
                ));
            }
        };
        return Ok(Value { kind, span });
    }
    if input.peek(Token![-]) {
        let minus: Token![-] = input.parse()?;
        let lit: Lit = input.parse()?;
        let kind = match &lit {
            Lit::Int(i) => Kind::Int(format!("-{}", i.base10_digits())),
            Lit::Float(f) => Kind::Float(format!("-{}", f.base10_digits())),
            _ => return Err(syn::Error::new(lit.span(), "expected a number after `-`")),
        };
        let span = minus.span.join(lit.span()).unwrap_or(minus.span);
        return Ok(Value {
            kind,
            span: span.into(),
        });
    }
    if input.peek(syn::token::Paren) {
        let content;
        let paren = syn::parenthesized!(content in input);
        let list = values(&content, errors);
        return Ok(Value {
            kind: Kind::List(list),
            span: paren.span.join().into(),
        });
    }
    if input.peek(syn::token::Bracket) {
        let content;
        let bracket = syn::bracketed!(content in input);
        let list = values(&content, errors);
        return Ok(Value {
            kind: Kind::List(list),
            span: bracket.span.join().into(),
        });
    }
    if input.peek(Ident::peek_any) {
        let ident = Ident::parse_any(input)?;
        let span: Location = ident.span().into();
        if input.peek(syn::token::Paren) {
            let content;
            let paren = syn::parenthesized!(content in input);
            let mut inner = entries(&content, errors);
            let argument = match inner.as_slice() {
                [only] if only.key.is_none() => inner.remove(0).value,
                _ => Value {
                    kind: Kind::Table(inner),
                    span: paren.span.join().into(),
                },
            };
            return Ok(Value {
                kind: Kind::Table(vec![Entry::keyed(ident.to_string(), span, argument)]),
                span,
            });
        }
        return Ok(Value {
            kind: Kind::Word(ident.to_string()),
            span,
        });
    }
    Err(input
        .error("expected a value: a string in double quotes, a number, `true`, `false` or a name"))
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

/// The text of each `///` line (`#[doc = "..."]`), as written.
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

/// The struct with `#[auth(...)]` removed: what is emitted when the description has
/// errors, beside the fallback items.
pub(crate) fn strip_field_attributes(mut item: syn::ItemStruct) -> syn::ItemStruct {
    for field in item.fields.iter_mut() {
        field.attrs.retain(|a| !a.path().is_ident("auth"));
    }
    item
}
