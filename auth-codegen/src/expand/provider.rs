//! The provider type (endpoint settings) and its `impl Provider`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use auth_description::Description;

use super::description::Writer;
use super::{Names, doc_attrs};
use crate::model::{Provider, ValueKind};

pub(crate) fn expand(
    provider: &Provider,
    names: &Names,
    description: &Description<'_>,
) -> TokenStream {
    let rt = &provider.runtime;
    let vis = &provider.vis;
    let Names {
        provider: name,
        credentials,
        builder,
        response,
        error,
        ..
    } = names;
    let vendor = &provider.vendor.value;
    let base = &provider.base.template.value;
    let docs = doc_attrs(&provider.docs, &format!("The {vendor} token endpoint."));

    let settings: Vec<_> = provider
        .base
        .placeholders
        .iter()
        .map(|p| format_ident!("{}", p))
        .collect();
    let setting_names = &provider.base.placeholders;
    let new_doc = if settings.is_empty() {
        format!(" The {vendor} endpoint at `{base}`.")
    } else {
        let list = setting_names
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(" The {vendor} endpoint at `{base}`, with {list} filled in.")
    };
    let default_impl = settings.is_empty().then(|| {
        quote! {
            impl ::core::default::Default for #name {
                fn default() -> Self { Self::new() }
            }
        }
    });

    let steps = (!description.steps.is_empty()).then(|| steps_fns(provider, names));
    // The token request with what the attempt bound and computed: needed by a login
    // of steps and by one whose values are computed (a digest, a signed JWT).
    let bound = (!description.steps.is_empty() || !description.computed.is_empty())
        .then(|| login_request_bound_fn(provider, names));
    let description = Writer::new(rt).described(description, name, credentials);
    let decode = decode_fn(provider, names);
    let oauth2 = provider
        .oauth2
        .is_some()
        .then(|| oauth2_fns(provider, credentials));
    let with_base_doc = " Runs `f` with where this provider's requests go.";
    quote! {
        #docs
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #name {
            #( #settings: #rt::__private::String, )*
            base_url_override: #rt::__private::Option<#rt::__private::String>,
        }

        impl #name {
            /// The vendor's name, as used in messages.
            pub const VENDOR: &'static str = #vendor;

            #[doc = #new_doc]
            pub fn new(#( #settings: impl ::core::convert::Into<#rt::__private::String> ),*) -> Self {
                Self { #( #settings: #settings.into(), )* base_url_override: #rt::__private::Option::None }
            }

            /// Sends every request to `base_url` instead of the documented base (a test
            /// server, a proxy, a regional host). Plain `http://` is accepted only for
            /// loopback hosts.
            pub fn with_base_url(mut self, base_url: impl ::core::convert::Into<#rt::__private::String>) -> Self {
                self.base_url_override = #rt::__private::Option::Some(base_url.into());
                self
            }

            /// Starts building credentials; `build()` compiles only when they are complete.
            pub fn credentials() -> #builder {
                #credentials::builder()
            }

            #[doc = #with_base_doc]
            fn with_base<T>(&self, f: impl ::core::ops::FnOnce(&#rt::__private::Base<'_>) -> T) -> T {
                f(&#rt::__private::Base::new(
                    &[#( self.#settings.as_str() ),*],
                    self.base_url_override.as_deref(),
                ))
            }
        }

        #default_impl

        #description

        impl #rt::__private::Provider for #name {
            type Credentials = #credentials;
            type Response = #response;
            type Error = #error;
            const VENDOR: &'static str = #vendor;

            fn login_request(&self, credentials: &#credentials) -> #rt::__private::Result<#rt::__private::VendorRequest, Self::Error> {
                let values = credentials.wire_values();
                self.with_base(|base| #rt::__private::Interpret::login_request(<Self as #rt::__private::Described>::DESCRIPTION, base, &values))
                    .map_err(::core::convert::From::from)
            }

            #decode

            fn runtime_error(error: &mut Self::Error) -> #rt::__private::Option<&mut #rt::__private::Error> {
                match error {
                    #error::Runtime(error) => #rt::__private::Option::Some(error),
                    _ => #rt::__private::Option::None,
                }
            }

            fn placement(&self) -> &#rt::__private::Placement {
                &<Self as #rt::__private::Described>::DESCRIPTION.placement
            }

            fn rejection(&self) -> #rt::__private::Rejection {
                <Self as #rt::__private::Described>::DESCRIPTION.rejection
            }

            fn api_base(&self) -> #rt::__private::Option<&#rt::__private::ApiBase> {
                <Self as #rt::__private::Described>::DESCRIPTION.api_base.as_ref()
            }

            fn expiry(&self) -> #rt::__private::ExpiryPolicy {
                <Self as #rt::__private::Described>::DESCRIPTION.expiry
            }

            fn logout_request(&self) -> #rt::__private::Result<#rt::__private::Option<#rt::__private::VendorRequest>, Self::Error> {
                let checked = #rt::__private::Bindings::placeholders();
                self.with_base(|base| #rt::__private::Interpret::logout_request(<Self as #rt::__private::Described>::DESCRIPTION, base, &[], &checked))
                    .map_err(::core::convert::From::from)
            }

            fn keepalive_request(&self) -> #rt::__private::Result<#rt::__private::Option<#rt::__private::VendorRequest>, Self::Error> {
                let checked = #rt::__private::Bindings::placeholders();
                self.with_base(|base| #rt::__private::Interpret::keepalive_request(<Self as #rt::__private::Described>::DESCRIPTION, base, &[], &checked))
                    .map_err(::core::convert::From::from)
            }

            fn logout_request_with(
                &self,
                credentials: &#credentials,
                bound: &#rt::__private::Bindings,
            ) -> #rt::__private::Result<#rt::__private::Option<#rt::__private::VendorRequest>, Self::Error> {
                let values = credentials.wire_values();
                self.with_base(|base| #rt::__private::Interpret::logout_request(<Self as #rt::__private::Described>::DESCRIPTION, base, &values, bound))
                    .map_err(::core::convert::From::from)
            }

            fn keepalive_request_with(
                &self,
                credentials: &#credentials,
                bound: &#rt::__private::Bindings,
            ) -> #rt::__private::Result<#rt::__private::Option<#rt::__private::VendorRequest>, Self::Error> {
                let values = credentials.wire_values();
                self.with_base(|base| #rt::__private::Interpret::keepalive_request(<Self as #rt::__private::Described>::DESCRIPTION, base, &values, bound))
                    .map_err(::core::convert::From::from)
            }

            #oauth2
            #steps
            #bound
        }
    }
}

