//! The one writer of a vendor's [`Description`]: the value `describe.rs` lowered the IR
//! into, written out as a constant expression of the runtime's types (`impl Described`,
//! and the credentials' rule table). It reads only the value, never the IR, so what is
//! written is what the command line hands the runtime at run time.
//!
//! Every struct is taken apart exhaustively: a field added to the description is a
//! compile error here until it is written.

use auth_description::{
    AnswerField, AnswerKind, AnswerTest, ApiBase, Binding, Check, Claim, Computed, ConstValue,
    Constant, CredentialTable, Description, Encoding, EndpointDescription, ErrorCase, Expected,
    ExpiryField, ExpiryFormat, ExpiryPolicy, FieldSpec, Function, Header, Jwt, JwtAlgorithm,
    Lifetime, Method, OAuth2Description, Placement, Rejection, Rule, RuleShape, Sent, SentIn, Spot,
    Step, TimeFormat, WireFormat,
};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// Writes description values as expressions naming the runtime at `rt`.
pub(crate) struct Writer {
    /// `<runtime>::__private`.
    p: TokenStream,
}

impl Writer {
    pub(crate) fn new(rt: &syn::Path) -> Self {
        Writer {
            p: quote!(#rt::__private),
        }
    }

    /// `impl Described for <provider>`, its credential table named through the
    /// credentials type's `DynamicCredentials::TABLE` (written by [`Writer::table`]).
    pub(crate) fn described(
        &self,
        description: &Description<'_>,
        provider: &Ident,
        credentials: &Ident,
    ) -> TokenStream {
        let p = &self.p;
        let Description {
            vendor,
            base,
            settings,
            credentials: _,
            sent,
            steps,
            computed,
            login,
            logout,
            keepalive,
            oauth2,
            success,
            token,
            expiry_field,
            response_fields,
            api_base,
            errors,
            placement,
            rejection,
            expiry,
        } = description;
        let sent = self.slice(sent, |s| self.sent(s));
        let steps = self.slice(steps, |s| self.step(s));
        let computed = self.slice(computed, |c| self.computed(c));
        let login = self.endpoint(login);
        let logout = self.option(logout, |e| self.endpoint(e));
        let keepalive = self.option(keepalive, |e| self.endpoint(e));
        let oauth2 = self.option(oauth2, |o| self.oauth2(o));
        let success = self.option(success, |t| self.test(t));
        let token = self.spot(token);
        let expiry_field = self.option(expiry_field, |f| self.expiry_field(f));
        let response_fields = self.slice(response_fields, |f| self.answer_field(f));
        let api_base = self.option(api_base, |b| self.api_base(b));
        let errors = self.slice(errors, |e| self.error_case(e));
        let placement = self.placement(placement);
        let rejection = self.rejection(rejection);
        let expiry = self.expiry(expiry);
        quote! {
            impl #p::Described for #provider {
                const DESCRIPTION: &'static #p::Description = &#p::Description {
                    vendor: #vendor,
                    base: #base,
                    settings: &[#(#settings),*],
                    credentials: <#credentials as #p::DynamicCredentials>::TABLE,
                    sent: #sent,
                    steps: #steps,
                    computed: #computed,
                    login: #login,
                    logout: #logout,
                    keepalive: #keepalive,
                    oauth2: #oauth2,
                    success: #success,
                    token: #token,
                    expiry_field: #expiry_field,
                    response_fields: #response_fields,
                    api_base: #api_base,
                    errors: #errors,
                    placement: #placement,
                    rejection: #rejection,
                    expiry: #expiry,
                };
            }
        }
    }

