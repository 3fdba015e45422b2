//! The typed successful login response (the token itself stays with the session).

use proc_macro2::TokenStream;
use quote::quote;

use super::Names;
use crate::model::Provider;

pub(crate) fn expand(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let vis = &provider.vis;
    let name = &names.response;
    let doc = format!(
        " What a successful {} login returns besides the token, which the session keeps.",
        provider.vendor.value
    );
    let fields = provider.response_fields.iter().map(|field| {
        let ident = &field.ident;
        let doc = format!(" `{}` in the login response.", field.path.dotted());
        quote! {
            #[doc = #doc]
            pub #ident: #rt::__private::Option<#rt::__private::String>
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::default::Default, ::core::cmp::PartialEq, ::core::cmp::Eq)]
        #[non_exhaustive]
        #vis struct #name {
            #( #fields, )*
        }
    }
}
