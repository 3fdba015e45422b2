//! Resolving a table's entries against the key table: each entry to its row, or the
//! problem reported (an unknown key with suggestions, a key the source does not accept,
//! a key given twice, a value of the wrong shape), then the required keys missing; and
//! the entries of tables whose names the user chooses (`fields`, `response`,
//! `constants`). Every context's lowering reads its table through here.

use std::borrow::Cow;

use proc_macro2::Ident;

use super::Lowering;
use super::written;
use crate::errors::did_you_mean;
use crate::keys::{self, Context, Key, Shape, Source};
use crate::model::{Location, Spanned};
use crate::source::{Entry, Kind, Value};

/// Where in the description a table is, for messages.
#[derive(Clone)]
pub(super) struct Place {
    pub(super) context: Context,
    /// How the table is named in messages: `login(...)`, `` `login` ``, `the spec`.
    pub(super) what: String,
    /// Dotted path of the table's keys (`expiry`), empty at the top.
    pub(super) path: String,
    /// Where a key missing from the table is reported.
    pub(super) at: Location,
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
pub(super) struct Item<'t> {
    pub(super) key: &'static Key,
    /// Where the key was written.
    pub(super) span: Location,
    pub(super) value: Cow<'t, Value>,
    /// The key's dotted path, for messages.
    pub(super) path: String,
}

impl Item<'_> {
    pub(super) fn text(&self) -> Spanned<String> {
        let value = match &self.value.kind {
            Kind::Str(s) | Kind::Word(s) => s.clone(),
            _ => String::new(),
        };
        Spanned {
            value,
            span: self.value.span,
        }
    }

    pub(super) fn flag(&self) -> bool {
        matches!(self.value.kind, Kind::Bool(true))
    }

    pub(super) fn table(&self) -> &[Entry] {
        match &self.value.kind {
            Kind::Table(entries) => entries,
            _ => &[],
        }
    }
}

impl Lowering<'_> {
    /// Resolves each entry of a table against the key table and hands the ones that fit
    /// to `each`, in the order written (so problems are reported in that order); then
    /// reports every required key that was not written. Returns the keys written.
    pub(super) fn visit<'t>(
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
            if entry.key.as_ref().is_some_and(|key| key.dotted) {
                self.dotted(place, &name, span);
                continue;
            }
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
            // A list of strings with an item of another kind: said at that item.
            if let (Shape::Doc, Kind::List(items)) = (key.shape, &value.kind)
                && let Some(item) = items.iter().find(|i| !matches!(i.kind, Kind::Str(_)))
            {
                self.errors.error(
                    item.span,
                    format!(
                        "`{path}` must be {}: this item is {}",
                        key.expected(),
                        item.kind.describe()
                    ),
                );
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

    /// A dotted key where keys are the grammar's: it nests only where names are the
    /// user's own, in constants. One whose first name is a table of this one is shown
    /// nested; any other is an unknown key.
    fn dotted(&self, place: &Place, name: &str, span: Location) {
        let first = name.split('.').next().unwrap_or(name);
        let table = keys::find(place.context, first).is_some_and(|key| {
            matches!(
                key.shape,
                Shape::Table(_)
                    | Shape::PathOr(_)
                    | Shape::Cases(_)
                    | Shape::Constants
                    | Shape::Map
            )
        });
        if !table {
            self.unknown(place, name, span);
            return;
        }
        self.errors.error(
            span,
            format!(
                "a dotted key nests only in `constants(...)` and `query(...)`: write `{}`",
                written::undotted(name)
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
    pub(super) fn nested(&self, parent: &Place, item: &Item<'_>, context: Context) -> Place {
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

    /// The entries of a table of names the user chooses, with their names; an entry
    /// written without one is reported.
    pub(super) fn named<'t>(&self, item: &'t Item<'_>) -> Vec<(&'t crate::source::Key, &'t Value)> {
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

    /// The entries of a map (names the user chooses), each with its name as an ident.
    pub(super) fn map_entries<'t>(
        &self,
        item: &'t Item<'_>,
        what: &str,
    ) -> Vec<(Ident, Location, &'t Value)> {
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
