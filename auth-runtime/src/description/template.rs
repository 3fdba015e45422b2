//! Templates of a description rendered for one request: `{name}` is a credential field
//! (by its Rust or wire name), a value an earlier step of the login bound, or a value
//! the login computes (`compute.rs`), once per attempt.

use std::borrow::Cow;

use auth_description::{Piece, pieces};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use secrecy::{ExposeSecret as _, SecretString};

use super::{Computed, ConstValue};
use crate::credentials::CredentialTable;
use crate::error::Error;
use crate::provider::{Bindings, WireValue};

/// What a path segment keeps as it is: RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']')
    .add(b':')
    .add(b'@')
    .add(b'&')
    .add(b'=')
    .add(b'+')
    .add(b'$')
    .add(b',')
    .add(b';');

/// The values a request's templates may name.
pub(super) struct Context<'c> {
    pub(super) vendor: &'static str,
    pub(super) table: &'c CredentialTable,
    /// `values[i]` is credential field `i`'s, when given (none on a logout).
    pub(super) values: &'c [Option<WireValue>],
    pub(super) bound: &'c Bindings,
    /// The values the login computes.
    pub(super) computed: &'c [Computed],
}

/// How deep computed values may name computed values: the generator refuses a cycle,
/// and this bounds one in a description written by hand.
const MAX_DEPTH: usize = 16;

impl Context<'_> {
    /// `template` with every name's value: a secret when any of them is.
    pub(super) fn render(&self, template: &str) -> Result<WireValue, Error> {
        let (text, secret) = self.text(template, &|value| value.to_owned())?;
        Ok(if secret {
            WireValue::Secret(SecretString::from(text))
        } else {
            WireValue::Plain(text)
        })
    }

    /// A path with every name's value encoded as (part of) one segment.
    pub(super) fn render_path(&self, template: &str) -> Result<String, Error> {
        let encode = |value: &str| utf8_percent_encode(value, SEGMENT).to_string();
        Ok(self.text(template, &encode)?.0)
    }

    /// A constant, its strings templates, as JSON; a secret may stand only in a string
    /// constant of its own (so that no JSON value shows it), never inside a list.
    pub(super) fn render_const(&self, value: ConstValue) -> Result<WireValue, Error> {
        match value {
            ConstValue::Str(template) => self.render(template),
            other => Ok(WireValue::Json(self.json(other)?)),
        }
    }

    fn json(&self, value: ConstValue) -> Result<serde_json::Value, Error> {
        use serde_json::Value;
        Ok(match value {
            ConstValue::Str(template) => {
                let (text, secret) = self.text(template, &|value| value.to_owned())?;
                if secret {
                    return Err(self.invalid(format!(
                        "`{template}` names a secret inside a list; a secret goes in a field of its own"
                    )));
                }
                Value::String(text)
            }
            ConstValue::List(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.json(*item))
                    .collect::<Result<_, _>>()?,
            ),
            ConstValue::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(name, value)| Ok(((*name).to_owned(), self.json(*value)?)))
                    .collect::<Result<_, Error>>()?,
            ),
            other => super::const_json(other),
        })
    }

    /// The text of `template`, each value passed through `encode`, and whether a
    /// secret is in it.
    fn text(
        &self,
        template: &str,
        encode: &dyn Fn(&str) -> String,
    ) -> Result<(String, bool), Error> {
        self.text_at(template, encode, 0)
    }

    /// [`text`](Self::text) inside `depth` computed values.
    fn text_at(
        &self,
        template: &str,
        encode: &dyn Fn(&str) -> String,
        depth: usize,
    ) -> Result<(String, bool), Error> {
        if !template.contains(['{', '}']) {
            return Ok((template.to_owned(), false));
        }
        let pieces = pieces(template).map_err(|why| self.invalid(why))?;
        let mut text = String::new();
        let mut secret = false;
        for piece in pieces {
            match piece {
                Piece::Text(part) => text.push_str(part),
                Piece::Brace(brace) => text.push(brace),
                Piece::Name(name) => {
                    let (value, is_secret) = self.value(name, depth)?;
                    secret |= is_secret;
                    text.push_str(&encode(&value));
                }
            }
        }
        Ok((text, secret))
    }

    /// The value named `name`: a binding first (a step's answer), then a computed
    /// value, else a credential field.
    fn value(&self, name: &str, depth: usize) -> Result<(Cow<'_, str>, bool), Error> {
        if let Some((value, secret)) = self.bound.get(name) {
            return Ok((Cow::Borrowed(value.expose_secret()), secret));
        }
        if let Some(computed) = self.computed.iter().find(|c| c.name == name) {
            return self.computed(computed, depth);
        }
        let missing = || self.invalid(format!("`{{{name}}}` has no value here"));
        let Some(index) = self.table.field_index(name) else {
            // A request built to be checked, not sent: a step's value is not known yet.
            return match self.bound.are_placeholders() {
                true => Ok((Cow::Borrowed(""), true)),
                false => Err(missing()),
            };
        };
        match self.values.get(index) {
            Some(Some(WireValue::Plain(text))) => Ok((Cow::Borrowed(text), false)),
            Some(Some(WireValue::Secret(secret))) => {
                Ok((Cow::Borrowed(secret.expose_secret()), true))
            }
            Some(Some(WireValue::Json(serde_json::Value::String(text)))) => {
                Ok((Cow::Borrowed(text), false))
            }
            // A request built to be checked, without the credentials (a logout's, for
            // the vendor's origins): a field reads as empty.
            _ if self.bound.are_placeholders() => Ok((Cow::Borrowed(""), true)),
            _ => Err(missing()),
        }
    }

    /// The value `computed` has in this attempt: the one computed when a request first
    /// named it, else computed now from its templates and kept. A secret when any value
    /// its templates name is one.
    fn computed(&self, computed: &Computed, depth: usize) -> Result<(Cow<'_, str>, bool), Error> {
        if let Some((value, secret)) = self.bound.computed(computed.name) {
            return Ok((Cow::Owned(value.expose_secret().to_owned()), secret));
        }
        if depth >= MAX_DEPTH {
            return Err(self.invalid(format!(
                "`{{{}}}` names computed values more than {MAX_DEPTH} deep (a cycle?)",
                computed.name
            )));
        }
        let mut inputs = Vec::new();
        let mut secret = false;
        for template in computed.function.inputs() {
            let (text, is_secret) = self.text_at(template, &|value| value.to_owned(), depth + 1)?;
            secret |= is_secret;
            inputs.push(text);
        }
        let value = super::compute::compute(&computed.function, &inputs, self.bound.time())
            .map_err(|why| self.invalid(format!("`{{{}}}`: {why}", computed.name)))?;
        self.bound
            .keep_computed(computed.name, SecretString::from(value.clone()), secret);
        Ok((Cow::Owned(value), secret))
    }

    fn invalid(&self, reason: String) -> Error {
        Error::InvalidRequest {
            vendor: self.vendor,
            reason,
        }
    }
}
