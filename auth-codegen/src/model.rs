//! The intermediate representation: one vendor's token endpoint, whatever it was
//! described with (attribute or spec file). The lowering produces it, the validation
//! (`validate.rs`) checks it, and the expanders read nothing else.

use proc_macro2::{Ident, Span};

/// One vendor's token endpoint.
#[derive(Debug, Clone)]
pub struct Provider {
    /// The provider type's name, e.g. `CrmCom`; generated items are named after it.
    pub ident: Ident,
    /// The provider type's visibility, applied to everything generated.
    pub vis: syn::Visibility,
    /// Doc comments of the provider type.
    pub docs: Vec<String>,
    /// The vendor's name as users know it, e.g. `CRM.COM`: used in every message.
    pub vendor: Spanned<String>,
    /// Path of the runtime crate in generated code (`::auth_runtime` unless overridden).
    pub runtime: syn::Path,
    /// The base URL template, e.g. `{server}` or `https://{account}.modulus.biz`.
    pub base: UrlTemplate,
    /// The requests sent before the login's token request, in order.
    pub steps: Vec<Step>,
    /// The values computed for the login's requests, in the order written.
    pub computed: Vec<Computed>,
    /// The login endpoint: the token request.
    pub login: Endpoint,
    /// The logout endpoint, where the vendor has one.
    pub logout: Option<Endpoint>,
    /// The endpoint that extends a token's life, where the vendor has one.
    pub keepalive: Option<Endpoint>,
    /// Where the token is in a successful login response.
    pub token: Spot,
    /// What marks a login response as successful besides a 2xx status.
    pub success: Option<Condition>,
    /// What marks an API response as a rejection of the token, when not HTTP 401 alone
    /// (CRM.COM answers 200 with a non-OK `status.code`).
    pub rejected: Option<Rejection>,
    /// Where the token goes on API requests.
    pub placement: Placement,
    /// How long a token lives.
    pub expiry: Expiry,
    /// The credential fields, in declaration order.
    pub fields: Vec<Field>,
    /// Rules over the credential fields.
    pub rules: Vec<Rule>,
    /// Other fields of a successful login response, kept on the typed response.
    pub response_fields: Vec<ResponseField>,
    /// Where a successful login answer names the API's base, and the hosts it may name.
    pub api_base: Option<ApiBase>,
    /// The documented login failures, tried in order.
    pub errors: Vec<ErrorCase>,
    /// The OAuth 2.0 grant and revocation endpoint, when the login is an OAuth 2.0
    /// token request.
    pub oauth2: Option<OAuth2>,
}

/// Where a login answer names the base URL of later API calls, and the hosts it may be
/// on (each checked by `auth_description::host_pattern_problem` as it is lowered).
#[derive(Debug, Clone)]
pub struct ApiBase {
    /// Where the base URL is in the answer.
    pub spot: Spot,
    /// The host patterns, as written.
    pub hosts: Vec<Spanned<String>>,
}

/// An OAuth 2.0 token endpoint (RFC 6749), and its revocation endpoint (RFC 7009).
#[derive(Debug, Clone)]
pub struct OAuth2 {
    /// The grant the token endpoint is asked for.
    pub grant: Grant,
    /// How the client authenticates there.
    pub client_auth: ClientAuth,
    /// Tokens bound to the session's key by DPoP (RFC 9449).
    pub dpop: bool,
    /// Where `oauth2` was written.
    pub span: Location,
    /// The path of the revocation endpoint, appended to the base URL, when the server
    /// has one: the logout revokes the tokens there.
    pub revoke: Option<UrlTemplate>,
}

/// An OAuth 2.0 grant (RFC 6749) a token endpoint is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `password`: the resource owner's `username` and `password`.
    Password,
    /// `client_credentials`: the client's own.
    ClientCredentials,
    /// The JWT-bearer grant (RFC 7523 section 2.1): a signed JWT as the `assertion`.
    JwtBearer,
}

