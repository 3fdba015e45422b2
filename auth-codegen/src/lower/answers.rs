//! Lowers what the login's answer is read for: `token` (where the token is), `success`
//! and the conditions of `rejected` and `error` (written inline in each), `rejected`
//! (statuses and conditions); and corrects the usual mistakes in writing a condition.

use std::borrow::Cow;

use super::Lowering;
use super::resolve::{Item, Place};
use super::values::json_path;
use super::written;
use crate::keys::{self, Context, Source};
use crate::model::{Condition, Expected, Location, Rejection, Spot};
use crate::source::{Entry, Kind, Value};

impl Lowering<'_> {
    /// `token = "data.token"` or `token(header = "X-Subject-Token")`.
    pub(super) fn token(&self, parent: &Place, item: &Item<'_>) -> Option<Spot> {
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

    /// `success(path = "status.code", equals = "OK")`, `success(text, contains = "OK")`.
    pub(super) fn condition(&self, parent: &Place, item: &Item<'_>) -> Option<Condition> {
        let place = self.nested(parent, item, Context::Condition);
        let entries = self.condition_entries(&place, item.key.name, item.table());
        let gathered = self.gather(&place, &entries);
        self.whole_condition(&place, gathered.spot, gathered.expected)
    }

    /// `rejected(status = [401, 440])`, `rejected(path = "status.code", equals = "X")`,
    /// or both.
    pub(super) fn rejection(&self, parent: &Place, item: &Item<'_>) -> Option<Rejection> {
        let place = self.nested(parent, item, Context::Rejection);
        let entries = self.condition_entries(&place, item.key.name, item.table());
        let mut gathered = self.gather(&place, &entries);
        let statuses = gathered.statuses.take();
        let when = self.condition_if_any(&place, gathered).ok()?;
        if statuses.is_none() && when.is_none() {
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
            statuses: statuses.unwrap_or_else(|| vec![401]),
            when,
        })
    }

    /// The condition `gathered` holds, if it has any of one's keys: `Err` when it has
    /// some but not all (reported).
    pub(super) fn condition_if_any(
        &self,
        place: &Place,
        gathered: Gathered,
    ) -> Result<Option<Condition>, ()> {
        match (&gathered.spot, &gathered.expected) {
            (None, None) => Ok(None),
            _ => self
                .whole_condition(place, gathered.spot, gathered.expected)
                .map(Some)
                .ok_or(()),
        }
    }

    /// The entries of a table holding a condition (`success`, `rejected`, an `error`),
    /// with the usual mistakes in writing one corrected: each is reported once, showing
    /// the table as it is written instead, and lowering goes on as if it had been.
    /// `head` is the table's key.
    pub(super) fn condition_entries<'t>(
        &self,
        place: &Place,
        head: &str,
        entries: &'t [Entry],
    ) -> Cow<'t, [Entry]> {
        // (the mistake, where, the entries written instead)
        let mut mistakes: Vec<(Mistake, Location, Vec<Entry>)> = Vec::new();
        let mut spliced = Vec::with_capacity(entries.len());
        for entry in entries {
            match &entry.key {
                // The old spelling of an error's condition, `when(...)`: its keys go in
                // the error itself, as in `success` and `rejected`.
                Some(key) if key.name == "when" && place.context == Context::Error => {
                    let inner: Vec<Entry> = match &entry.value.kind {
                        Kind::Table(inner) => inner.iter().map(flag_keyed).collect(),
                        _ => Vec::new(),
                    };
                    spliced.extend(inner.iter().cloned());
                    mistakes.push((Mistake::Nested, key.span, inner));
                }
                _ => spliced.push(entry.clone()),
            }
        }
        let has_value = spliced.iter().any(|entry| {
            entry
                .key
                .as_ref()
                .is_some_and(|key| key.name == "equals" || key.name == "contains")
        });
        let takes_status = keys::find(place.context, "status").is_some();
        let mut fixed: Vec<Entry> = Vec::with_capacity(spliced.len());
        // Where the statuses written without their key went in `fixed`.
        let mut bare: Option<(usize, Location)> = None;
        for entry in spliced {
            match (&entry.key, &entry.value.kind) {
                // `text = "Ok."`: the flag given the value to compare the body with.
                (Some(key), Kind::Str(_) | Kind::Int(_)) if key.name == "text" => {
                    let mut instead = vec![Entry::keyed(
                        "text",
                        key.span,
                        Value {
                            kind: Kind::Bool(true),
                            span: key.span,
                        },
                    )];
                    let at = entry.value.span;
                    if !has_value {
                        instead.push(Entry::keyed("equals", at, entry.value));
                    }
                    mistakes.push((Mistake::FlagValue, at, instead.clone()));
                    fixed.extend(instead);
                }
                // `rejected(403)`: a status without its key.
                (None, kind) if takes_status && is_statuses(kind) => match bare {
                    None => {
                        bare = Some((fixed.len(), entry.value.span));
                        fixed.push(Entry::keyed("status", entry.value.span, entry.value));
                    }
                    Some((index, _)) => {
                        let first = &mut fixed[index].value;
                        let mut items = listed(first.clone());
                        items.extend(listed(entry.value));
                        first.kind = Kind::List(items);
                    }
                },
                _ => fixed.push(entry),
            }
        }
        if let Some((index, at)) = bare {
            mistakes.push((Mistake::BareStatus, at, vec![fixed[index].clone()]));
        }
        if mistakes.is_empty() {
            return Cow::Borrowed(entries);
        }
        let whole = format!(
            "`{}`",
            written::table(head, &fixed, place.context, self.source)
        );
        for (mistake, at, instead) in mistakes {
            let nothing = instead.is_empty();
            // A spec's `[[error]]` is written a line a key: the keys to write are shown.
            let instead = match (self.source, place.context) {
                (Source::Spec, Context::Error) => instead
                    .iter()
                    .map(|entry| format!("`{}`", written::entry(entry, place.context, self.source)))
                    .collect::<Vec<_>>()
                    .join(" and "),
                _ => whole.clone(),
            };
            let message = match (mistake, self.source) {
                (Mistake::Nested, _) if nothing => format!(
                    "write the condition inline, as keys of {}: where to look (`path`, \
                     `header`, `cookie` or `text`) and `equals` or `contains`",
                    place.what
                ),
                (Mistake::Nested, Source::Attribute) => {
                    format!("write the condition inline: {instead}")
                }
                (Mistake::Nested, Source::Spec) => {
                    format!("write the condition in the `[[error]]` itself: {instead}")
                }
                (Mistake::FlagValue, Source::Attribute) => {
                    format!("`text` takes no value here; write {instead}")
                }
                (Mistake::FlagValue, Source::Spec) => {
                    format!("`text` takes `true` here; write {instead}")
                }
                (Mistake::BareStatus, _) => format!("a status needs its key; write {instead}"),
            };
            self.errors.error(at, message);
        }
        Cow::Owned(fixed)
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

    pub(super) fn needs_spot(&self, place: &Place) {
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
            self.gather_one(&mut gathered, &inner)
        });
        gathered
    }

    /// One key of a spot, a condition or a rejection, into `gathered`.
    pub(super) fn gather_one(&self, gathered: &mut Gathered, inner: &Item<'_>) {
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
                gathered.statuses = Some(self.statuses(inner));
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
}