    /// The credentials' rule table, `CredentialTable::new(...)`.
    pub(crate) fn table(&self, table: &CredentialTable<'_>) -> TokenStream {
        let p = &self.p;
        let (vendor, prefix) = (table.vendor(), table.prefix());
        let fields = table.fields().iter().map(|f| self.field_spec(f));
        let rules = table.rules().iter().map(|r| self.rule(r));
        quote! {
            #p::CredentialTable::new(
                #vendor,
                #prefix,
                &[#(#fields),*],
                &[#(#rules),*],
            )
        }
    }

    fn field_spec(&self, field: &FieldSpec<'_>) -> TokenStream {
        let p = &self.p;
        let (name, wire) = (field.name(), field.wire());
        let (secret, optional) = (field.is_secret(), field.is_optional());
        let checks = field.checks().iter().map(|check| match check {
            Check::MaxLength(n) => quote!(#p::Check::MaxLength(#n)),
            Check::Length(n) => quote!(#p::Check::Length(#n)),
            Check::LowerHex => quote!(#p::Check::LowerHex),
            Check::Hex => quote!(#p::Check::Hex),
            Check::Digits => quote!(#p::Check::Digits),
        });
        quote!(#p::FieldSpec::new(#name, #wire, #secret, #optional, &[#(#checks),*]))
    }

    fn rule(&self, rule: &Rule<'_>) -> TokenStream {
        let p = &self.p;
        let text = rule.text();
        match rule.shape() {
            RuleShape::Once(f) => quote!(#p::Rule::once(#f, #text)),
            RuleShape::Exclusive(f, others) => {
                quote!(#p::Rule::exclusive(#f, &[#(#others),*], #text))
            }
            RuleShape::Mandatory(f) => quote!(#p::Rule::mandatory(#f, #text)),
            RuleShape::Requires(f, n) => quote!(#p::Rule::requires(#f, #n, #text)),
            RuleShape::OneOf(members) => quote!(#p::Rule::one_of(&[#(#members),*], #text)),
        }
    }

    fn option<T>(&self, value: &Option<T>, write: impl FnOnce(&T) -> TokenStream) -> TokenStream {
        let p = &self.p;
        match value {
            Some(value) => {
                let value = write(value);
                quote!(#p::Option::Some(#value))
            }
            None => quote!(#p::Option::None),
        }
    }

    fn slice<T>(&self, items: &[T], write: impl Fn(&T) -> TokenStream) -> TokenStream {
        let items = items.iter().map(write);
        quote!(&[#(#items),*])
    }

    fn sent(&self, sent: &Sent<'_>) -> TokenStream {
        let p = &self.p;
        let Sent { path, place } = sent;
        let place = match place {
            SentIn::Body => quote!(Body),
            SentIn::Query => quote!(Query),
            SentIn::BasicUser => quote!(BasicUser),
            SentIn::BasicPassword => quote!(BasicPassword),
            SentIn::Templates => quote!(Templates),
        };
        quote!(#p::Sent { path: &[#(#path),*], place: #p::SentIn::#place })
    }

    fn computed(&self, computed: &Computed<'_>) -> TokenStream {
        let p = &self.p;
        let Computed { name, function } = computed;
        let encoding = |encoding: &Encoding| match encoding {
            Encoding::Hex => quote!(#p::Encoding::Hex),
            Encoding::Base64 => quote!(#p::Encoding::Base64),
            Encoding::Base64Url => quote!(#p::Encoding::Base64Url),
        };
        let function = match function {
            Function::Sha256(input, output) => {
                let output = encoding(output);
                quote!(#p::Function::Sha256(#input, #output))
            }
            Function::Sha512(input, output) => {
                let output = encoding(output);
                quote!(#p::Function::Sha512(#input, #output))
            }
            Function::HmacSha256 {
                key,
                message,
                output,
            } => {
                let output = encoding(output);
                quote!(#p::Function::HmacSha256 { key: #key, message: #message, output: #output })
            }
            Function::Base64(input, output) => {
                let output = encoding(output);
                quote!(#p::Function::Base64(#input, #output))
            }
            Function::Concat(input) => quote!(#p::Function::Concat(#input)),
            Function::Now(format) => {
                let format = match format {
                    TimeFormat::UnixSeconds => quote!(UnixSeconds),
                    TimeFormat::UnixMillis => quote!(UnixMillis),
                    TimeFormat::Rfc3339 => quote!(Rfc3339),
                };
                quote!(#p::Function::Now(#p::TimeFormat::#format))
            }
            Function::Nonce(bytes, output) => {
                let output = encoding(output);
                quote!(#p::Function::Nonce(#bytes, #output))
            }
            Function::Uuid => quote!(#p::Function::Uuid),
            Function::Jwt(jwt) => {
                let Jwt {
                    algorithm,
                    key,
                    key_id,
                    claims,
                    lifetime_secs,
                    backdate_secs,
                } = jwt;
                let algorithm = match algorithm {
                    JwtAlgorithm::Rs256 => quote!(Rs256),
                    JwtAlgorithm::Es256 => quote!(Es256),
                    JwtAlgorithm::Hs256 => quote!(Hs256),
                };
                let key_id = match key_id {
                    Some(kid) => quote!(::core::option::Option::Some(#kid)),
                    None => quote!(::core::option::Option::None),
                };
                let claims = claims
                    .iter()
                    .map(|&Claim { name, value }| quote!(#p::Claim { name: #name, value: #value }));
                quote!(#p::Function::Jwt(#p::Jwt {
                    algorithm: #p::JwtAlgorithm::#algorithm,
                    key: #key,
                    key_id: #key_id,
                    claims: &[#(#claims),*],
                    lifetime_secs: #lifetime_secs,
                    backdate_secs: #backdate_secs,
                }))
            }
        };
        quote!(#p::Computed { name: #name, function: #function })
    }

    fn endpoint(&self, endpoint: &EndpointDescription<'_>) -> TokenStream {
        let p = &self.p;
        let EndpointDescription {
            method,
            path,
            format,
            constants,
            query,
            headers,
            placement,
        } = endpoint;
        let method = match method {
            Method::Get => quote!(Get),
            Method::Post => quote!(Post),
            Method::Put => quote!(Put),
            Method::Delete => quote!(Delete),
            Method::Patch => quote!(Patch),
        };
        let format = match format {
            WireFormat::Json => quote!(Json),
            WireFormat::Form => quote!(Form),
            WireFormat::Multipart => quote!(Multipart),
        };
        let constants = self.slice(constants, |c| self.constant(c));
        let query = self.slice(query, |c| self.constant(c));
        let headers = self.slice(headers, |h| {
            let Header { name, value } = h;
            quote!(#p::Header { name: #name, value: #value })
        });
        let placement = self.option(placement, |pl| self.placement(pl));
        quote! {
            #p::EndpointDescription {
                method: #p::Method::#method,
                path: #path,
                format: #p::WireFormat::#format,
                constants: #constants,
                query: #query,
                headers: #headers,
                placement: #placement,
            }
        }
    }

    fn step(&self, step: &Step<'_>) -> TokenStream {
        let p = &self.p;
        let Step {
            name,
            endpoint,
            success,
            bindings,
        } = step;
        let endpoint = self.endpoint(endpoint);
        let success = self.option(success, |t| self.test(t));
        let bindings = self.slice(bindings, |b| {
            let Binding { name, spot, secret } = b;
            let spot = self.spot(spot);
            quote!(#p::Binding { name: #name, spot: #spot, secret: #secret })
        });
        quote! {
            #p::Step {
                name: #name,
                endpoint: #endpoint,
                success: #success,
                bindings: #bindings,
            }
        }
    }

    fn constant(&self, constant: &Constant<'_>) -> TokenStream {
        let p = &self.p;
        let Constant { path, value } = constant;
        let value = self.const_value(value);
        quote!(#p::Constant { path: &[#(#path),*], value: #value })
    }

    fn const_value(&self, value: &ConstValue<'_>) -> TokenStream {
        let p = &self.p;
        match value {
            ConstValue::Str(s) => quote!(#p::ConstValue::Str(#s)),
            ConstValue::Int(n) => quote!(#p::ConstValue::Int(#n)),
            ConstValue::Float(n) => quote!(#p::ConstValue::Float(#n)),
            ConstValue::Bool(b) => quote!(#p::ConstValue::Bool(#b)),
            ConstValue::List(items) => {
                let items = items.iter().map(|item| self.const_value(item));
                quote!(#p::ConstValue::List(&[#(#items),*]))
            }
            ConstValue::Object(fields) => {
                let fields = fields.iter().map(|(name, value)| {
                    let value = self.const_value(value);
                    quote!((#name, #value))
                });
                quote!(#p::ConstValue::Object(&[#(#fields),*]))
            }
        }
    }

    fn oauth2(&self, oauth2: &OAuth2Description<'_>) -> TokenStream {
        let p = &self.p;
        let OAuth2Description {
            grant,
            revoke,
            dpop,
        } = oauth2;
        let revoke = self.option(revoke, |path| quote!(#path));
        quote!(#p::OAuth2Description { grant: #grant, revoke: #revoke, dpop: #dpop })
    }

    fn expiry_field(&self, field: &ExpiryField<'_>) -> TokenStream {
        let p = &self.p;
        let ExpiryField { spot, format } = field;
        let spot = self.spot(spot);
        let format = match format {
            ExpiryFormat::Seconds => quote!(Seconds),
            ExpiryFormat::Rfc3339 => quote!(Rfc3339),
            ExpiryFormat::UnixTime => quote!(UnixTime),
        };
        quote!(#p::ExpiryField { spot: #spot, format: #p::ExpiryFormat::#format })
    }

    fn api_base(&self, base: &ApiBase<'_>) -> TokenStream {
        let p = &self.p;
        let ApiBase { spot, hosts } = base;
        let spot = self.spot(spot);
        quote!(#p::ApiBase { spot: #spot, hosts: &[#(#hosts),*] })
    }

    fn answer_field(&self, field: &AnswerField<'_>) -> TokenStream {
        let p = &self.p;
        let AnswerField { name, path, kind } = field;
        let kind = match kind {
            AnswerKind::Text => quote!(Text),
            AnswerKind::FieldMessages => quote!(FieldMessages),
        };
        quote!(#p::AnswerField { name: #name, path: &[#(#path),*], kind: #p::AnswerKind::#kind })
    }

    fn error_case(&self, case: &ErrorCase<'_>) -> TokenStream {
        let p = &self.p;
        let ErrorCase {
            variant,
            display,
            step,
            status,
            when,
            fields,
        } = case;
        let step = self.option(step, |name| quote!(#name));
        let status = self.option(status, |s| quote!(#s));
        let when = self.option(when, |t| self.test(t));
        let fields = self.slice(fields, |f| self.answer_field(f));
        quote! {
            #p::ErrorCase {
                variant: #variant,
                display: #display,
                step: #step,
                status: #status,
                when: #when,
                fields: #fields,
            }
        }
    }

    /// A placement (a constant expression).
    pub(crate) fn placement(&self, placement: &Placement<'_>) -> TokenStream {
        let p = &self.p;
        let Placement {
            bearer,
            header,
            scheme,
            more_headers,
            cookie,
            query,
            body_field,
        } = placement;
        let text = |value: &Option<&str>| self.option(value, |v| quote!(#v));
        let (header, scheme, cookie) = (text(header), text(scheme), text(cookie));
        let (query, body) = (text(query), text(body_field));
        quote! {
            #p::Placement {
                bearer: #bearer,
                header: #header,
                scheme: #scheme,
                more_headers: &[#(#more_headers),*],
                cookie: #cookie,
                query: #query,
                body_field: #body,
            }
        }
    }

    fn rejection(&self, rejection: &Rejection<'_>) -> TokenStream {
        let p = &self.p;
        if *rejection == Rejection::UNAUTHORIZED {
            return quote!(#p::Rejection::UNAUTHORIZED);
        }
        let Rejection { statuses, test } = rejection;
        let test = self.option(test, |t| self.test(t));
        quote!(#p::Rejection { statuses: &[#(#statuses),*], test: #test })
    }

    /// A policy as its constructor writes it: the margin is always the runtime's default.
    fn expiry(&self, expiry: &ExpiryPolicy) -> TokenStream {
        let p = &self.p;
        let lifetime = match expiry.lifetime {
            Lifetime::Absolute(lifetime) => {
                let secs = lifetime.as_secs();
                quote!(#p::ExpiryPolicy::absolute(#p::Duration::from_secs(#secs)))
            }
            Lifetime::Idle(lifetime) => {
                let secs = lifetime.as_secs();
                quote!(#p::ExpiryPolicy::idle(#p::Duration::from_secs(#secs)))
            }
            Lifetime::Unknown => quote!(#p::ExpiryPolicy::unknown()),
        };
        let jwt = expiry.jwt_exp.then(|| quote!(.with_jwt_exp()));
        quote!(#lifetime #jwt)
    }

    /// A spot (header names already in lower case).
    fn spot(&self, spot: &Spot<'_>) -> TokenStream {
        let p = &self.p;
        match spot {
            Spot::Json(path) => quote!(#p::Spot::Json(&[#(#path),*])),
            Spot::Header(name) => quote!(#p::Spot::Header(#name)),
            Spot::Cookie(name) => quote!(#p::Spot::Cookie(#name)),
            Spot::Text => quote!(#p::Spot::Text),
        }
    }

    fn test(&self, test: &AnswerTest<'_>) -> TokenStream {
        let p = &self.p;
        let AnswerTest { spot, expected } = test;
        let spot = self.spot(spot);
        let expected = match expected {
            Expected::Equals(text) => quote!(#p::Expected::Equals(#text)),
            Expected::Contains(text) => quote!(#p::Expected::Contains(#text)),
        };
        quote!(#p::AnswerTest { spot: #spot, expected: #expected })
    }
}
