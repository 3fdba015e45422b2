//! The vendor as plain data: `impl Described` with the runtime's `Description`, which
//! the generated `impl Provider`, `DynamicProvider` and the mock vendor all act on.
//! Only the representation is here; what each part means is the runtime's.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Names, path_literal};
use crate::model::{
    BasicPart, Condition, ConstValue, Constant, Endpoint, Expected, ExpiryFormat, Lifetime, Method,
    Placement, Provider, ResponseField, Spot, ValueKind, WireFormat,
};

pub(crate) fn expand(provider: &Provider, names: &Names) -> TokenStream {
    let rt = &provider.runtime;
    let Names {
        provider: name,
        credentials,
        ..
    } = names;
    let vendor = &provider.vendor.value;
    let base = &provider.base.template.value;
    let settings = &provider.base.placeholders;
    let sent = provider.fields.iter().map(|field| {
        let path = path_literal(&field.wire);
        let place = match (field.basic, field.in_query) {
            (Some(BasicPart::User), _) => quote!(BasicUser),
            (Some(BasicPart::Password), _) => quote!(BasicPassword),
            (None, true) => quote!(Query),
            (None, false) => quote!(Body),
        };
        quote!(#rt::__private::Sent { path: #path, place: #rt::__private::SentIn::#place })
    });
    let login = endpoint(&provider.login, rt);
    let logout = option(provider.logout.as_ref().map(|e| endpoint(e, rt)), rt);
    let keepalive = option(provider.keepalive.as_ref().map(|e| endpoint(e, rt)), rt);
    let oauth2 = option(
        provider.oauth2.as_ref().map(|oauth2| {
            let grant = oauth2.grant.grant_type();
            let revoke = option(
                oauth2.revoke.as_ref().map(|path| {
                    let path = &path.template.value;
                    quote!(#path)
                }),
                rt,
            );
            quote!(#rt::__private::OAuth2Description { grant: #grant, revoke: #revoke })
        }),
        rt,
    );
    let success = option(provider.success.as_ref().map(|c| test(c, rt)), rt);
    let token = spot(&provider.token, rt);
    let expiry_field = option(
        provider.expiry.field.as_ref().map(|field| {
            let spot = spot(&field.spot, rt);
            let format = match field.format {
                ExpiryFormat::Seconds => quote!(Seconds),
                ExpiryFormat::Rfc3339 => quote!(Rfc3339),
                ExpiryFormat::UnixTime => quote!(UnixTime),
            };
            quote!(#rt::__private::ExpiryField { spot: #spot, format: #rt::__private::ExpiryFormat::#format })
        }),
        rt,
    );
    let response_fields = answer_fields(&provider.response_fields, rt);
    let errors = provider.errors.iter().map(|case| {
        let variant = case.variant.to_string();
        let display = case.message(vendor);
        let status = option(case.status.map(|s| quote!(#s)), rt);
        let when = option(case.when.as_ref().map(|c| test(c, rt)), rt);
        let fields = answer_fields(&case.fields, rt);
        quote! {
            #rt::__private::ErrorCase {
                variant: #variant,
                display: #display,
                status: #status,
                when: #when,
                fields: #fields,
            }
        }
    });
    let placement = placement(&provider.placement, rt);
    let rejection = match &provider.rejected {
        Some(rejection) => {
            let statuses = &rejection.statuses;
            let when = option(rejection.when.as_ref().map(|c| test(c, rt)), rt);
            quote!(#rt::__private::Rejection { statuses: &[#(#statuses),*], test: #when })
        }
        None => quote!(#rt::__private::Rejection::UNAUTHORIZED),
    };
    let lifetime = match provider.expiry.lifetime {
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
        impl #rt::__private::Described for #name {
            const DESCRIPTION: &'static #rt::__private::Description = &#rt::__private::Description {
                vendor: #vendor,
                base: #base,
                settings: &[#(#settings),*],
                credentials: <#credentials as #rt::__private::DynamicCredentials>::TABLE,
                sent: &[#(#sent),*],
                login: #login,
                logout: #logout,
                keepalive: #keepalive,
                oauth2: #oauth2,
                success: #success,
                token: #token,
                expiry_field: #expiry_field,
                response_fields: #response_fields,
                errors: &[#(#errors),*],
                placement: #placement,
                rejection: #rejection,
                expiry: #lifetime #jwt,
            };
        }
    }
}

fn option(value: Option<TokenStream>, rt: &syn::Path) -> TokenStream {
    match value {
        Some(value) => quote!(#rt::__private::Option::Some(#value)),
        None => quote!(#rt::__private::Option::None),
    }
}

fn endpoint(endpoint: &Endpoint, rt: &syn::Path) -> TokenStream {
    let method = match endpoint.method {
        Method::Get => quote!(Get),
        Method::Post => quote!(Post),
        Method::Put => quote!(Put),
        Method::Delete => quote!(Delete),
        Method::Patch => quote!(Patch),
    };
    let format = match endpoint.format {
        WireFormat::Json => quote!(Json),
        WireFormat::Form => quote!(Form),
        WireFormat::Multipart => quote!(Multipart),
    };
    let path = &endpoint.path.template.value;
    let query = constants(&endpoint.query, rt);
    let constants = constants(&endpoint.constants, rt);
    let placement = option(endpoint.placement.as_ref().map(|p| placement(p, rt)), rt);
    quote! {
        #rt::__private::EndpointDescription {
            method: #rt::__private::Method::#method,
            path: #path,
            format: #rt::__private::WireFormat::#format,
            constants: #constants,
            query: #query,
            placement: #placement,
        }
    }
}

fn constants(constants: &[Constant], rt: &syn::Path) -> TokenStream {
    let items = constants.iter().map(|constant| {
        let path = path_literal(&constant.path);
        let value = const_value(&constant.value, rt);
        quote!(#rt::__private::Constant { path: #path, value: #value })
    });
    quote!(&[#(#items),*])
}

fn const_value(value: &ConstValue, rt: &syn::Path) -> TokenStream {
    match value {
        ConstValue::Str(s) => quote!(#rt::__private::ConstValue::Str(#s)),
        ConstValue::Int(n) => quote!(#rt::__private::ConstValue::Int(#n)),
        ConstValue::Float(n) => quote!(#rt::__private::ConstValue::Float(#n)),
        ConstValue::Bool(b) => quote!(#rt::__private::ConstValue::Bool(#b)),
        ConstValue::List(items) => {
            let items = items.iter().map(|item| const_value(item, rt));
            quote!(#rt::__private::ConstValue::List(&[#(#items),*]))
        }
        ConstValue::Object(fields) => {
            let fields = fields.iter().map(|(name, value)| {
                let value = const_value(value, rt);
                quote!((#name, #value))
            });
            quote!(#rt::__private::ConstValue::Object(&[#(#fields),*]))
        }
    }
}

fn answer_fields(fields: &[ResponseField], rt: &syn::Path) -> TokenStream {
    let items = fields.iter().map(|field| {
        let name = field.ident.to_string();
        let path = path_literal(&field.path.segments);
        let kind = match field.kind {
            ValueKind::Text => quote!(Text),
            ValueKind::FieldMessages => quote!(FieldMessages),
        };
        quote!(#rt::__private::AnswerField { name: #name, path: #path, kind: #rt::__private::AnswerKind::#kind })
    });
    quote!(&[#(#items),*])
}

/// A placement as the runtime's `Placement` (a constant expression).
fn placement(p: &Placement, rt: &syn::Path) -> TokenStream {
    let bearer = p.bearer;
    let text = |value: &Option<String>| option(value.as_ref().map(|v| quote!(#v)), rt);
    let (header, scheme, cookie) = (text(&p.header), text(&p.scheme), text(&p.cookie));
    let (query, body) = (text(&p.query), text(&p.body_field));
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

/// A spot as the runtime's `Spot`; header names are matched in lower case.
fn spot(spot: &Spot, rt: &syn::Path) -> TokenStream {
    match spot {
        Spot::Json(path) => {
            let path = path_literal(&path.segments);
            quote!(#rt::__private::Spot::Json(#path))
        }
        Spot::Header(name) => {
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

fn test(condition: &Condition, rt: &syn::Path) -> TokenStream {
    let spot = spot(&condition.spot, rt);
    let expected = match &condition.expected {
        Expected::Equals(text) => quote!(#rt::__private::Expected::Equals(#text)),
        Expected::Contains(text) => quote!(#rt::__private::Expected::Contains(#text)),
    };
    quote!(#rt::__private::AnswerTest { spot: #spot, expected: #expected })
}