/// What a spot's, a condition's or a rejection's keys said.
#[derive(Default)]
pub(super) struct Gathered {
    pub(super) spot: Option<Spot>,
    expected: Option<Expected>,
    statuses: Option<Vec<u16>>,
}

/// A mistake in writing a condition, corrected by [`Lowering::condition_entries`].
#[derive(Clone, Copy)]
enum Mistake {
    /// `error(X, when(...))`.
    Nested,
    /// `success(text = "Ok.")`.
    FlagValue,
    /// `rejected(403)`.
    BareStatus,
}

/// A bare word of a nested table as the flag it stands for (`text` is `text = true`), so
/// that moved into an `error(...)` it is not taken for the error's name.
fn flag_keyed(entry: &Entry) -> Entry {
    match (&entry.key, &entry.value.kind) {
        (None, Kind::Word(word)) => Entry::keyed(
            word.clone(),
            entry.value.span,
            Value {
                kind: Kind::Bool(true),
                span: entry.value.span,
            },
        ),
        _ => entry.clone(),
    }
}

/// Whether `kind` is a status or a list of them.
fn is_statuses(kind: &Kind) -> bool {
    match kind {
        Kind::Int(_) => true,
        Kind::List(items) => {
            !items.is_empty() && items.iter().all(|item| matches!(item.kind, Kind::Int(_)))
        }
        _ => false,
    }
}

/// A value as the items of a list.
fn listed(value: Value) -> Vec<Value> {
    match value.kind {
        Kind::List(items) => items,
        _ => vec![value],
    }
}
