//! The credentials type: what the builder produces and the session logs in with.

use proc_macro2::TokenStream;
use quote::quote;

use super::Names;
use crate::model::{Field, Provider};

/// The type a field is stored as: secrets as `SecretString`, not-always-given fields in
/// an `Option`.
pub(crate) fn value_type(field: &Field, rt: &syn::Path) -> TokenStream {
    if field.secret {
        quote!(#rt::__private::SecretString)
    } else {
        quote!(#rt::__private::String)
    }
}

pub(crate) fn expand(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let vis = &provider.vis;
    let Names {
        credentials,
        builder,
        ..
    } = names;
    let vendor = &provider.vendor.value;
    let doc = format!(
        " Credentials for {vendor}. Build them with [`{}::credentials`]: the builder only \
         compiles when they are complete, the way {vendor} requires.",
        names.provider
    );
    let fields = provider.fields.iter().map(|field| {
        let ident = &field.ident;
        let ty = value_type(field, rt);
        if field.optional {
            quote!(#ident: #rt::__private::Option<#ty>)
        } else {
            quote!(#ident: #ty)
        }
    });
    let debug_fields = provider.fields.iter().map(|field| {
        let ident = &field.ident;
        let name = ident.to_string();
        let value = match (field.secret, field.optional) {
            (true, true) => quote!(&self.#ident.as_ref().map(|_| "[REDACTED]")),
            (true, false) => quote!(&"[REDACTED]"),
            (false, _) => quote!(&self.#ident),
        };
        quote!(.field(#name, #value))
    });
    let unset = provider.fields.iter().map(|field| {
        let ident = &field.ident;
        quote!(#ident: ())
    });
    let name = credentials.to_string();
    let count = provider.fields.len();
    let wire_values = provider.fields.iter().map(|field| {
        let ident = &field.ident;
        let wrap = if field.secret {
            quote!(#rt::__private::WireValue::Secret)
        } else {
            quote!(#rt::__private::WireValue::Plain)
        };
        if field.optional {
            quote!(#rt::__private::Clone::clone(&self.#ident).map(#wrap))
        } else {
            quote!(#rt::__private::Option::Some(#wrap(#rt::__private::Clone::clone(&self.#ident))))
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone)]
        #vis struct #credentials {
            #( #fields, )*
        }

        impl #credentials {
            /// Starts building credentials; `build()` compiles only when they are complete.
            pub fn builder() -> #builder {
                #builder { #( #unset, )* }
            }

            /// The values as the vendor's description sends them, by field.
            fn wire_values(&self) -> [#rt::__private::Option<#rt::__private::WireValue>; #count] {
                [#( #wire_values ),*]
            }
        }

        impl ::core::fmt::Debug for #credentials {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name)
                    #( #debug_fields )*
                    .finish()
            }
        }
    }
}
