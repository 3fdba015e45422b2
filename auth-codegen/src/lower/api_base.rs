//! Lowers `api_base`: where a login's answer names the base URL of later API calls (a
//! spot, as `token`'s) and the host patterns it may name.

use super::Lowering;
use super::answers::Gathered;
use super::resolve::{Item, Place};
use crate::keys::Context;
use crate::model::{ApiBase, Spanned};
use crate::source::{Kind, Value};

impl Lowering<'_> {
    /// `api_base(path = "instance_url", hosts = ["*.my.salesforce.com"])`.
    pub(super) fn api_base(&self, parent: &Place, item: &Item<'_>) -> Option<ApiBase> {
        let place = self.nested(parent, item, Context::ApiBase);
        let mut gathered = Gathered::default();
        let mut hosts = Vec::new();
        self.visit(&place, item.table(), |inner| match inner.key.name {
            "hosts" => hosts = self.host_patterns(&inner),
            _ => self.gather_one(&mut gathered, &inner),
        });
        if gathered.spot.is_none() {
            self.needs_spot(&place);
        }
        Some(ApiBase {
            spot: gathered.spot?,
            hosts,
        })
    }

    /// `hosts = "api.example.com"` or `hosts = ["*.a.example", "b.example"]`: each a host
    /// pattern, refused at its place when it is not one.
    fn host_patterns(&self, item: &Item<'_>) -> Vec<Spanned<String>> {
        let values: Vec<&Value> = match &item.value.kind {
            Kind::List(values) => values.iter().collect(),
            _ => vec![&*item.value],
        };
        if values.is_empty() {
            self.errors.error(
                item.span,
                "`hosts` names no host: give the hosts the API's base may be on, e.g. `hosts = [\"*.my.salesforce.com\"]`",
            );
        }
        let mut patterns = Vec::new();
        for value in values {
            let Kind::Str(pattern) = &value.kind else {
                self.errors.error(
                    value.span,
                    format!(
                        "`{}` must be host patterns, each a string, not {}",
                        item.path,
                        value.kind.describe()
                    ),
                );
                continue;
            };
            match auth_description::host_pattern_problem(pattern) {
                Some(problem) => self.errors.error(
                    value.span,
                    format!(
                        "`{pattern}` is not a host pattern: {problem} (e.g. `\"*.my.salesforce.com\"` or `\"api.example.com\"`)"
                    ),
                ),
                None => patterns.push(Spanned {
                    value: pattern.clone(),
                    span: value.span,
                }),
            }
        }
        patterns
    }
}
