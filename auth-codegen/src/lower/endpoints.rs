//! Lowers `login`, `logout` and `keepalive` (and a step's request, `steps.rs`): an
//! endpoint's path, method, format, headers, token placement, and its constants and
//! query values (nested tables flattened to paths).

use std::borrow::Cow;

use super::Lowering;
use super::resolve::{Item, Place};
use super::values::{method, template, wire_format};
use super::written;
use crate::keys::Context;
use crate::model::{ConstValue, Constant, Endpoint, Header, Location, Method, Spanned, WireFormat};
use crate::source::{Kind, Value};

impl Lowering<'_> {
    pub(super) fn endpoint(&self, parent: &Place, item: &Item<'_>) -> Endpoint {
        let place = self.nested(parent, item, Context::Endpoint);
        let mut endpoint = stand_in_endpoint(item.span);
        self.visit(&place, item.table(), |inner| {
            self.endpoint_key(&place, &mut endpoint, &inner);
        });
        endpoint
    }

    /// One key of an endpoint (of `login`, `logout`, `keepalive` or a `step`).
    pub(super) fn endpoint_key(&self, place: &Place, endpoint: &mut Endpoint, inner: &Item<'_>) {
        let text = inner.text();
        match inner.key.name {
            "path" => endpoint.path = template(text, self.errors),
            "method" => endpoint.method = method(&text.value, text.span, self.errors),
            "format" => endpoint.format = wire_format(&text.value, text.span, self.errors),
            "constants" => self.constants(inner, &[], &mut endpoint.constants),
            "query" => self.constants(inner, &[], &mut endpoint.query),
            "headers" => endpoint.headers = self.headers(inner),
            "apply" => endpoint.placement = Some(self.placement(place, inner)),
            other => unreachable!("`{other}` is in the key table without an arm"),
        }
    }

    /// `headers("X-CSRF-Token" = "{csrf}")`: each a name and a template (a JWT's
    /// `claims` are read the same way).
    pub(super) fn headers(&self, item: &Item<'_>) -> Vec<Header> {
        let mut out = Vec::new();
        for (key, value) in self.named(item) {
            let Kind::Str(text) = &value.kind else {
                self.errors.error(
                    value.span,
                    format!(
                        "`{}.{}` must be a string (a template such as \"{{csrf}}\"), not {}",
                        item.path,
                        key.name,
                        value.kind.describe()
                    ),
                );
                continue;
            };
            let text = Spanned {
                value: text.clone(),
                span: value.span,
            };
            out.push(Header {
                name: Spanned {
                    value: key.name.clone(),
                    span: key.span,
                },
                value: template(text, self.errors),
            });
        }
        out
    }

    /// The constants of a table, flattened to their paths: a nested table or a dotted
    /// key is a nested object, each other value a constant at its path.
    fn constants(&self, item: &Item<'_>, parents: &[String], out: &mut Vec<Constant>) {
        for (key, value) in self.named(item) {
            let mut path = parents.to_vec();
            // `auth.methods = [...]` is `auth(methods = [...])`.
            if key.dotted {
                path.extend(key.name.split('.').map(str::to_owned));
            } else {
                path.push(key.name.clone());
            }
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
            Kind::Str(s) => {
                let text = Spanned {
                    value: s.clone(),
                    span: value.span,
                };
                Some(ConstValue::Str(template(text, self.errors).value))
            }
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
                    // An object in a list is written whole, without dotted keys.
                    if key.dotted {
                        self.errors.error(
                            key.span,
                            format!(
                                "an object in a list nests by its tables: write `{}`",
                                written::undotted(&key.name)
                            ),
                        );
                        return None;
                    }
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
        path: Spanned {
            value: "/".to_owned(),
            span,
        },
        format: WireFormat::Json,
        constants: Vec::new(),
        query: Vec::new(),
        headers: Vec::new(),
        placement: None,
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Span, TokenStream};
    use quote::quote;

    use super::super::Lowering;
    use crate::errors::Errors;
    use crate::keys::Source;
    use crate::model::ConstValue;
    use crate::source::{Entry, Host, attribute};

    /// The login's constants `entries` describe, as (path, value), and the problems.
    fn constants(source: Source, entries: &[Entry], errors: &Errors) -> Vec<(String, ConstValue)> {
        let host = Host {
            ident: syn::parse_quote!(Example),
            vis: syn::parse_quote!(pub),
            docs: Vec::new(),
        };
        let lowering = Lowering {
            source,
            errors,
            whole: Span::call_site().into(),
        };
        let host = (source == Source::Attribute).then_some(&host);
        let provider = lowering.provider(entries, host);
        let messages: Vec<String> = errors
            .diagnostics()
            .into_iter()
            .map(|d| d.message)
            .collect();
        assert!(messages.is_empty(), "{messages:?}");
        let login = provider.map(|p| p.login).expect("a provider");
        login
            .constants
            .into_iter()
            .map(|c| (c.path.join("/"), c.value))
            .collect()
    }

    fn in_attribute(login: TokenStream) -> Vec<(String, ConstValue)> {
        let errors = Errors::default();
        let args = quote! {
            vendor = "Example", base = "https://api.example.com", token = "token",
            apply(bearer), #login
        };
        constants(
            Source::Attribute,
            &attribute::read_args(args, &errors),
            &errors,
        )
    }

    #[cfg(feature = "spec")]
    fn in_spec(login: &str) -> Vec<(String, ConstValue)> {
        let errors = Errors::default();
        let text = format!(
            "name = \"Example\"\nvendor = \"Example\"\nbase = \"https://api.example.com\"\n\
             token = \"token\"\napply = {{ bearer = true }}\n{login}\n"
        );
        let entries = crate::source::spec::read(&text, &errors).expect("TOML");
        constants(Source::Spec, &entries, &errors)
    }

    /// `auth.identity.methods = [...]` is `auth(identity(methods = [...]))`, in the
    /// attribute as in a spec file (where TOML's dotted keys nest already).
    #[test]
    fn a_dotted_constant_is_the_nested_one() {
        let nested = in_attribute(quote! {
            login(path = "/login", constants(
                auth(identity(methods = ["password"], password(user(domain(name = "Default"))))),
                version = 3
            ))
        });
        assert_eq!(
            nested,
            [
                (
                    "auth/identity/methods".to_owned(),
                    ConstValue::List(vec![ConstValue::Str("password".into())])
                ),
                (
                    "auth/identity/password/user/domain/name".to_owned(),
                    ConstValue::Str("Default".into())
                ),
                ("version".to_owned(), ConstValue::Int(3)),
            ]
        );
        let dotted = in_attribute(quote! {
            login(path = "/login", constants(
                auth.identity.methods = ["password"],
                auth.identity.password(user.domain.name = "Default"),
                version = 3
            ))
        });
        assert_eq!(dotted, nested);
        #[cfg(feature = "spec")]
        {
            let spec = in_spec(
                "[login]\npath = \"/login\"\n\n[login.constants]\n\
                 auth.identity.methods = [\"password\"]\n\
                 auth.identity.password.user.domain.name = \"Default\"\nversion = 3",
            );
            assert_eq!(spec, nested);
        }
    }

    /// A spec's quoted key is one name, dots and all: TOML nests only its bare dotted keys.
    #[cfg(feature = "spec")]
    #[test]
    fn a_quoted_key_with_a_dot_stays_one_name() {
        let spec = in_spec("login = { path = \"/login\", constants = { \"a.b\" = 1 } }");
        assert_eq!(spec, [("a.b".to_owned(), ConstValue::Int(1))]);
    }
}