impl Grant {
    /// Its `grant_type`.
    pub fn grant_type(self) -> &'static str {
        match self {
            Grant::Password => "password",
            Grant::ClientCredentials => "client_credentials",
            Grant::JwtBearer => "urn:ietf:params:oauth:grant-type:jwt-bearer",
        }
    }

    /// The word `grant = "..."` writes it with.
    pub fn word(self) -> &'static str {
        match self {
            Grant::Password => "password",
            Grant::ClientCredentials => "client_credentials",
            Grant::JwtBearer => "jwt-bearer",
        }
    }

    /// Every grant, in the order messages list them.
    pub const ALL: [Grant; 3] = [Grant::Password, Grant::ClientCredentials, Grant::JwtBearer];
}

/// How an OAuth 2.0 client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// With its secret: HTTP Basic fields, or `client_id` (and `client_secret`) fields;
    /// none at all for the JWT-bearer grant, whose assertion says who the client is.
    Secret,
    /// With a JWT it signs (RFC 7523 section 2.2; OpenID Connect's `private_key_jwt`):
    /// `client_assertion_type` and a computed `client_assertion`.
    PrivateKeyJwt,
}

/// `client_assertion_type` of RFC 7523 section 2.2.
pub const JWT_CLIENT_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Where something was written, for diagnostics: a span of Rust source (the attribute
/// and its struct) or a byte range of a spec file. Validation reports problems at these,
/// whichever source the IR came from.
#[derive(Debug, Clone, Copy)]
pub enum Location {
    /// In Rust source.
    Rust(Span),
    /// In a spec file: the byte range `start..end` of its text.
    Spec {
        /// First byte.
        start: usize,
        /// One past the last byte.
        end: usize,
    },
}

impl From<Span> for Location {
    fn from(span: Span) -> Self {
        Location::Rust(span)
    }
}

impl From<std::ops::Range<usize>> for Location {
    fn from(range: std::ops::Range<usize>) -> Self {
        Location::Spec {
            start: range.start,
            end: range.end,
        }
    }
}

/// A value with the place it was written, for diagnostics.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Location,
}

impl Spanned<Ident> {
    /// A name written at `ident`'s own span.
    pub fn ident(ident: Ident) -> Self {
        let span = ident.span().into();
        Spanned { value: ident, span }
    }
}

/// A URL template with `{name}` placeholders.
#[derive(Debug, Clone)]
pub struct UrlTemplate {
    /// The template text.
    pub template: Spanned<String>,
    /// The placeholder names, in order of appearance, each once.
    pub placeholders: Vec<String>,
}

/// HTTP methods and body encodings: the description's own, nothing to map.
pub use auth_description::{Method, WireFormat};

/// An endpoint relative to the base URL.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// HTTP method.
    pub method: Method,
    /// Constants of the body, at their (dotted) paths, in the order written.
    pub constants: Vec<Constant>,
    /// Constants of the query string.
    pub query: Vec<Constant>,
    /// Headers the request carries, in the order written.
    pub headers: Vec<Header>,
    /// Where the token goes on this request, when not where API calls carry it.
    pub placement: Option<Placement>,
    /// Path appended to the base URL, e.g. `/crmapi/rest/v2/authentication/token`: a
    /// template (validation checks what its `{name}`s name).
    pub path: Spanned<String>,
    /// Body encoding.
    pub format: WireFormat,
}

/// A header a request carries: `X-CSRF-Token: {csrf}`.
#[derive(Debug, Clone)]
pub struct Header {
    /// Its name, as written.
    pub name: Spanned<String>,
    /// Its value: a template.
    pub value: Spanned<String>,
}

/// A request of a login before its token request.
#[derive(Debug, Clone)]
pub struct Step {
    /// Its name, as messages and an error's `step` name it.
    pub name: Spanned<String>,
    /// The request.
    pub endpoint: Endpoint,
    /// What marks its answer successful besides a 2xx status.
    pub success: Option<Condition>,
    /// The values read from its answer, each under a name.
    pub bindings: Vec<Binding>,
}

