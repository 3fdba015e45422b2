//! What an attribute with mistakes expands to besides its errors: the struct, and
//! stand-ins for the items a user's code calls (`new`, `credentials()`, each setter,
//! `build()`, the run-time `draft()` with its setters, `set` and `try_build()`,
//! `from_env`, the credentials and error types), so that the attribute's own errors are
//! all the user sees, not a cascade of "no function named `credentials`" at every use.
//! The stand-ins never run: the crate does not compile.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Stand-ins for `item`'s generated items; `settings` are the base URL's placeholders
/// when they could be read (the arguments of `new`).
pub(crate) fn fallback(item: &syn::ItemStruct, settings: &[String]) -> TokenStream {
    let ident = &item.ident;
    let vis = &item.vis;
    let credentials = format_ident!("{}Credentials", ident);
    let builder = format_ident!("{}CredentialsBuilder", ident);
    let draft = format_ident!("{}CredentialsDraft", ident);
    let error = format_ident!("{}Error", ident);
    let setters: Vec<_> = item
        .fields
        .iter()
        .filter_map(|field| field.ident.as_ref())
        .collect();
    let settings = settings.iter().map(|s| format_ident!("{}", s));
    quote! {
        #[doc(hidden)]
        #vis struct #credentials;
        #[doc(hidden)]
        #vis struct #builder;
        #[doc(hidden)]
        #vis struct #draft;
        #[doc(hidden)]
        #vis enum #error {}
        // An error type as the real one is, so `?` into the caller's error adds nothing.
        impl ::core::fmt::Debug for #error {
            fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match *self {}
            }
        }
        impl ::core::fmt::Display for #error {
            fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match *self {}
            }
        }
        impl ::std::error::Error for #error {}
        #[allow(unused_variables, clippy::all)]
        impl #draft {
            #vis fn set(
                self,
                name: &str,
                value: impl ::core::convert::Into<::std::string::String>,
            ) -> ::core::result::Result<Self, #error> {
                ::core::result::Result::Ok(self)
            }
            #(
                #vis fn #setters(self, value: impl ::core::convert::Into<::std::string::String>) -> Self {
                    self
                }
            )*
            #vis fn try_build(self) -> ::core::result::Result<#credentials, #error> {
                ::core::result::Result::Ok(#credentials)
            }
        }
        #[allow(unused_variables, clippy::all)]
        impl #credentials {
            #vis fn draft() -> #draft {
                #draft
            }
            #vis fn from_env(prefix: &str) -> ::core::result::Result<Self, #error> {
                ::core::result::Result::Ok(#credentials)
            }
        }
        #[allow(unused_variables, clippy::all)]
        impl #builder {
            #(
                #vis fn #setters(self, value: impl ::core::convert::Into<::std::string::String>) -> Self {
                    self
                }
            )*
            #vis fn build(self) -> #credentials {
                #credentials
            }
        }
        #[allow(unused_variables, clippy::all)]
        impl #ident {
            #vis fn new(#( #settings: impl ::core::convert::Into<::std::string::String> ),*) -> Self {
                ::core::unreachable!()
            }
            #vis fn credentials() -> #builder {
                #builder
            }
        }
    }
}
