//! Lowers what the login's answer is read for: `token` (where the token is), `success`
//! and an error's `when` (conditions), `rejected` (statuses and conditions).

use super::Lowering;
use super::resolve::{Item, Place};
use super::values::json_path;
use crate::keys::Context;
use crate::model::{Condition, Expected, Rejection, Spot};
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

    /// `success(path = "status.code", equals = "OK")`, `when(text, contains = "locked")`.
    pub(super) fn condition(&self, parent: &Place, item: &Item<'_>) -> Option<Condition> {
        let place = self.nested(parent, item, Context::Condition);
        let gathered = self.gather(&place, item.table());
        self.whole_condition(&place, gathered.spot, gathered.expected)
    }

    /// `rejected(status = [401, 440])`, `rejected(path = "status.code", equals = "X")`,
    /// or both.
    pub(super) fn rejection(&self, parent: &Place, item: &Item<'_>) -> Option<Rejection> {
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
}

/// What a spot's, a condition's or a rejection's keys said.
#[derive(Default)]
struct Gathered {
    spot: Option<Spot>,
    expected: Option<Expected>,
    statuses: Option<Vec<u16>>,
}