/// A value a step reads from its answer, for the requests after it.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The name templates use.
    pub name: Spanned<String>,
    /// Where it is in the answer.
    pub spot: Spot,
    /// Shown as it is; a bound value is a secret unless written public.
    pub public: bool,
}

/// A value computed for the login's requests, under a name their templates use.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The name templates use.
    pub name: Spanned<String>,
    /// What it is computed with.
    pub function: Function,
}

/// How the bytes of a computed value are written, and how the time is: the
/// description's own.
pub use auth_description::{Encoding, JwtAlgorithm, TimeFormat};

/// What a computed value is computed with; each input a template.
#[derive(Debug, Clone)]
pub enum Function {
    /// SHA-256 of the template's text.
    Sha256(Spanned<String>, Encoding),
    /// SHA-512 of the template's text.
    Sha512(Spanned<String>, Encoding),
    /// HMAC-SHA-256 of `message` under `key`.
    HmacSha256 {
        /// The key's template.
        key: Spanned<String>,
        /// The message's template.
        message: Spanned<String>,
        /// How the MAC is written.
        output: Encoding,
    },
    /// The template's text in base64 or base64url.
    Base64(Spanned<String>, Encoding),
    /// The template's text.
    Concat(Spanned<String>),
    /// The current time.
    Now(TimeFormat),
    /// Random bytes, this many.
    Nonce(u8, Encoding),
    /// A random UUID, version 4.
    Uuid,
    /// A signed JWT.
    Jwt(Box<Jwt>),
}

/// A JWT the login signs: the algorithm, the key's and `kid`'s templates, the claims'
/// templates (`iat`, `exp` and `jti` are added), the lifetime.
#[derive(Debug, Clone)]
pub struct Jwt {
    /// How it is signed.
    pub algorithm: JwtAlgorithm,
    /// The key's template.
    pub key: Spanned<String>,
    /// The header's `kid`, a template.
    pub key_id: Option<Spanned<String>>,
    /// Each claim's name and template, in the order written.
    pub claims: Vec<(String, Spanned<String>)>,
    /// Seconds from `iat` to `exp`.
    pub lifetime_secs: u32,
    /// Seconds `iat` is before the current time.
    pub backdate_secs: u32,
}

impl Function {
    /// The templates it reads, in order.
    pub fn inputs(&self) -> Vec<&Spanned<String>> {
        match self {
            Function::Sha256(input, _)
            | Function::Sha512(input, _)
            | Function::Base64(input, _)
            | Function::Concat(input) => vec![input],
            Function::HmacSha256 { key, message, .. } => vec![key, message],
            Function::Now(_) | Function::Nonce(..) | Function::Uuid => Vec::new(),
            Function::Jwt(jwt) => std::iter::once(&jwt.key)
                .chain(&jwt.key_id)
                .chain(jwt.claims.iter().map(|(_, value)| value))
                .collect(),
        }
    }
}

