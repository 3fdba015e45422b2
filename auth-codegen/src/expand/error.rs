//! The vendor's error enum: one variant per documented failure, plus the shared ones.

use proc_macro2::TokenStream;
use quote::quote;

use super::Names;
use crate::model::{Provider, ValueKind};

pub(crate) fn expand(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let vis = &provider.vis;
    let name = &names.error;
    let vendor = &provider.vendor.value;
    let doc = format!(" Why a {vendor} login or request failed.");
    let variants = provider.errors.iter().map(|case| {
        let variant = &case.variant;
        let docs = if case.docs.is_empty() {
            vec![format!(" {vendor} refused the login: `{variant}`.")]
        } else {
            case.docs.clone()
        };
        let fields = case.fields.iter().map(|f| {
            let ident = &f.ident;
            let doc = match f.kind {
                ValueKind::Text => format!(
                    " `{}` in the response, when present (a long value is cut and ends in `…`).",
                    f.path.dotted()
                ),
                ValueKind::FieldMessages => {
                    format!(" `{}` in the response, when present.", f.path.dotted())
                }
            };
            let ty = match f.kind {
                ValueKind::Text => quote!(#rt::__private::Option<#rt::__private::String>),
                ValueKind::FieldMessages => quote!(#rt::__private::FieldMessages),
            };
            quote! { #[doc = #doc] #ident: #ty }
        });
        quote! { #(#[doc = #docs])* #variant { #(#fields),* } }
    });
    let display_arms = provider.errors.iter().map(|case| {
        let variant = &case.variant;
        let message = case.message(vendor);
        let idents: Vec<_> = case.fields.iter().map(|f| &f.ident).collect();
        let names: Vec<String> = idents.iter().map(|i| i.to_string()).collect();
        quote! {
            Self::#variant { #(#idents),* } => {
                f.write_str(#message)?;
                #rt::__private::write_fields(f, &[#( (#names, #idents) ),*])
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #[non_exhaustive]
        #vis enum #name {
            #( #variants, )*
            /// A failure every vendor shares: transport, timeout, decoding, rate limiting.
            Runtime(#rt::__private::Error),
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    #( #display_arms )*
                    Self::Runtime(error) => ::core::fmt::Display::fmt(error, f),
                }
            }
        }

        impl ::std::error::Error for #name {
            fn source(&self) -> #rt::__private::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    Self::Runtime(error) => ::std::error::Error::source(error),
                    #[allow(unreachable_patterns)]
                    _ => #rt::__private::Option::None,
                }
            }
        }

        impl ::core::convert::From<#rt::__private::Error> for #name {
            fn from(error: #rt::__private::Error) -> Self {
                Self::Runtime(error)
            }
        }

        /// Credentials that break the vendor's rules, as `Runtime(Error::InvalidCredentials)`.
        impl ::core::convert::From<#rt::__private::CredentialsError> for #name {
            fn from(error: #rt::__private::CredentialsError) -> Self {
                Self::Runtime(::core::convert::From::from(error))
            }
        }
    }
}