/// OAuth 2.0's refresh and revocation requests, for a provider whose login is a token
/// request: the description's, with the credentials' values.
fn oauth2_fns(provider: &Provider, credentials: &syn::Ident) -> TokenStream {
    let rt = &provider.runtime;
    let dpop = provider
        .oauth2
        .as_ref()
        .is_some_and(|oauth2| oauth2.dpop)
        .then(|| {
            quote!(
                fn dpop(&self) -> bool {
                    true
                }
            )
        });
    quote! {
        #dpop

        fn refresh_request(
            &self,
            credentials: &#credentials,
            refresh_token: &#rt::__private::SecretString,
        ) -> #rt::__private::Result<#rt::__private::Option<#rt::__private::VendorRequest>, Self::Error> {
            let values = credentials.wire_values();
            self.with_base(|base| {
                #rt::__private::Interpret::refresh_request(<Self as #rt::__private::Described>::DESCRIPTION, base, &values, refresh_token)
            })
            .map_err(::core::convert::From::from)
        }

        fn revocation_request(
            &self,
            credentials: &#credentials,
            token: &#rt::__private::SecretString,
            kind: #rt::__private::TokenKind,
        ) -> #rt::__private::Result<#rt::__private::Option<#rt::__private::VendorRequest>, Self::Error> {
            let values = credentials.wire_values();
            self.with_base(|base| {
                #rt::__private::Interpret::revocation_request(<Self as #rt::__private::Described>::DESCRIPTION, base, &values, token, kind)
            })
            .map_err(::core::convert::From::from)
        }
    }
}

