//! Lowers `apply`: where the token goes on the requests it authorizes.

use super::Lowering;
use super::resolve::{Item, Place};
use crate::keys::Context;
use crate::model::Placement;

impl Lowering<'_> {
    pub(super) fn placement(&self, parent: &Place, item: &Item<'_>) -> Placement {
        let place = self.nested(parent, item, Context::Apply);
        let mut placement = Placement {
            span: Some(item.span),
            ..Placement::default()
        };
        self.visit(&place, item.table(), |inner| match inner.key.name {
            "bearer" => placement.bearer = inner.flag(),
            "header" => placement.header = Some(inner.text().value),
            "scheme" => placement.scheme = Some(inner.text().value),
            "cookie" => placement.cookie = Some(inner.text().value),
            "query" => placement.query = Some(inner.text().value),
            "body" => placement.body_field = Some(inner.text().value),
            other => unreachable!("`{other}` is in the key table without an arm"),
        });
        // `apply(scheme = "Token")` is `Authorization: Token <token>`.
        if placement.scheme.is_some() && placement.header.is_none() {
            placement.header = Some("Authorization".to_owned());
        }
        placement
    }
}
