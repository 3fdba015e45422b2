//! Credentials at run time: the rule table (the same rules and words as the typestate
//! builder's traits, from `rules.rs`), the draft with `set(name, value)` and
//! `try_build()`, `DynamicCredentials` (`from_env`, `from_pairs`) and `Deserialize`.

use proc_macro2::TokenStream;
use quote::quote;

use super::Names;
use crate::model::{Charset, Check, Provider};
use crate::rules::{RuleKind, credential_rules, credentials_prefix};

pub(crate) fn expand(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let vis = &provider.vis;
    let Names {
        credentials, draft, ..
    } = names;
    let p = quote!(#rt::__private);
    let vendor = &provider.vendor.value;
    let prefix = credentials_prefix(provider);
    let index = |ident: &proc_macro2::Ident| provider.field_index(ident).unwrap_or_default();

    let field_specs = provider.fields.iter().map(|field| {
        let name = field.ident.to_string();
        let name = unraw(&name);
        let wire = field.wire_name();
        let (secret, optional) = (field.secret, field.optional);
        let checks = field.checks.iter().map(|c| check(c, rt));
        quote!(#p::FieldSpec::new(#name, #wire, #secret, #optional, &[#(#checks),*]))
    });
    let rules = credential_rules(provider).into_iter().map(|rule| {
        let text = &rule.text;
        match &rule.kind {
            RuleKind::Once { field } => {
                let f = index(field);
                quote!(#p::Rule::once(#f, #text))
            }
            RuleKind::Exclusive { field, others } => {
                let f = index(field);
                let others = others.iter().map(index);
                quote!(#p::Rule::exclusive(#f, &[#(#others),*], #text))
            }
            RuleKind::Mandatory { field } => {
                let f = index(field);
                quote!(#p::Rule::mandatory(#f, #text))
            }
            RuleKind::Requires { field, needs } => {
                let (f, n) = (index(field), index(needs));
                quote!(#p::Rule::requires(#f, #n, #text))
            }
            RuleKind::OneOf { groups, .. } => {
                let members = groups.iter().flatten().map(index);
                quote!(#p::Rule::one_of(&[#(#members),*], #text))
            }
        }
    });

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
            const TABLE: &'static #p::CredentialTable = &#p::CredentialTable::new(
                #vendor,
                #prefix,
                &[#(#field_specs),*],
                &[#(#rules),*],
            );

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

fn check(check: &Check, rt: &syn::Path) -> TokenStream {
    match check {
        Check::MaxLength(n) => quote!(#rt::__private::Check::MaxLength(#n)),
        Check::Length(n) => quote!(#rt::__private::Check::Length(#n)),
        Check::Charset(Charset::LowerHex) => quote!(#rt::__private::Check::LowerHex),
        Check::Charset(Charset::Hex) => quote!(#rt::__private::Check::Hex),
        Check::Charset(Charset::Digits) => quote!(#rt::__private::Check::Digits),
    }
}