/// The `{name}`s of a template, each once, in order; none when it does not parse
/// (the lowering reported that).
pub fn template_names(template: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for piece in auth_description::pieces(template).unwrap_or_default() {
        if let auth_description::Piece::Name(name) = piece
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// A template of a request, as [`Endpoint::templates`] lists them.
#[derive(Debug, Clone, Copy)]
pub struct TemplateAt<'e> {
    /// Its text.
    pub text: &'e str,
    /// Where it was written.
    pub span: Location,
    /// Inside a list constant, where no secret may go (the JSON value would show it).
    pub in_list: bool,
    /// The request's path.
    pub in_path: bool,
}

impl Endpoint {
    /// Every template of the request: its path, its headers' values, its string
    /// constants of the body and the query (those in lists too), in that order.
    pub fn templates(&self) -> Vec<TemplateAt<'_>> {
        fn strings<'e>(
            value: &'e ConstValue,
            span: Location,
            in_list: bool,
            out: &mut Vec<TemplateAt<'e>>,
        ) {
            match value {
                ConstValue::Str(text) => out.push(TemplateAt {
                    text,
                    span,
                    in_list,
                    in_path: false,
                }),
                ConstValue::List(items) => {
                    for item in items {
                        strings(item, span, true, out);
                    }
                }
                ConstValue::Object(fields) => {
                    for (_, value) in fields {
                        strings(value, span, in_list, out);
                    }
                }
                ConstValue::Int(_) | ConstValue::Float(_) | ConstValue::Bool(_) => {}
            }
        }
        let mut out = vec![TemplateAt {
            text: &self.path.value,
            span: self.path.span,
            in_list: false,
            in_path: true,
        }];
        out.extend(self.headers.iter().map(|header| TemplateAt {
            text: &header.value.value,
            span: header.value.span,
            in_list: false,
            in_path: false,
        }));
        for constant in self.constants.iter().chain(&self.query) {
            strings(&constant.value, constant.span, false, &mut out);
        }
        out
    }
}

/// A constant the description sends: `grant_type = "password"`, `scope = ["a", "b"]`.
#[derive(Debug, Clone)]
pub struct Constant {
    /// Its wire name, split at the nesting: `auth.identity.methods` is three.
    pub path: Vec<String>,
    /// Its value.
    pub value: ConstValue,
    /// Where it was written.
    pub span: Location,
}

/// A constant's value, of any JSON type.
#[derive(Debug, Clone, PartialEq)]
pub enum ConstValue {
    /// A string.
    Str(String),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A list.
    List(Vec<ConstValue>),
    /// An object inside a list.
    Object(Vec<(String, ConstValue)>),
}

/// A dotted path into a JSON document, e.g. `data.token`.
#[derive(Debug, Clone)]
pub struct JsonPath {
    /// The segments.
    pub segments: Vec<String>,
    /// Where it was written.
    pub span: Location,
}

impl JsonPath {
    /// The path as written.
    pub fn dotted(&self) -> String {
        self.segments.join(".")
    }
}

/// Where a value is in a vendor's answer.
#[derive(Debug, Clone)]
pub enum Spot {
    /// At a dotted path of a JSON body.
    Json(JsonPath),
    /// In a response header.
    Header(Spanned<String>),
    /// The value of a cookie the answer sets.
    Cookie(Spanned<String>),
    /// The whole body as text.
    Text(Location),
}

impl Spot {
    /// The spot in words, for messages and docs: `` `data.token` ``, `` the `X-Auth`
    /// header ``, `` the `sid` cookie ``, `the body`.
    pub fn shown(&self) -> String {
        match self {
            Spot::Json(path) => format!("`{}`", path.dotted()),
            Spot::Header(name) => format!("the `{}` header", name.value),
            Spot::Cookie(name) => format!("the `{}` cookie", name.value),
            Spot::Text(_) => "the body".to_owned(),
        }
    }

    /// Where it was written.
    pub fn span(&self) -> Location {
        match self {
            Spot::Json(path) => path.span,
            Spot::Header(name) | Spot::Cookie(name) => name.span,
            Spot::Text(span) => *span,
        }
    }
}

/// What the value at a spot must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Exactly this text.
    Equals(String),
    /// Text containing this.
    Contains(String),
}

/// A test on an answer: the value at `spot` is as `expected`.
#[derive(Debug, Clone)]
pub struct Condition {
    /// Where to look.
    pub spot: Spot,
    /// What it must be.
    pub expected: Expected,
}

impl Condition {
    /// The condition in words: `` `status.code` is `OK` ``.
    pub fn describe(&self) -> String {
        match &self.expected {
            Expected::Equals(text) => format!("{} is `{text}`", self.spot.shown()),
            Expected::Contains(text) => format!("{} contains `{text}`", self.spot.shown()),
        }
    }
}

