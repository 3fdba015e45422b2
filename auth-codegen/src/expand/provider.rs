//! The provider type (endpoint settings) and its `impl Provider`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Names, doc_attrs, path_literal};
use crate::model::{
    BasicPart, Condition, ConstValue, Constant, Expected, ExpiryField, ExpiryFormat, Lifetime,
    Method, Provider, Spot, ValueKind, WireFormat,
};

pub(crate) fn expand(provider: &Provider, names: &Names) -> TokenStream {
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

    let login = request_fn(
        provider,
        &provider.login,
        quote!(login_request),
        Some(credentials),
    );
    let logout = provider
        .logout
        .as_ref()
        .map(|endpoint| request_fn(provider, endpoint, quote!(logout_request), None));
    let keepalive = provider
        .keepalive
        .as_ref()
        .map(|endpoint| request_fn(provider, endpoint, quote!(keepalive_request), None));
    let decode = decode_fn(provider, names);
    let refresh = provider
        .oauth2
        .is_some()
        .then(|| refresh_fn(provider, credentials));
    let revocation = provider
        .oauth2
        .as_ref()
        .and_then(|oauth2| oauth2.revoke.as_ref())
        .map(|path| revocation_fn(provider, credentials, &path.template.value));
    let placement = placement(provider);
    let rejection = provider.rejected.as_ref().map(|rejection| {
        let rt = &provider.runtime;
        let statuses = &rejection.statuses;
        let test = match &rejection.when {
            Some(condition) => {
                let spot = spot(&condition.spot, rt);
                let expected = expected(&condition.expected, rt);
                quote!(#rt::__private::Option::Some(#rt::__private::AnswerTest { spot: #spot, expected: #expected }))
            }
            None => quote!(#rt::__private::Option::None),
        };
        quote! {
            fn rejection(&self) -> #rt::__private::Rejection {
                #rt::__private::Rejection { statuses: &[#(#statuses),*], test: #test }
            }
        }
    });
    let expiry = expiry(provider);

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

            fn endpoint(&self, path: &str) -> #rt::__private::Result<#rt::__private::Url, #rt::__private::Error> {
                #rt::__private::endpoint(
                    #vendor,
                    #base,
                    &[#( (#setting_names, self.#settings.as_str()) ),*],
                    self.base_url_override.as_deref(),
                    path,
                )
            }
        }

        #default_impl

        impl #rt::__private::Provider for #name {
            type Credentials = #credentials;
            type Response = #response;
            type Error = #error;
            const VENDOR: &'static str = #vendor;

            #login
            #decode

            fn runtime_error(error: &mut Self::Error) -> #rt::__private::Option<&mut #rt::__private::Error> {
                match error {
                    #error::Runtime(error) => #rt::__private::Option::Some(error),
                    _ => #rt::__private::Option::None,
                }
            }
            #placement
            #rejection
            #expiry
            #logout
            #keepalive
            #refresh
            #revocation
        }
    }
}

