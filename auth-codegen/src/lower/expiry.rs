//! Lowers `expiry`: the token's lifetime, and where an answer states it.

use super::Lowering;
use super::resolve::{Item, Place};
use super::values::{duration, json_path};
use crate::errors::did_you_mean;
use crate::keys::Context;
use crate::model::{Expiry, ExpiryField, ExpiryFormat, Lifetime, Location, Spot};

impl Lowering<'_> {
    pub(super) fn expiry(&self, parent: &Place, item: &Item<'_>) -> Expiry {
        let place = self.nested(parent, item, Context::Expiry);
        let mut lifetime: Option<Lifetime> = None;
        let mut jwt_exp = false;
        let mut field: Option<Spot> = None;
        let mut format: Option<(ExpiryFormat, Location)> = None;
        self.visit(&place, item.table(), |inner| {
            let chosen = match inner.key.name {
                "absolute" | "idle" => {
                    let text = inner.text();
                    let seconds = duration(&text.value, text.span, self.errors);
                    Some(if inner.key.name == "idle" {
                        Lifetime::Idle(seconds)
                    } else {
                        Lifetime::Absolute(seconds)
                    })
                }
                "unknown" => inner.flag().then_some(Lifetime::Unknown),
                "jwt" => {
                    jwt_exp = inner.flag();
                    None
                }
                "field" | "header" | "cookie" => {
                    let text = inner.text();
                    let spot = match inner.key.name {
                        "field" => Spot::Json(json_path(&text.value, text.span, self.errors)),
                        "header" => Spot::Header(text),
                        _ => Spot::Cookie(text),
                    };
                    if field.replace(spot).is_some() {
                        self.errors.error(
                            inner.span,
                            "give one of `field`, `header` or `cookie`: the expiry is stated in one place",
                        );
                    }
                    None
                }
                "format" => {
                    let text = inner.text();
                    match crate::model::expiry_format(&text.value) {
                        Some(chosen) => format = Some((chosen, text.span)),
                        None => self.errors.error(
                            text.span,
                            format!(
                                "unknown expiry format `{}`{}; expected one of: {}",
                                text.value,
                                did_you_mean(&text.value, crate::model::EXPIRY_FORMATS),
                                crate::model::EXPIRY_FORMATS.join(", ")
                            ),
                        ),
                    }
                    None
                }
                other => unreachable!("`{other}` is in the key table without an arm"),
            };
            if let Some(chosen) = chosen {
                if lifetime.is_some() {
                    self.errors
                        .error(inner.span, "give one of `absolute`, `idle` or `unknown`");
                }
                lifetime = Some(chosen);
            }
        });
        Expiry {
            lifetime: lifetime.unwrap_or(Lifetime::Unknown),
            jwt_exp,
            field: field.map(|spot| {
                if let (Spot::Cookie(_), Some((_, span))) = (&spot, format) {
                    self.errors.error(
                        span,
                        "a cookie states its expiry in its own `Max-Age` or `Expires`: leave out `format`",
                    );
                }
                let format = format.map_or(ExpiryFormat::Seconds, |(format, _)| format);
                ExpiryField { spot, format }
            }),
        }
    }
}
