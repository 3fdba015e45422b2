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
    ClientAuth, ConstValue, Constant, ErrorCase, Expiry, ExpiryField, ExpiryFormat, Grant,
    JWT_CLIENT_ASSERTION, Lifetime, OAuth2, Placement, ResponseField, Spot, ValueKind, WireFormat,
};

impl Lowering<'_> {
    /// `oauth2(grant = "password", revoke = "/revoke")`.
    pub(super) fn oauth2(&self, parent: &Place, item: &Item<'_>) -> Option<OAuth2> {
        let place = self.nested(parent, item, Context::OAuth2);
        let mut grant = None;
        let mut revoke = None;
        let mut client_auth = ClientAuth::Secret;
        let mut dpop = false;
        self.visit(&place, item.table(), |inner| match inner.key.name {
            "grant" => {
                let text = inner.text();
                grant = Grant::ALL.into_iter().find(|g| g.word() == text.value);
                if grant.is_none() {
                    let words: Vec<&str> = Grant::ALL.iter().map(|g| g.word()).collect();
                    self.errors.error(
                        text.span,
                        format!(
                            "`{}` is not a grant authgen asks for: `password`, `client_credentials` or `jwt-bearer`{}",
                            text.value,
                            did_you_mean(&text.value, &words)
                        ),
                    );
                }
            }
            "dpop" => dpop = inner.flag(),
            "client_auth" => {
                let text = inner.text();
                match text.value.as_str() {
                    "secret" => client_auth = ClientAuth::Secret,
                    "private_key_jwt" => client_auth = ClientAuth::PrivateKeyJwt,
                    other => self.errors.error(
                        text.span,
                        format!(
                            "`{other}` is not a way the client authenticates: `secret` (HTTP Basic or `client_id`/`client_secret` fields) or `private_key_jwt` (a signed `client_assertion`){}",
                            did_you_mean(other, &["secret", "private_key_jwt"])
                        ),
                    ),
                }
            }
            "revoke" => {
                let text = inner.text();
                revoke = Some(url_template(&text.value, text.span, self.errors));
            }
            other => unreachable!("`{other}` is in the key table without an arm"),
        });
        Some(OAuth2 {
            grant: grant?,
            client_auth,
            dpop,
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
            let mut sent = vec![("grant_type", oauth2.grant.grant_type().to_owned())];
            // A signed JWT goes where RFC 7523 puts it, when the description computes
            // it under the name the RFC gives (validation says so when it does not).
            let computes = |name: &str| top.computed.iter().any(|c| c.name.value == name);
            if oauth2.grant == Grant::JwtBearer && computes("assertion") {
                sent.push(("assertion", "{assertion}".to_owned()));
            }
            if oauth2.client_auth == ClientAuth::PrivateKeyJwt && computes("client_assertion") {
                sent.push(("client_assertion_type", JWT_CLIENT_ASSERTION.to_owned()));
                sent.push(("client_assertion", "{client_assertion}".to_owned()));
            }
            for (at_index, (name, value)) in sent.into_iter().enumerate() {
                if !login.constants.iter().any(|c| c.path == [name]) {
                    login.constants.insert(
                        at_index.min(login.constants.len()),
                        Constant {
                            path: vec![name.to_owned()],
                            value: ConstValue::Str(value),
                            span: at,
                        },
                    );
                }
            }
        }
        top.token
            .get_or_insert_with(|| Spot::Json(json_path("access_token", at, self.errors)));
        // RFC 6750's bearer token; a DPoP-bound one goes as `Authorization: DPoP`
        // (RFC 9449 section 7.1).
        top.placement.get_or_insert_with(|| match oauth2.dpop {
            false => Placement {
                bearer: true,
                span: Some(at),
                ..Placement::default()
            },
            true => Placement {
                header: Some("Authorization".to_owned()),
                scheme: Some("DPoP".to_owned()),
                span: Some(at),
                ..Placement::default()
            },
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