/// How an API answer says the token was rejected.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// The statuses that mean it (`[401]` unless written).
    pub statuses: Vec<u16>,
    /// A test on the answer that means it too.
    pub when: Option<Condition>,
}

/// Where the token goes on API requests.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// `Authorization: Bearer`.
    pub bearer: bool,
    /// A custom header.
    pub header: Option<String>,
    /// A word before the token in `header` (`Token`, `Basic`...).
    pub scheme: Option<String>,
    /// Further headers holding the token (`header = ["A", "B"]`: all but the first).
    pub more_headers: Vec<String>,
    /// A cookie.
    pub cookie: Option<String>,
    /// A query parameter (on requests without a JSON body, when a body field is also set).
    pub query: Option<String>,
    /// A field of the JSON request body.
    pub body_field: Option<String>,
    /// Where `apply(...)` was written.
    pub span: Option<Location>,
    /// A key of `apply(...)` was written with a value refused (and reported): the
    /// validation does not add that the token goes nowhere.
    pub refused: bool,
}

/// A token's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Seconds after issue.
    Absolute(u64),
    /// Seconds after the last use.
    Idle(u64),
    /// Until rejected.
    Unknown,
}

/// The expiry policy.
#[derive(Debug, Clone)]
pub struct Expiry {
    /// The documented lifetime.
    pub lifetime: Lifetime,
    /// Whether a JWT token's `exp` claim overrides it.
    pub jwt_exp: bool,
    /// A field of the login response stating the expiry, overriding the lifetime.
    pub field: Option<ExpiryField>,
}

/// Where and how a login response states its token's expiry.
#[derive(Debug, Clone)]
pub struct ExpiryField {
    /// Where it is; for a cookie, its `Max-Age` or `Expires` says it.
    pub spot: Spot,
    /// How it is written (not used for a cookie).
    pub format: ExpiryFormat,
}

/// How a response states an expiry: the description's own.
pub use auth_description::ExpiryFormat;

/// The names of the expiry formats in descriptions (`iso8601` is also read as RFC 3339).
pub const EXPIRY_FORMATS: &[&str] = &["seconds", "rfc3339", "unix"];

/// The expiry format named `name`.
pub fn expiry_format(name: &str) -> Option<ExpiryFormat> {
    match name {
        "seconds" => Some(ExpiryFormat::Seconds),
        "rfc3339" | "iso8601" => Some(ExpiryFormat::Rfc3339),
        "unix" => Some(ExpiryFormat::UnixTime),
        _ => None,
    }
}

/// Which part of HTTP Basic credentials a field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasicPart {
    /// The user name.
    User,
    /// The password.
    Password,
}

/// A credential field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust name.
    pub ident: Ident,
    /// Where the field was declared.
    pub span: Location,
    /// The name on the wire, split at dots (`access_token_identifier.identifier`).
    pub wire: Vec<String>,
    /// Where the wire name was written (the field itself when not renamed).
    pub wire_span: Location,
    /// Stored as a secret: redacted in `Debug`, zeroized on drop. Marked so, or named
    /// like a secret ([`crate::is_secret_name`]) and not marked public.
    pub secret: bool,
    /// `Option<String>`: not always given.
    pub optional: bool,
    /// Doc comments.
    pub docs: Vec<String>,
    /// Checks on the value, made when it is given to the builder.
    pub checks: Vec<Check>,
    /// Sent as part of HTTP Basic credentials instead of in the body.
    pub basic: Option<BasicPart>,
    /// Sent in the query string instead of the body.
    pub in_query: bool,
}

/// A check on a credential value (Currencycloud: `login_id` at most 255 characters,
/// `api_key` 64 lowercase hexadecimal characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// At most this many characters.
    MaxLength(usize),
    /// Exactly this many characters.
    Length(usize),
    /// Only characters of this set.
    Charset(Charset),
}

/// Character sets a credential may be restricted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// `0-9a-f`
    LowerHex,
    /// `0-9a-fA-F`
    Hex,
    /// `0-9`
    Digits,
}

