//! Lowers a login's `step`s: each a request (the endpoint's keys, `endpoints.rs`), its
//! `success` (a condition, `answers.rs`) and its `bind` (each a spot, as `token`'s).

use super::Lowering;
use super::answers::Gathered;
use super::endpoints::stand_in_endpoint;
use super::resolve::{Item, Place};
use super::values::json_path;
use crate::keys::{Context, Source};
use crate::model::{Binding, Spanned, Spot, Step};
use crate::source::{Kind, Value};

impl Lowering<'_> {
    /// `step(csrf, ...)`, written once per step, or `[[step]]` tables; in order.
    pub(super) fn steps(&self, item: &Item<'_>) -> Vec<Step> {
        let tables: Vec<(usize, &Value)> = match &item.value.kind {
            Kind::List(tables) => tables.iter().enumerate().collect(),
            _ => vec![(0, &*item.value)],
        };
        let mut steps = Vec::new();
        for (index, table) in tables {
            let Kind::Table(entries) = &table.kind else {
                continue;
            };
            let place = match self.source {
                Source::Attribute => Place {
                    context: Context::Step,
                    what: "step(...)".to_owned(),
                    path: "step".to_owned(),
                    at: item.span,
                },
                Source::Spec => Place {
                    context: Context::Step,
                    what: "a `[[step]]`".to_owned(),
                    path: format!("step[{index}]"),
                    at: table.span,
                },
            };
            let mut endpoint = stand_in_endpoint(place.at);
            let (mut name, mut success, mut bindings) = (None, None, Vec::new());
            let written = self.visit(&place, entries, |inner| match inner.key.name {
                "name" => {
                    let text = inner.text();
                    if self.ident(&text, "a step's `name`").is_some() {
                        name = Some(text);
                    }
                }
                "success" => success = self.condition(&place, &inner),
                "bind" => bindings.extend(self.bindings(&inner)),
                _ => self.endpoint_key(&place, &mut endpoint, &inner),
            });
            // `path` is required of an endpoint; a step's table is its own context, so
            // the key table does not say it for a step.
            if !written.iter().any(|key| key == "path") {
                let example = match self.source {
                    Source::Attribute => "`path = \"/csrf\"`",
                    Source::Spec => "`path = \"/csrf\"` in the `[[step]]`",
                };
                self.errors.error(
                    place.at,
                    format!(
                        "{} needs `path`: a step is a request of its own, e.g. {example}",
                        place.what
                    ),
                );
            }
            if let Some(name) = name {
                steps.push(Step {
                    name,
                    endpoint,
                    success,
                    bindings,
                });
            }
        }
        steps
    }

    /// `bind(csrf = "csrf", session(header = "X-Session-Id", public))`.
    fn bindings(&self, item: &Item<'_>) -> Vec<Binding> {
        let mut out = Vec::new();
        for (ident, span, value) in self.map_entries(item, "a binding's name") {
            let path = format!("{}.{ident}", item.path);
            let (spot, public) = match &value.kind {
                Kind::Str(text) => (
                    Some(Spot::Json(json_path(text, value.span, self.errors))),
                    false,
                ),
                Kind::Table(entries) => {
                    let place = Place {
                        context: Context::Binding,
                        what: match self.source {
                            Source::Attribute => format!("{ident}(...)"),
                            Source::Spec => format!("`{path}`"),
                        },
                        path: path.clone(),
                        at: span,
                    };
                    let mut gathered = Gathered::default();
                    let mut public = false;
                    self.visit(&place, entries, |inner| match inner.key.name {
                        "public" => public = inner.flag(),
                        _ => self.gather_one(&mut gathered, &inner),
                    });
                    if gathered.spot.is_none() {
                        self.needs_spot(&place);
                    }
                    (gathered.spot, public)
                }
                other => {
                    let example = match self.source {
                        Source::Attribute => "`session(header = \"X-Session-Id\")`",
                        Source::Spec => "`{ header = \"X-Session-Id\" }`",
                    };
                    self.errors.error(
                        value.span,
                        format!(
                            "`{path}` must be a dotted JSON path such as \"session_id\", or a table such as {example}, not {}",
                            other.describe()
                        ),
                    );
                    (None, false)
                }
            };
            if let Some(spot) = spot {
                out.push(Binding {
                    name: Spanned {
                        value: ident.to_string(),
                        span,
                    },
                    spot,
                    public,
                });
            }
        }
        out
    }
}
