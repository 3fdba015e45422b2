//! The sources of a description, each read into one source-neutral tree.
//!
//! The readers are lexers only: [`attribute`] turns `#[auth_provider(...)]` and its
//! struct into a [`Table`], [`spec`] turns a TOML spec file into one. Neither knows a
//! key; what the keys mean is decided once, by [`crate::lower`], over this tree.

pub(crate) mod attribute;
#[cfg(feature = "spec")]
pub(crate) mod spec;

use crate::model::Location;

/// A value as written, with where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Value {
    /// What was written.
    pub(crate) kind: Kind,
    /// Where.
    pub(crate) span: Location,
}

/// The kinds of value both sources can write.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A string.
    Str(String),
    /// A whole number, as written in decimal (a sign included); too large a number is
    /// still a number, refused by the key that reads it.
    Int(String),
    /// A number with a fraction or exponent, as written.
    Float(String),
    /// `true` or `false`.
    Bool(bool),
    /// A bare Rust name (the attribute only): `requires = password`, `error(Rejected)`.
    Word(String),
    /// Keys with values, in the order written.
    Table(Vec<Entry>),
    /// Values, in order.
    List(Vec<Value>),
}

impl Kind {
    /// "a string", "an integer", ... for messages saying what was found.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Kind::Str(_) => "a string",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a float",
            Kind::Bool(_) => "a boolean",
            Kind::Word(_) => "a bare name",
            Kind::Table(_) => "a table",
            Kind::List(_) => "a list",
        }
    }
}

/// One item of a table: `key = value`, or a value alone (the attribute's bare words
/// and parenthesised groups: `apply(bearer)`, `one_of((a, b), (c))`).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The key, when one was written.
    pub(crate) key: Option<Key>,
    /// The value.
    pub(crate) value: Value,
    /// Said by the source's structure rather than written as a key (the attribute's
    /// struct gives each field `optional` and `doc`); such entries are not checked
    /// against the keys the source accepts.
    pub(crate) implied: bool,
}

/// A key as written.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    /// Its text (a raw identifier keeps its `r#`).
    pub(crate) name: String,
    /// Where.
    pub(crate) span: Location,
    /// Written as the attribute's dotted key, `auth.methods = ...`: its name is the
    /// names it nests, joined by dots. (A spec's dotted keys are nested tables already,
    /// and a dot in its quoted key is part of a name.)
    pub(crate) dotted: bool,
}

impl Entry {
    /// `key = value`.
    pub(crate) fn keyed(name: impl Into<String>, span: Location, value: Value) -> Self {
        Entry {
            key: Some(Key {
                name: name.into(),
                span,
                dotted: false,
            }),
            value,
            implied: false,
        }
    }

    /// A value without a key.
    pub(crate) fn bare(value: Value) -> Self {
        Entry {
            key: None,
            value,
            implied: false,
        }
    }

    /// Where the entry's key was written, or its value when it has none.
    pub(crate) fn key_span(&self) -> Location {
        self.key.as_ref().map_or(self.value.span, |key| key.span)
    }
}

/// What a description's host item says when the description is an attribute: the
/// struct's name, visibility and documentation, which a spec file writes as keys.
#[derive(Debug, Clone)]
pub(crate) struct Host {
    /// The struct's name.
    pub(crate) ident: syn::Ident,
    /// Its visibility.
    pub(crate) vis: syn::Visibility,
    /// Its doc comments.
    pub(crate) docs: Vec<String>,
}