/// The token request given what the attempt's steps bound and its computed values.
fn login_request_bound_fn(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let Names { credentials, .. } = names;
    quote! {
        fn login_request_bound(
            &self,
            credentials: &#credentials,
            bound: &#rt::__private::Bindings,
        ) -> #rt::__private::Result<#rt::__private::VendorRequest, Self::Error> {
            let values = credentials.wire_values();
            self.with_base(|base| {
                #rt::__private::Interpret::login_request_bound(<Self as #rt::__private::Described>::DESCRIPTION, base, &values, bound)
            })
            .map_err(::core::convert::From::from)
        }
    }
}

/// The steps of a login before its token request: the description's, with the
/// credentials' values; a step's refusal is the same variant as at the token request.
fn steps_fns(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let Names { credentials, .. } = names;
    let refused = refusal_arms(provider, names);
    quote! {
        fn login_steps(&self) -> usize {
            <Self as #rt::__private::Described>::DESCRIPTION.steps.len()
        }

        fn step_request(
            &self,
            step: usize,
            credentials: &#credentials,
            bound: &#rt::__private::Bindings,
        ) -> #rt::__private::Result<#rt::__private::VendorRequest, Self::Error> {
            let values = credentials.wire_values();
            self.with_base(|base| {
                #rt::__private::Interpret::step_request(<Self as #rt::__private::Described>::DESCRIPTION, base, step, &values, bound)
            })
            .map_err(::core::convert::From::from)
        }

        fn read_step(
            &self,
            step: usize,
            reply: &#rt::__private::LoginReply<'_>,
            bound: &mut #rt::__private::Bindings,
        ) -> #rt::__private::Result<(), Self::Error> {
            match #rt::__private::Interpret::read_step(<Self as #rt::__private::Described>::DESCRIPTION, step, reply, bound) {
                #rt::__private::Result::Ok(()) => #rt::__private::Result::Ok(()),
                #refused
            }
        }

    }
}

/// The match arms turning the interpreter's refusal into the vendor's error: each
/// documented failure its variant with its values, anything else the shared failure.
fn refusal_arms(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let vendor = &provider.vendor.value;
    let error = &names.error;
    let cases = provider.errors.iter().enumerate().map(|(index, case)| {
        let variant = &case.variant;
        let fields = case.fields.iter().map(|f| {
            let ident = &f.ident;
            match f.kind {
                ValueKind::Text => quote! { #ident: values.text() },
                ValueKind::FieldMessages => quote! { #ident: values.messages() },
            }
        });
        let values = if case.fields.is_empty() {
            quote!(..)
        } else {
            quote!(mut values)
        };
        quote! {
            #rt::__private::Result::Err(#rt::__private::Refusal::Documented { case: #index, #values }) => {
                #rt::__private::Result::Err(#error::#variant { #(#fields),* })
            }
        }
    });
    quote! {
        #( #cases )*
        #rt::__private::Result::Err(refusal) => {
            #rt::__private::Result::Err(refusal.into_error(#vendor).into())
        }
    }
}

/// `decode_login`: the description reads the answer; the typed response and error
/// variants take its values in order.
fn decode_fn(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let Names { response, .. } = names;
    let response_fields = provider.response_fields.iter().map(|f| {
        let ident = &f.ident;
        quote! { #ident: values.text() }
    });
    let refused = refusal_arms(provider, names);
    let bind = if provider.response_fields.is_empty() {
        quote!(_values)
    } else {
        quote!(mut values)
    };
    quote! {
        fn decode_login(&self, reply: &#rt::__private::LoginReply<'_>) -> #rt::__private::Result<#rt::__private::Login<#response>, Self::Error> {
            match #rt::__private::Interpret::decode_login(<Self as #rt::__private::Described>::DESCRIPTION, reply) {
                #rt::__private::Result::Ok(login) => #rt::__private::Result::Ok(
                    login.map_response(|#bind| #response { #(#response_fields),* }),
                ),
                #refused
            }
        }
    }
}
