//! Lowers `oauth2` (the grant, the revocation endpoint), and gives the rest of the
//! description what OAuth 2.0 says wherever it did not say otherwise.

use proc_macro2::{Ident, Span};

use super::errors::oauth2_errors;
use super::resolve::{Item, Place};
use super::values::{json_path, url_template};
use super::{Lowering, Top};
use crate::errors::did_you_mean;
use crate::keys::Context;
use crate::model::{
    ConstValue, Constant, ErrorCase, Expiry, ExpiryField, ExpiryFormat, Grant, Lifetime, OAuth2,
    Placement, ResponseField, Spot, ValueKind, WireFormat,
};

impl Lowering<'_> {
    /// `oauth2(grant = "password", revoke = "/revoke")`.
    pub(super) fn oauth2(&self, parent: &Place, item: &Item<'_>) -> Option<OAuth2> {
        let place = self.nested(parent, item, Context::OAuth2);
        let mut grant = None;
        let mut revoke = None;
        self.visit(&place, item.table(), |inner| match inner.key.name {
            "grant" => {
                let text = inner.text();
                grant = match text.value.as_str() {
                    "password" => Some(Grant::Password),
                    "client_credentials" => Some(Grant::ClientCredentials),
                    other => {
                        self.errors.error(
                            text.span,
                            format!(
                                "`{other}` is not a grant authgen asks for: `password` or `client_credentials`{}",
                                did_you_mean(other, &["password", "client_credentials"])
                            ),
                        );
                        None
                    }
                };
            }
            "revoke" => {
                let text = inner.text();
                revoke = Some(url_template(&text.value, text.span, self.errors));
            }
            other => unreachable!("`{other}` is in the key table without an arm"),
        });
        Some(OAuth2 {
            grant: grant?,
            span: item.span,
            revoke,
        })
    }

    /// What OAuth 2.0 says, wherever the description did not say otherwise: the login
    /// sends a form with its `grant_type`, the token is `access_token` sent as a bearer
    /// token, it lives `expires_in` seconds, `token_type` and `scope` are kept, and the
    /// errors of RFC 6749 are known.
    pub(super) fn oauth2_defaults(&self, top: &mut Top) {
        let Some(oauth2) = &top.oauth2 else {
            return;
        };
        let at = oauth2.span;
        if let Some(login) = &mut top.login {
            if !top.login_format_written {
                login.format = WireFormat::Form;
            }
            if !login.constants.iter().any(|c| c.path == ["grant_type"]) {
                login.constants.insert(
                    0,
                    Constant {
                        path: vec!["grant_type".to_owned()],
                        value: ConstValue::Str(oauth2.grant.grant_type().to_owned()),
                        span: at,
                    },
                );
            }
        }
        top.token
            .get_or_insert_with(|| Spot::Json(json_path("access_token", at, self.errors)));
        top.placement.get_or_insert_with(|| Placement {
            bearer: true,
            span: Some(at),
            ..Placement::default()
        });
        let expiry = top.expiry.get_or_insert(Expiry {
            lifetime: Lifetime::Unknown,
            jwt_exp: false,
            field: None,
        });
        expiry.field.get_or_insert_with(|| ExpiryField {
            spot: Spot::Json(json_path("expires_in", at, self.errors)),
            format: ExpiryFormat::Seconds,
        });
        for name in ["token_type", "scope"] {
            if !top
                .response_fields
                .iter()
                .any(|f: &ResponseField| f.ident == name)
            {
                top.response_fields.push(ResponseField {
                    ident: Ident::new(name, Span::call_site()),
                    span: at,
                    path: json_path(name, at, self.errors),
                    kind: ValueKind::Text,
                });
            }
        }
        let standard: Vec<ErrorCase> = oauth2_errors(at, self.errors)
            .into_iter()
            .filter(|case| !top.cases.iter().any(|own| own.variant == case.variant))
            .collect();
        top.cases.extend(standard);
    }
}