fn method(m: Method, rt: &syn::Path) -> TokenStream {
    match m {
        Method::Get => quote!(#rt::__private::Method::Get),
        Method::Post => quote!(#rt::__private::Method::Post),
        Method::Put => quote!(#rt::__private::Method::Put),
        Method::Delete => quote!(#rt::__private::Method::Delete),
        Method::Patch => quote!(#rt::__private::Method::Patch),
    }
}

fn format(f: WireFormat, rt: &syn::Path) -> TokenStream {
    match f {
        WireFormat::Json => quote!(#rt::__private::WireFormat::Json),
        WireFormat::Form => quote!(#rt::__private::WireFormat::Form),
        WireFormat::Multipart => quote!(#rt::__private::WireFormat::Multipart),
    }
}

/// `login_request` (with the credential fields), or `logout_request` and
/// `keepalive_request` (no credentials); each with the endpoint's constants.
fn request_fn(
    provider: &Provider,
    endpoint: &crate::model::Endpoint,
    fn_name: TokenStream,
    credentials: Option<&syn::Ident>,
) -> TokenStream {
    let rt = &provider.runtime;
    let path = &endpoint.path.template.value;
    let method = method(endpoint.method, rt);
    let format = format(endpoint.format, rt);
    let push_constant = |list: TokenStream, constant: &Constant| {
        let wire = path_literal(&constant.path);
        let value = const_value(&constant.value, rt);
        quote! {
            request.#list.push(#rt::__private::WireField { path: #wire, value: #rt::__private::WireValue::Json(#value) });
        }
    };
    let constants = endpoint
        .constants
        .iter()
        .map(|c| push_constant(quote!(fields), c))
        .chain(
            endpoint
                .query
                .iter()
                .map(|c| push_constant(quote!(query), c)),
        );
    let placement = endpoint.placement.as_ref().map(|p| {
        let placement = placement_value(p, rt);
        quote! { request.placement = #rt::__private::Option::Some(#placement); }
    });
    let changed = credentials.is_some()
        || !endpoint.constants.is_empty()
        || !endpoint.query.is_empty()
        || endpoint.placement.is_some();
    let binding = if changed {
        quote!(let mut request)
    } else {
        quote!(let request)
    };
    let start = quote! {
        #binding = #rt::__private::VendorRequest::new(#method, self.endpoint(#path)?, #format);
        #( #constants )*
        #placement
    };
    let Some(credentials) = credentials else {
        return quote! {
            fn #fn_name(&self) -> #rt::__private::Result<#rt::__private::Option<#rt::__private::VendorRequest>, Self::Error> {
                #start
                #rt::__private::Result::Ok(#rt::__private::Option::Some(request))
            }
        };
    };
    let basic = basic(provider);
    let pushes = provider
        .fields
        .iter()
        .filter(|field| field.basic.is_none())
        .map(|field| push_field(field, rt));
    quote! {
        fn #fn_name(&self, credentials: &#credentials) -> #rt::__private::Result<#rt::__private::VendorRequest, Self::Error> {
            #start
            #( #pushes )*
            #basic
            #rt::__private::Result::Ok(request)
        }
    }
}

/// HTTP Basic credentials from the credential fields, when they have a user (validation
/// made the parts mandatory); a user without a password field has an empty password.
fn basic(provider: &Provider) -> Option<TokenStream> {
    let rt = &provider.runtime;
    let part = |part| provider.fields.iter().find(|f| f.basic == Some(part));
    let user = &part(BasicPart::User)?.ident;
    let password = match part(BasicPart::Password) {
        Some(password) if password.secret => {
            let ident = &password.ident;
            quote!(#rt::__private::Clone::clone(&credentials.#ident))
        }
        Some(password) => {
            let ident = &password.ident;
            quote!(#rt::__private::SecretString::from(#rt::__private::Clone::clone(&credentials.#ident)))
        }
        None => quote!(#rt::__private::SecretString::from("")),
    };
    Some(quote! {
        request.basic = #rt::__private::Option::Some((#rt::__private::Clone::clone(&credentials.#user), #password));
    })
}

/// Puts a credential field in the request: in its body or its query string, plain or
/// secret, when given.
fn push_field(field: &crate::model::Field, rt: &syn::Path) -> TokenStream {
    let ident = &field.ident;
    let wire = path_literal(&field.wire);
    let value = if field.secret {
        quote!(#rt::__private::WireValue::Secret(#rt::__private::Clone::clone(value)))
    } else {
        quote!(#rt::__private::WireValue::Plain(#rt::__private::Clone::clone(value)))
    };
    let list = if field.in_query {
        quote!(query)
    } else {
        quote!(fields)
    };
    let push =
        quote! { request.#list.push(#rt::__private::WireField { path: #wire, value: #value }); };
    if field.optional {
        quote! { if let #rt::__private::Option::Some(value) = &credentials.#ident { #push } }
    } else {
        quote! { { let value = &credentials.#ident; #push } }
    }
}

/// The pushes of the credential fields sent as one of `wires` in the body.
fn body_fields_sent_as(provider: &Provider, wires: &[&str]) -> TokenStream {
    let rt = &provider.runtime;
    let pushes = provider
        .fields
        .iter()
        .filter(|field| field.basic.is_none() && wires.contains(&field.wire_name().as_str()))
        .map(|field| push_field(field, rt));
    quote!(#( #pushes )*)
}

/// The OAuth 2.0 client's authentication (RFC 6749 section 2.3.1) as the login has it:
/// HTTP Basic from the `basic` fields, or the `client_id` and `client_secret` fields in
/// the body; for every request to the server besides the login.
fn client_authentication(provider: &Provider) -> TokenStream {
    let fields = body_fields_sent_as(provider, &["client_id", "client_secret"]);
    let basic = basic(provider);
    quote! { #fields #basic }
}

/// OAuth 2.0's `refresh_token` grant (RFC 6749 section 6): to the login's endpoint, in
/// its encoding, with the refresh token, the client's authentication and the `scope`
/// field.
fn refresh_fn(provider: &Provider, credentials: &syn::Ident) -> TokenStream {
    let rt = &provider.runtime;
    let login = &provider.login;
    let path = &login.path.template.value;
    let method = method(login.method, rt);
    let format = format(login.format, rt);
    let client = client_authentication(provider);
    let scope = body_fields_sent_as(provider, &["scope"]);
    quote! {
        fn refresh_request(
            &self,
            credentials: &#credentials,
            refresh_token: &#rt::__private::SecretString,
        ) -> #rt::__private::Result<#rt::__private::Option<#rt::__private::VendorRequest>, Self::Error> {
            let mut request = #rt::__private::VendorRequest::new(#method, self.endpoint(#path)?, #format);
            request.fields.push(#rt::__private::WireField {
                path: &["grant_type"],
                value: #rt::__private::WireValue::Plain(#rt::__private::String::from("refresh_token")),
            });
            request.fields.push(#rt::__private::WireField {
                path: &["refresh_token"],
                value: #rt::__private::WireValue::Secret(#rt::__private::Clone::clone(refresh_token)),
            });
            #client
            #scope
            #rt::__private::Result::Ok(#rt::__private::Option::Some(request))
        }
    }
}

/// OAuth 2.0 token revocation (RFC 7009 section 2.1): a form `POST` to the revocation
/// endpoint with the token, its `token_type_hint` and the client's authentication.
fn revocation_fn(provider: &Provider, credentials: &syn::Ident, path: &str) -> TokenStream {
    let rt = &provider.runtime;
    let client = client_authentication(provider);
    quote! {
        fn revocation_request(
            &self,
            credentials: &#credentials,
            token: &#rt::__private::SecretString,
            kind: #rt::__private::TokenKind,
        ) -> #rt::__private::Result<#rt::__private::Option<#rt::__private::VendorRequest>, Self::Error> {
            let mut request = #rt::__private::VendorRequest::new(
                #rt::__private::Method::Post,
                self.endpoint(#path)?,
                #rt::__private::WireFormat::Form,
            );
            request.fields.push(#rt::__private::WireField {
                path: &["token"],
                value: #rt::__private::WireValue::Secret(#rt::__private::Clone::clone(token)),
            });
            request.fields.push(#rt::__private::WireField {
                path: &["token_type_hint"],
                value: #rt::__private::WireValue::Plain(#rt::__private::String::from(kind.hint())),
            });
            #client
            #rt::__private::Result::Ok(#rt::__private::Option::Some(request))
        }
    }
}

/// A constant's value as `serde_json::Value`, built where the request is.
fn const_value(value: &ConstValue, rt: &syn::Path) -> TokenStream {
    match value {
        ConstValue::Str(s) => {
            quote!(#rt::__private::Value::String(#rt::__private::String::from(#s)))
        }
        ConstValue::Int(n) => quote!(#rt::__private::Value::from(#n)),
        ConstValue::Float(n) => quote!(#rt::__private::Value::from(#n)),
        ConstValue::Bool(b) => quote!(#rt::__private::Value::Bool(#b)),
        ConstValue::List(items) => {
            let items = items.iter().map(|item| const_value(item, rt));
            quote!(#rt::__private::Value::Array(#rt::__private::Vec::from([#(#items),*])))
        }
        ConstValue::Object(fields) => {
            let fields = fields.iter().map(|(name, value)| {
                let value = const_value(value, rt);
                quote!((#rt::__private::String::from(#name), #value))
            });
            quote!(#rt::__private::Value::Object(::core::iter::FromIterator::from_iter([#(#fields),*])))
        }
    }
}

fn decode_fn(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let vendor = &provider.vendor.value;
    let Names {
        response: response_ty,
        error,
        ..
    } = names;
    let success = match &provider.success {
        Some(condition) => {
            let test = test(condition, rt);
            quote! { response.is_2xx() && #test }
        }
        None => quote! { response.is_2xx() },
    };
    let cases = provider.errors.iter().map(|case| {
        let variant = &case.variant;
        let mut test = vec![quote!(!success)];
        if let Some(status) = case.status {
            test.push(quote!(response.status() == #status));
        }
        if let Some(when) = &case.when {
            test.push(self::test(when, rt));
        }
        if case.status.is_none() && case.when.is_none() {
            // A case that names neither a status nor a condition is the vendor's own
            // refusal only when the answer has its shape: a 500 page or a cut-off body
            // is not "CRM.COM refused the login", it falls through to the shared errors.
            let paths = case.fields.iter().map(|f| path_literal(&f.path.segments));
            test.push(quote!(response.has_any(&[#(#paths),*])));
        }
        let fields = case.fields.iter().map(|f| {
            let ident = &f.ident;
            let path = path_literal(&f.path.segments);
            match f.kind {
                // Capped: a vendor's message ends up in errors, logs and stored refusals.
                ValueKind::Text => quote! { #ident: response.message(#path) },
                ValueKind::FieldMessages => {
                    quote! { #ident: #rt::__private::field_messages(&response, #path) }
                }
            }
        });
        quote! {
            if #(#test)&&* {
                return #rt::__private::Result::Err(#error::#variant { #(#fields),* });
            }
        }
    });
    let token_spot = spot(&provider.token, rt);
    let token_shown = match &provider.token {
        Spot::Json(path) => path.dotted(),
        other => other.shown(),
    };
    let response_fields = provider.response_fields.iter().map(|f| {
        let ident = &f.ident;
        let path = path_literal(&f.path.segments);
        quote! { #ident: response.text(#path) }
    });
    let none = quote!(#rt::__private::Option::None);
    let lifetime = match &provider.expiry.field {
        None => quote!((#none, #none)),
        Some(ExpiryField {
            spot: Spot::Cookie(name),
            ..
        }) => {
            let name = &name.value;
            quote!(response.cookie_lifetime(#name))
        }
        Some(field) => {
            let at = spot(&field.spot, rt);
            match field.format {
                ExpiryFormat::Seconds => quote!((response.seconds(#at), #none)),
                ExpiryFormat::Rfc3339 => quote!((#none, response.rfc3339(#at))),
                ExpiryFormat::UnixTime => quote!((#none, response.unix_time(#at))),
            }
        }
    };
    let text_answers = (!uses_json(provider)).then(|| quote!(.with_text_answers()));
    // OAuth 2.0 answers may carry a refresh token (RFC 6749 section 5.1).
    let refresh_token = if provider.oauth2.is_some() {
        quote!(response.read(#rt::__private::Spot::Json(&["refresh_token"])).map(#rt::__private::SecretString::from))
    } else {
        quote!(#rt::__private::Option::None)
    };
    quote! {
        fn decode_login(&self, reply: &#rt::__private::LoginReply<'_>) -> #rt::__private::Result<#rt::__private::Login<#response_ty>, Self::Error> {
            let response = #rt::__private::LoginResponse::new(#vendor, reply)#text_answers;
            let success = #success;
            #( #cases )*
            if !success {
                return #rt::__private::Result::Err(response.unexpected().into());
            }
            let token = response.token(#token_spot, #token_shown)?;
            let (expires_in, expires_at) = #lifetime;
            #rt::__private::Result::Ok(#rt::__private::Login {
                token,
                response: #response_ty { #(#response_fields),* },
                expires_in,
                expires_at,
                refresh_token: #refresh_token,
            })
        }
    }
}

fn placement(provider: &Provider) -> TokenStream {
    let rt = &provider.runtime;
    let placement = placement_value(&provider.placement, rt);
    quote! {
        fn placement(&self) -> &#rt::__private::Placement {
            const PLACEMENT: #rt::__private::Placement = #placement;
            &PLACEMENT
        }
    }
}

/// A placement as the runtime's `Placement` (a constant expression).
fn placement_value(p: &crate::model::Placement, rt: &syn::Path) -> TokenStream {
    let bearer = p.bearer;
    let opt = |value: &Option<String>| match value {
        Some(v) => quote!(#rt::__private::Option::Some(#v)),
        None => quote!(#rt::__private::Option::None),
    };
    let (header, scheme, cookie) = (opt(&p.header), opt(&p.scheme), opt(&p.cookie));
    let (query, body) = (opt(&p.query), opt(&p.body_field));
    quote! {
        #rt::__private::Placement {
            bearer: #bearer,
            header: #header,
            scheme: #scheme,
            cookie: #cookie,
            query: #query,
            body_field: #body,
        }
    }
}

fn expiry(provider: &Provider) -> TokenStream {
    let rt = &provider.runtime;
    let policy = match provider.expiry.lifetime {
        Lifetime::Absolute(secs) => {
            quote!(#rt::__private::ExpiryPolicy::absolute(#rt::__private::Duration::from_secs(#secs)))
        }
        Lifetime::Idle(secs) => {
            quote!(#rt::__private::ExpiryPolicy::idle(#rt::__private::Duration::from_secs(#secs)))
        }
        Lifetime::Unknown => quote!(#rt::__private::ExpiryPolicy::unknown()),
    };
    let jwt = provider.expiry.jwt_exp.then(|| quote!(.with_jwt_exp()));
    quote! {
        fn expiry(&self) -> #rt::__private::ExpiryPolicy {
            #policy #jwt
        }
    }
}

/// A spot as the runtime's `Spot`.
fn spot(spot: &Spot, rt: &syn::Path) -> TokenStream {
    match spot {
        Spot::Json(path) => {
            let path = path_literal(&path.segments);
            quote!(#rt::__private::Spot::Json(#path))
        }
        Spot::Header(name) => {
            // Header names are matched in lower case.
            let name = name.value.to_ascii_lowercase();
            quote!(#rt::__private::Spot::Header(#name))
        }
        Spot::Cookie(name) => {
            let name = &name.value;
            quote!(#rt::__private::Spot::Cookie(#name))
        }
        Spot::Text(_) => quote!(#rt::__private::Spot::Text),
    }
}

fn expected(expected: &Expected, rt: &syn::Path) -> TokenStream {
    match expected {
        Expected::Equals(text) => quote!(#rt::__private::Expected::Equals(#text)),
        Expected::Contains(text) => quote!(#rt::__private::Expected::Contains(#text)),
    }
}

/// `response.is(spot, expected)` for a condition.
fn test(condition: &Condition, rt: &syn::Path) -> TokenStream {
    let spot = spot(&condition.spot, rt);
    let expected = expected(&condition.expected, rt);
    quote!(response.is(#spot, #expected))
}

/// Whether the login's answers are JSON: some value is read at a JSON path.
fn uses_json(provider: &Provider) -> bool {
    let json = |spot: &Spot| matches!(spot, Spot::Json(_));
    json(&provider.token)
        || provider.success.as_ref().is_some_and(|c| json(&c.spot))
        || provider
            .expiry
            .field
            .as_ref()
            .is_some_and(|f| json(&f.spot))
        || !provider.response_fields.is_empty()
        || provider.errors.iter().any(|case| {
            !case.fields.is_empty() || case.when.as_ref().is_some_and(|c| json(&c.spot))
        })
}
