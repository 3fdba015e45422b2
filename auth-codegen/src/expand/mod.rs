//! IR → Rust. Each module generates one part of a vendor's client; none looks at syn
//! input, only at the validated [`Provider`].

pub(crate) mod builder;
mod credentials;
mod description;
mod draft;
mod error;
pub(crate) mod fallback;
mod provider;
mod response;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::model::Provider;

/// All generated items of one provider.
pub fn expand(provider: &Provider) -> TokenStream {
    let names = Names::of(provider);
    let arena = bumpalo::Bump::new();
    let description = provider.describe(&arena);
    let parts = [
        provider::expand(provider, &names, &description),
        credentials::expand(provider, &names),
        builder::expand(provider, &names),
        draft::expand(provider, &names, &description),
        response::expand(provider, &names),
        error::expand(provider, &names),
        requires_signing(provider),
    ];
    quote! { #(#parts)* }
}

/// A vendor that signs a JWT (a computed `jwt`, DPoP proofs) needs the runtime's `sign`
/// feature: without it, one compile error at what signs, saying which feature to turn
/// on.
fn requires_signing(provider: &Provider) -> TokenStream {
    let rt = &provider.runtime;
    let vendor = &provider.vendor.value;
    let signs = provider
        .computed
        .iter()
        .find(|computed| matches!(computed.function, crate::model::Function::Jwt(_)))
        .map(|computed| computed.name.span)
        .or_else(|| {
            let oauth2 = provider.oauth2.as_ref()?;
            oauth2.dpop.then_some(oauth2.span)
        });
    signs
        .map(|at| {
            let span = match at {
                crate::model::Location::Rust(span) => span,
                crate::model::Location::Spec { .. } => proc_macro2::Span::call_site(),
            };
            quote::quote_spanned!(span=> #rt::__require_sign!(#vendor);)
        })
        .unwrap_or_default()
}

/// The names of the generated items, all derived from the provider's.
pub(crate) struct Names {
    pub(crate) provider: Ident,
    pub(crate) credentials: Ident,
    pub(crate) builder: Ident,
    pub(crate) draft: Ident,
    pub(crate) response: Ident,
    pub(crate) error: Ident,
    /// The hidden module holding the builder's rule traits.
    pub(crate) rules: Ident,
}

impl Names {
    fn of(provider: &Provider) -> Self {
        let name = &provider.ident;
        Names {
            provider: name.clone(),
            credentials: format_ident!("{}Credentials", name),
            builder: format_ident!("{}CredentialsBuilder", name),
            draft: format_ident!("{}CredentialsDraft", name),
            response: format_ident!("{}LoginResponse", name),
            error: format_ident!("{}Error", name),
            rules: format_ident!("__{}_credential_rules", snake_case(&name.to_string())),
        }
    }
}

/// `#[doc = "..."]` lines, or `fallback` when there are none.
///
/// Docs the generator writes start with a space, as the text of a `///` comment does,
/// so that the generated code reads `/// Text` like code written by hand.
pub(crate) fn doc_attrs(docs: &[String], fallback: &str) -> TokenStream {
    if docs.is_empty() {
        let fallback = format!(" {fallback}");
        return quote! { #[doc = #fallback] };
    }
    quote! { #(#[doc = #docs])* }
}

/// `CrmCom` → `crm_com`.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// `pass_code` → `PassCode`.
pub(crate) fn camel_case(name: &str) -> String {
    name.trim_start_matches("r#")
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}