impl Charset {
    /// The name used in descriptions.
    pub const NAMES: &'static [&'static str] = &["lower_hex", "hex", "digits"];

    /// The charset named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "lower_hex" => Some(Charset::LowerHex),
            "hex" => Some(Charset::Hex),
            "digits" => Some(Charset::Digits),
            _ => None,
        }
    }
}

impl Field {
    /// The wire name as written.
    pub fn wire_name(&self) -> String {
        self.wire.join(".")
    }
}

/// A rule over credential fields.
#[derive(Debug, Clone)]
pub enum Rule {
    /// When `field` is set, `needs` must be set too.
    Requires {
        /// The field that brings the requirement.
        field: Spanned<Ident>,
        /// The field it requires.
        needs: Spanned<Ident>,
    },
    /// Exactly one group of alternatives is given (partly given groups are caught by
    /// the `Requires` rules that validation derives from each group).
    OneOf {
        /// The alternatives, each a group of fields given together.
        groups: Vec<Vec<Spanned<Ident>>>,
        /// Where the rule was written.
        span: Location,
    },
}

/// A field read from a login response.
#[derive(Debug, Clone)]
pub struct ResponseField {
    /// The Rust name on the typed response or error variant.
    pub ident: Ident,
    /// Where the name was written.
    pub span: Location,
    /// Where it is in the response.
    pub path: JsonPath,
    /// What it is read as.
    pub kind: ValueKind,
}

/// What a response field is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Text (`Option<String>`): strings, numbers and booleans, absent/null/empty as `None`.
    Text,
    /// Per-field messages (`FieldMessages`), e.g. Currencycloud's `error_messages`.
    FieldMessages,
}

/// A documented login failure: becomes a variant of the vendor's error enum.
#[derive(Debug, Clone)]
pub struct ErrorCase {
    /// The variant name.
    pub variant: Ident,
    /// Where the variant name was written.
    pub span: Location,
    /// Doc comment (or a default).
    pub docs: Vec<String>,
    /// The message shown by `Display`, before the fields.
    pub display: Option<String>,
    /// The step whose answer it is (its name), when not the token request's.
    pub step: Option<Spanned<String>>,
    /// Matches only this HTTP status.
    pub status: Option<u16>,
    /// Matches only when this holds.
    pub when: Option<Condition>,
    /// Fields read from the body into the variant.
    pub fields: Vec<ResponseField>,
}

impl ErrorCase {
    /// The message its `Display` starts with: the written one, or "`<vendor>` refused
    /// the login".
    pub fn message(&self, vendor: &str) -> String {
        self.display
            .clone()
            .unwrap_or_else(|| format!("{vendor} refused the login"))
    }
}

/// One "when `field` is set, `needs` must be set" requirement of the builder.
#[derive(Debug, Clone)]
pub struct Requirement {
    /// The field that brings the requirement.
    pub field: Ident,
    /// The field it requires.
    pub needs: Ident,
}

impl Provider {
    /// Every requirement of the builder: the `requires` rules, and the members of each
    /// `one_of` alternative requiring each other (an alternative is given whole), each
    /// pair once.
    pub fn requirements(&self) -> Vec<Requirement> {
        let mut out: Vec<Requirement> = Vec::new();
        let mut push = |field: &Ident, needs: &Ident| {
            if field != needs && !out.iter().any(|r| r.field == *field && r.needs == *needs) {
                out.push(Requirement {
                    field: field.clone(),
                    needs: needs.clone(),
                });
            }
        };
        for rule in &self.rules {
            match rule {
                Rule::Requires { field, needs } => push(&field.value, &needs.value),
                Rule::OneOf { groups, .. } => {
                    for group in groups {
                        for field in group {
                            for needs in group {
                                push(&field.value, &needs.value);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The index of the credential field named `ident`.
    pub fn field_index(&self, ident: &Ident) -> Option<usize> {
        self.fields.iter().position(|f| f.ident == *ident)
    }
}
