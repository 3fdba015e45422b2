//! Lowers `apply`: where the token goes on the requests it authorizes.

use super::Lowering;
use super::resolve::{Item, Place};
use crate::keys::Context;
use crate::model::Placement;
use crate::source::{Kind, Value};

impl Lowering<'_> {
    pub(super) fn placement(&self, parent: &Place, item: &Item<'_>) -> Placement {
        let place = self.nested(parent, item, Context::Apply);
        let mut placement = Placement {
            span: Some(item.span),
            ..Placement::default()
        };
        let written = self.visit(&place, item.table(), |inner| match inner.key.name {
            "bearer" => placement.bearer = inner.flag(),
            // `header` written twice names two headers, as a list does.
            "header" => {
                for name in self.header_names(&inner) {
                    match placement.header {
                        None => placement.header = Some(name),
                        Some(_) => placement.more_headers.push(name),
                    }
                }
            }
            "scheme" => placement.scheme = Some(inner.text().value),
            "cookie" => placement.cookie = Some(inner.text().value),
            "query" => placement.query = Some(inner.text().value),
            "body" => placement.body_field = Some(inner.text().value),
            other => unreachable!("`{other}` is in the key table without an arm"),
        });
        let keyed = item
            .table()
            .iter()
            .filter(|entry| entry.key.is_some())
            .count();
        placement.refused = written.len() < keyed
            || (written.iter().any(|key| key == "header") && placement.header.is_none());
        // `apply(scheme = "Token")` is `Authorization: Token <token>`.
        if placement.scheme.is_some() && placement.header.is_none() {
            placement.header = Some("Authorization".to_owned());
        }
        placement
    }

    /// `header = "X-Auth-Token"` or `header = ["X-Auth-Token", "X-Subject-Token"]`.
    fn header_names(&self, item: &Item<'_>) -> Vec<String> {
        let values: Vec<&Value> = match &item.value.kind {
            Kind::List(values) => values.iter().collect(),
            _ => vec![&*item.value],
        };
        let mut names = Vec::new();
        for value in values {
            match &value.kind {
                Kind::Str(name) => names.push(name.clone()),
                other => self.errors.error(
                    value.span,
                    format!(
                        "`{}` must be header names, each a string, not {}",
                        item.path,
                        other.describe()
                    ),
                ),
            }
        }
        if names.is_empty() {
            self.errors.error(
                item.span,
                "`header` names no header: give one, or a list of them",
            );
        }
        names
    }
}
