//! Credentials at run time: the rule table (the description's, written by its one
//! writer: the same rules and words as the typestate builder's traits, from `rules.rs`), the draft with `set(name, value)` and
//! `try_build()`, `DynamicCredentials` (`from_env`, `from_pairs`) and `Deserialize`.

use proc_macro2::TokenStream;
use quote::quote;

use auth_description::Description;

use super::Names;
use super::description::Writer;
use crate::model::Provider;

pub(crate) fn expand(
    provider: &Provider,
    names: &Names,
    description: &Description<'_>,
) -> TokenStream {
    let rt = &provider.runtime;
    let vis = &provider.vis;
    let Names {
        credentials, draft, ..
    } = names;
    let p = quote!(#rt::__private);
    let vendor = &provider.vendor.value;
    let table = Writer::new(rt).table(description.credentials);

    let takes = provider.fields.iter().enumerate().map(|(i, field)| {
        let ident = &field.ident;
        match (field.secret, field.optional) {
            (false, false) => quote!(#ident: values.plain(#i)?),
            (false, true) => quote!(#ident: values.plain_opt(#i)),
            (true, false) => quote!(#ident: values.secret(#i)?),
            (true, true) => quote!(#ident: values.secret_opt(#i)),
        }
    });

    let setters = provider.fields.iter().enumerate().map(|(i, field)| {
        let ident = &field.ident;
        let mut doc = format!(" Sets `{ident}`");
        if field.secret {
            doc.push_str(", kept as a secret");
        }
        doc.push_str(
            ". A second value for it is a problem of `try_build()`, as it is a compile \
             error in the typestate builder.",
        );
        quote! {
            #[doc = #doc]
            pub fn #ident(mut self, value: impl ::core::convert::Into<#p::String>) -> Self {
                self.values.set(#i, ::core::convert::Into::into(value));
                self
            }
        }
    });

    let known: Vec<String> = provider
        .fields
        .iter()
        .map(|f| {
            let (name, wire) = (unraw(&f.ident.to_string()).to_owned(), f.wire_name());
            if name == wire {
                format!("`{name}`")
            } else {
                format!("`{name}` (or `{wire}`)")
            }
        })
        .collect();
    let draft_doc = format!(
        " Builds [`{credentials}`] from values known only at run time: [`set`](Self::set) \
         by name ({}) or a setter per field, then [`try_build`](Self::try_build), which \
         checks every {vendor} rule of the typestate builder and reports each one broken \
         in the words of its compile error.",
        known.join(", ")
    );
    let draft_name = draft.to_string();

    quote! {
        #[doc = #draft_doc]
        #[must_use = "call `.try_build()` to get the credentials"]
        #vis struct #draft {
            values: #p::FieldValues,
        }

        // Values given so far are not shown: some are secrets.
        impl ::core::fmt::Debug for #draft {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_tuple(#draft_name).field(&self.values).finish()
            }
        }

        impl #draft {
            /// Sets the field called `name`, by its Rust name or its wire name. An unknown
            /// name is an error that lists the known ones.
            ///
            /// # Errors
            ///
            /// `CredentialsError` when `name` is not a credential field.
            pub fn set(
                mut self,
                name: &str,
                value: impl ::core::convert::Into<#p::String>,
            ) -> #p::Result<Self, #p::CredentialsError> {
                self.values.set_named(name, ::core::convert::Into::into(value))?;
                #p::Result::Ok(self)
            }

            /// Sets the fields a key file gives: a JSON object as the vendor hands it
            /// out (a Google service-account key), each key naming a field by its Rust
            /// or wire name; the vendor's other keys are not read. Secrets are read
            /// straight into secret storage.
            ///
            /// # Errors
            ///
            /// `CredentialsError` when the text is not a JSON object, or a field's
            /// value is not a string or a whole number; it never quotes the file.
            pub fn key_file(mut self, json: &str) -> #p::Result<Self, #p::CredentialsError> {
                self.values.read_key_file(json)?;
                #p::Result::Ok(self)
            }

            #( #setters )*

            /// The credentials, when they keep every rule of the typestate builder.
            ///
            /// # Errors
            ///
            /// `CredentialsError` with every problem found, each in the words of the
            /// typestate builder's compile error.
            pub fn try_build(self) -> #p::Result<#credentials, #p::CredentialsError> {
                <#credentials as #p::DynamicCredentials>::from_values(self.values)
            }
        }

        impl #credentials {
            /// Starts building credentials from values known only at run time.
            pub fn draft() -> #draft {
                #draft {
                    values: #p::FieldValues::new(<Self as #p::DynamicCredentials>::TABLE),
                }
            }

            /// The credentials from environment variables: `prefix` followed by each
            /// field's name in upper case (see `DynamicCredentials::from_env`).
            ///
            /// # Errors
            ///
            /// `CredentialsError` with every rule the variables break.
            pub fn from_env(prefix: &str) -> #p::Result<Self, #p::CredentialsError> {
                <Self as #p::DynamicCredentials>::from_env(prefix)
            }
        }

        impl #p::DynamicCredentials for #credentials {
            const TABLE: &'static #p::CredentialTable = &#table;

            fn from_checked(
                mut values: #p::Checked,
            ) -> #p::Result<Self, #p::CredentialsError> {
                #p::Result::Ok(#credentials { #( #takes, )* })
            }
        }

        /// A map of field names (Rust or wire names) to strings, checked by the same
        /// rules as the builder's; unknown names are refused.
        impl<'de> #p::Deserialize<'de> for #credentials {
            fn deserialize<D: #p::Deserializer<'de>>(
                deserializer: D,
            ) -> #p::Result<Self, D::Error> {
                #p::deserialize(deserializer)
            }
        }
    }
}

fn unraw(name: &str) -> &str {
    name.trim_start_matches("r#")
}
