//! The grammar's one table of keys.
//!
//! Every key a description may use is a row here: where it may appear, in which
//! sources, the shape of its value, whether it is required, how it is written in each
//! source and what it means. The lowering looks keys up here (unknown keys, keys in the
//! wrong source, values of the wrong shape and missing keys are all reported from these
//! rows), and so do the "did you mean" suggestions, the key lists in errors, `authgen
//! keys` and the schema in `specs/README.md` (a test keeps that file equal to
//! [`reference`]). To add a key: add its row, then its arm in its context's file of
//! `lower/`.

use std::fmt::Write as _;

/// Where a key may be written: the top level, or inside one of the nested tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// The description itself.
    Top,
    /// `login`, `logout`, `keepalive`.
    Endpoint,
    /// Where a value is in an answer: `token`, and within conditions.
    Spot,
    /// `success`, and the condition of `rejected` and `error`, written inline.
    Condition,
    /// `rejected`.
    Rejection,
    /// `apply`.
    Apply,
    /// `expiry`.
    Expiry,
    /// One credential field.
    Field,
    /// One documented login failure, with its condition inline.
    Error,
    /// The kind of an error field other than text: `field_messages`.
    ErrorFieldKind,
    /// `oauth2`.
    OAuth2,
    /// One step of a login before its token request, with the keys of an endpoint.
    Step,
    /// A value a step binds, written as a table: where it is, and whether it is public.
    Binding,
    /// `api_base`: where the login's answer names the API's base, and the hosts it may
    /// name.
    ApiBase,
    /// A value of `computed`: its one function, and how its bytes are written.
    Computed,
}

impl Context {
    /// The key a value written without one stands for in the attribute, in first place:
    /// `error(Rejected, ...)` is `name = "Rejected"`.
    pub(crate) fn positional(self) -> Option<&'static str> {
        match self {
            Context::Error | Context::Step => Some("name"),
            _ => None,
        }
    }

    /// The contexts whose keys this one accepts too.
    pub(crate) fn includes(self) -> &'static [Context] {
        match self {
            Context::Condition => &[Context::Spot],
            Context::Rejection | Context::Error => &[Context::Condition, Context::Spot],
            Context::Step => &[Context::Endpoint],
            Context::Binding | Context::ApiBase => &[Context::Spot],
            _ => &[],
        }
    }

    /// Every context, in the order the reference lists them.
    pub(crate) const ALL: &'static [Context] = &[
        Context::Top,
        Context::Endpoint,
        Context::Spot,
        Context::Condition,
        Context::Rejection,
        Context::Apply,
        Context::Expiry,
        Context::Field,
        Context::Error,
        Context::ErrorFieldKind,
        Context::OAuth2,
        Context::Step,
        Context::Binding,
        Context::ApiBase,
        Context::Computed,
    ];

    /// The reference's heading for this context.
    fn heading(self) -> &'static str {
        match self {
            Context::Top => "Top level",
            Context::Endpoint => "`login`, `logout`, `keepalive` (and a `step`)",
            Context::Spot => "`token` (and the keys saying where to look in a condition)",
            Context::Condition => {
                "`success` (and a condition in `rejected` and `error`, with one key of `token`'s table)"
            }
            Context::Rejection => "`rejected` (with the keys of a condition)",
            Context::Apply => "`apply`",
            Context::Expiry => "`expiry`",
            Context::Field => "`[fields.NAME]` (in the attribute: `#[auth(...)]` on the field)",
            Context::Error => {
                "`[[error]]` (in the attribute: `error(Name, ...)`; with the keys of a condition)"
            }
            Context::ErrorFieldKind => "an error field's kind",
            Context::OAuth2 => "`oauth2`",
            Context::Step => {
                "`[[step]]` (in the attribute: `step(name, ...)`; with the keys of an endpoint)"
            }
            Context::Binding => {
                "a value of a step's `bind` written as a table (with the keys of `token`'s table)"
            }
            Context::ApiBase => "`api_base` (with the keys of `token`'s table)",
            Context::Computed => {
                "a value of `computed` (in the attribute: `computed(NAME(...))`; in a spec: `[computed.NAME]`): one function"
            }
        }
    }
}

/// Which sources accept a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sources {
    /// The attribute and spec files alike.
    Both,
    /// Only `#[auth_provider(...)]`.
    Attribute,
    /// Only spec files; in the attribute the struct says it.
    Spec,
}

/// The shape of a key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A string.
    Text,
    /// A whole number.
    Number,
    /// `true` or `false`; a bare word in the attribute means `true`.
    Flag,
    /// A Rust name: a string, or a bare word in the attribute.
    Name,
    /// A string, a boolean or a whole number, compared as text.
    Scalar,
    /// A string, or a list of strings (one per line).
    Doc,
    /// A table of this grammar's keys.
    Table(Context),
    /// A dotted JSON path (a string), or a table of this grammar's keys.
    PathOr(Context),
    /// An HTTP status, or a list of them.
    Statuses,
    /// A table of names the user chooses, each with a value.
    Map,
    /// Alternatives, each a list of names.
    Alternatives,
    /// A table of constants: any value, nested tables for nested objects.
    Constants,
    /// One table, or a list of tables; may be written more than once in the attribute.
    Cases(Context),
}

impl Shape {
    /// "a string", "`true` or `false`", ... for messages and the reference.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Shape::Text => "a string",
            Shape::Number => "a whole number",
            Shape::Flag => "`true` or `false`",
            Shape::Name => "a Rust name",
            Shape::Scalar => "a string, a boolean or a whole number",
            Shape::Doc => "a string or a list of strings",
            Shape::Table(_) => "a table",
            Shape::PathOr(_) => "a dotted JSON path, or a table",
            Shape::Statuses => "an HTTP status, or a list of them",
            Shape::Map => "a table of names",
            Shape::Alternatives => "a list of alternatives, each a list of field names",
            Shape::Constants => "a table of constants",
            Shape::Cases(_) => "a table, or a list of tables",
        }
    }
}

/// One key of the grammar.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    /// Where it is written.
    pub(crate) context: Context,
    /// Its name.
    pub(crate) name: &'static str,
    /// Which sources accept it.
    pub(crate) sources: Sources,
    /// Its value's shape.
    pub(crate) shape: Shape,
    /// Whether a description without it is refused.
    pub(crate) required: bool,
    /// A key of the same table that stands in for this one when written (`oauth2` says
    /// where the token is and where it goes).
    pub(crate) unless: Option<&'static str>,
    /// How it is written in the attribute (or what says it there).
    pub(crate) attribute: &'static str,
    /// How it is written in a spec file (or what says it there).
    pub(crate) spec: &'static str,
    /// What it means, in one line.
    pub(crate) doc: &'static str,
    /// What its value must be, where the shape alone does not say it.
    pub(crate) expects: Option<&'static str>,
}

const fn key(
    context: Context,
    name: &'static str,
    shape: Shape,
    attribute: &'static str,
    spec: &'static str,
    doc: &'static str,
) -> Key {
    Key {
        context,
        name,
        sources: Sources::Both,
        shape,
        required: false,
        unless: None,
        attribute,
        spec,
        doc,
        expects: None,
    }
}

impl Key {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn unless(mut self, key: &'static str) -> Self {
        self.unless = Some(key);
        self
    }

    const fn expects(mut self, expects: &'static str) -> Self {
        self.expects = Some(expects);
        self
    }

    /// What the value must be, in words: "a string", "an HTTP status code, ...".
    pub(crate) fn expected(&self) -> &'static str {
        self.expects.unwrap_or(self.shape.describe())
    }

    /// Whether the key may be written more than once (the attribute repeats a key where
    /// a spec writes a list).
    pub(crate) fn repeatable(&self) -> bool {
        matches!(
            self.shape,
            Shape::Cases(_) | Shape::Alternatives | Shape::Doc
        )
    }

    const fn only(mut self, sources: Sources) -> Self {
        self.sources = sources;
        self
    }

    /// Whether `source` accepts this key.
    pub(crate) fn accepted_in(&self, source: Source) -> bool {
        matches!(
            (self.sources, source),
            (Sources::Both, _)
                | (Sources::Attribute, Source::Attribute)
                | (Sources::Spec, Source::Spec)
        )
    }

    /// How the key is written in `source`, as an example for messages.
    pub(crate) fn example(&self, source: Source) -> &'static str {
        match source {
            Source::Attribute => self.attribute,
            Source::Spec => self.spec,
        }
    }
}

/// The two ways of describing a vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// `#[auth_provider(...)]` on a struct.
    Attribute,
    /// A TOML spec file (read only with the `spec` feature).
    #[cfg_attr(not(feature = "spec"), allow(dead_code))]
    Spec,
}

use Context::*;
use Shape::*;

/// Every key, grouped by context, in the order the reference lists them.
#[rustfmt::skip]
pub(crate) const KEYS: &[Key] = &[
    // The top level.
    key(Top, "name", Name, "the struct's name", "name = \"CrmCom\"",
        "the provider type; generated items are named after it (`CrmComCredentials`, `CrmComError`, ...)")
        .required()
        .only(Sources::Spec),
    key(Top, "doc", Doc, "the struct's `///` comments", "doc = \"A CRM.COM server.\"",
        "the provider type's documentation; each line becomes one `///` line")
        .only(Sources::Spec),
    key(Top, "visibility", Text, "the struct's visibility", "visibility = \"pub(crate)\"",
        "the visibility of everything generated: `pub` (default), `pub(crate)`, ...")
        .only(Sources::Spec),
    key(Top, "vendor", Text, "vendor = \"CRM.COM\"", "vendor = \"CRM.COM\"",
        "the vendor's name as users know it; used in every message")
        .required(),
    key(Top, "crate", Text, "crate = \"::my_crate::auth\"",
        "`Builder::runtime_crate` in build.rs, or `crate = \"...\"` beside `spec = \"...\"` in the attribute",
        "the path of `auth-runtime` in generated code, when it is re-exported under another name")
        .only(Sources::Attribute),
    key(Top, "spec", Text, "spec = \"specs/crmcom.toml\"", "—",
        "the vendor is described in this spec file (relative to the crate's `Cargo.toml`); only `crate` may be given beside it")
        .only(Sources::Attribute),
    key(Top, "base", Text, "base = \"{server}\"", "base = \"{server}\"",
        "URL template of the vendor's API; each `{name}` becomes an argument of `Provider::new(name)`")
        .required(),
    key(Top, "login", Table(Endpoint),
        "login(path = \"/api/authenticate\", format = \"json\")",
        "login = { path = \"/api/authenticate\", format = \"json\" }",
        "the login endpoint")
        .required(),
    key(Top, "logout", Table(Endpoint), "logout(path = \"/api/logout\")", "logout = { path = \"/api/logout\" }",
        "the logout endpoint; omit it when the vendor has none"),
    key(Top, "keepalive", Table(Endpoint), "keepalive(path = \"/api/ping\")", "keepalive = { path = \"/api/ping\" }",
        "the call that extends a token's life (`Session::keep_alive`); the token is applied to it"),
    key(Top, "step", Cases(Step),
        "step(csrf, method = \"GET\", path = \"/csrf\", bind(csrf = \"csrf\"))",
        "[[step]]",
        "a request sent before the login's token request, in the order written: its answer is tested (`success`) and read into named values (`bind`) that the later requests' templates name (`{csrf}`); every attempt to log in starts again from the first step"),
    key(Top, "computed", Map,
        "computed(digest(sha256 = \"{nonce}{password}\"), ts(now = \"unix\"))",
        "[computed.digest] sha256 = \"{nonce}{password}\"",
        "values computed for the login's requests, each under a name their templates use (`{digest}`), with one function of its table: computed once per login attempt, when a request first names it (two requests naming it send the same value; the next attempt computes afresh); secret when any value its templates name is one"),
    key(Top, "token", PathOr(Spot), "token = \"data.token\"", "token = \"data.token\"",
        "where the token is in a successful login response: a dotted JSON path (`\".\"` when the whole body is the token as a JSON string), or `token(header = \"X-Subject-Token\")`, `token(cookie = \"sid\")`, `token(text)`")
        .required()
        .unless("oauth2"),
    key(Top, "success", Table(Condition),
        "success(path = \"status.code\", equals = \"OK\")",
        "success = { path = \"status.code\", equals = \"OK\" }",
        "besides a 2xx status, what marks a login successful"),
    key(Top, "rejected", Table(Rejection),
        "rejected(path = \"status.code\", equals = \"INVALID_TOKEN\")",
        "rejected = { path = \"status.code\", equals = \"INVALID_TOKEN\" }",
        "how an API answer says the token was rejected, when not HTTP 401 alone (the session then logs in again once and replays the call)"),
    key(Top, "apply", Table(Apply), "apply(bearer)", "apply = { bearer = true }",
        "where the token goes on API requests")
        .required()
        .unless("oauth2"),
    key(Top, "oauth2", Table(OAuth2), "oauth2(grant = \"password\")", "oauth2 = { grant = \"password\" }",
        "an OAuth 2.0 token endpoint (RFC 6749): a form login with `grant_type`, `access_token` as a bearer token, `expires_in`, `token_type` and `scope` on the response, and the standard errors as variants; with `revoke`, its revocation endpoint (RFC 7009) is the logout; keys written beside it win"),
    key(Top, "expiry", Table(Expiry), "expiry(absolute = \"15m\", jwt)", "expiry = { absolute = \"15m\", jwt = true }",
        "how long a token lives (default: unknown, replaced when rejected)"),
    key(Top, "one_of", Alternatives,
        "one_of((username, password), (api_key))",
        "one_of = [[\"username\", \"password\"], [\"api_key\"]]",
        "alternatives, each a group of optional fields given together; exactly one is given (a one-field group may be a bare name)"),
    key(Top, "response", Map, "response(app_id = \"object.app_id\")", "response = { app_id = \"object.app_id\" }",
        "other fields of a successful login response, kept on the typed response"),
    key(Top, "fields", Map, "the struct's fields", "[fields.password]",
        "the credential fields, in the order written")
        .only(Sources::Spec),
    key(Top, "error", Cases(Error),
        "error(Locked, status = 403, path = \"error.code\", equals = \"LOCKED\")",
        "[[error]]",
        "a documented login failure, a variant of the vendor's error enum, with its status and condition inline; tried in order"),
    key(Top, "api_base", Table(ApiBase),
        "api_base(path = \"instance_url\", hosts = [\"*.my.salesforce.com\"])",
        "api_base = { path = \"instance_url\", hosts = [\"*.my.salesforce.com\"] }",
        "where a successful login answer names the base URL of every later API call (Salesforce's `instance_url`); the session sends the token there, and resolves `Session::api` paths against it, only when its host matches `hosts` (or a pattern the session adds with `SessionBuilder::api_hosts`) over https (or http to a loopback host); another base is a login failure"),
    key(Top, "error_fields", Map, "error_fields(code = \"error.code\")", "error_fields = { code = \"error.code\" }",
        "fields every error case has, written as an error's `fields`; a case's own field of the same name replaces it"),
    // An endpoint.
    key(Endpoint, "path", Text, "path = \"/api/authenticate\"", "path = \"/api/authenticate\"",
        "the path appended to `base`; starts with `/`")
        .required(),
    key(Endpoint, "method", Text, "method = \"POST\"", "method = \"POST\"",
        "`GET`, `POST` (default), `PUT`, `PATCH` or `DELETE`"),
    key(Endpoint, "format", Text, "format = \"json\"", "format = \"json\"",
        "the body's encoding: `json` (default), `form` or `multipart`"),
    key(Endpoint, "headers", Map,
        "headers(\"X-CSRF-Token\" = \"{csrf}\")",
        "headers = { \"X-CSRF-Token\" = \"{csrf}\" }",
        "headers the request carries, each a template: `{name}` is a credential field (by its Rust or wire name) or a value an earlier step bound, `{{` and `}}` are braces; the path and the string constants are templates too. A logout or keep-alive, sent after the login, names the credential fields and what the login's steps bound (not the computed values, which are each login attempt's)"),
    key(Endpoint, "constants", Constants,
        "constants(grant_type = \"password\", auth.methods = [\"password\"])",
        "constants = { grant_type = \"password\", auth.methods = [\"password\"] }",
        "values of any JSON type the body always has, beside the credential fields; a dotted key (`auth.methods`) or a nested table (`auth(methods = ...)`, `auth = { methods = ... }`) is a nested object (JSON bodies)"),
    key(Endpoint, "query", Constants, "query(api_version = \"2\")", "query = { api_version = \"2\" }",
        "values the query string always has"),
    key(Endpoint, "apply", Table(Apply), "apply(header = \"X-Auth-Token\")", "apply = { header = \"X-Auth-Token\" }",
        "where the token goes on this logout or keep-alive, when not where API calls carry it"),
    // Where a value is.
    key(Spot, "path", Text, "path = \"data.token\"", "path = \"data.token\"",
        "at this dotted path of a JSON body"),
    key(Spot, "header", Text, "header = \"X-Subject-Token\"", "header = \"X-Subject-Token\"",
        "in this response header"),
    key(Spot, "cookie", Text, "cookie = \"sid\"", "cookie = \"sid\"",
        "in the cookie of this name the answer sets (`Set-Cookie`)"),
    key(Spot, "text", Flag, "text", "text = true", "the whole body, as text"),
    // A condition.
    key(Condition, "equals", Scalar, "equals = \"OK\"", "equals = \"OK\"",
        "the value makes the condition hold when it is exactly this"),
    key(Condition, "contains", Text, "contains = \"expired\"", "contains = \"expired\"",
        "the value makes the condition hold when it contains this"),
    // A rejection.
    key(Rejection, "status", Statuses, "status = [401, 440]", "status = [401, 440]",
        "the statuses that mean the token was rejected (default 401; give 401 too to keep it)"),
    // Where the token goes.
    key(Apply, "bearer", Flag, "bearer", "bearer = true", "`Authorization: Bearer <token>`"),
    key(Apply, "header", Doc, "header = \"X-Auth-Token\"", "header = \"X-Auth-Token\"",
        "a header of this name holds the token; a list names several that each hold it (`header = [\"X-Auth-Token\", \"X-Subject-Token\"]`)")
        .expects("a header name, or a list of them"),
    key(Apply, "scheme", Text, "scheme = \"Token\"", "scheme = \"Token\"",
        "a word before the token in `header` (`Authorization` when no header is named): `Authorization: Token <token>`"),
    key(Apply, "cookie", Text, "cookie = \"sid\"", "cookie = \"sid\"",
        "a cookie of this name holds the token, beside the request's other cookies"),
    key(Apply, "query", Text, "query = \"token\"", "query = \"token\"",
        "a query parameter of this name holds the token (with `body`: on requests whose body cannot take it)"),
    key(Apply, "body", Text, "body = \"token\"", "body = \"token\"",
        "a field of this name in the request body holds the token: a JSON object or a form (a text part of a multipart logout or keep-alive); an API request with another body, or none, is refused unless `query` is given too"),
    // A token's lifetime.
    key(Expiry, "absolute", Text, "absolute = \"15m\"", "absolute = \"15m\"",
        "the token expires this long after it was issued (`900s`, `15m`, `1h`, `1h30m`)"),
    key(Expiry, "idle", Text, "idle = \"30m\"", "idle = \"30m\"",
        "the token expires after this long without use"),
    key(Expiry, "unknown", Flag, "unknown", "unknown = true",
        "the lifetime is unknown: the token is replaced when rejected (the default)"),
    key(Expiry, "jwt", Flag, "jwt", "jwt = true", "a JWT token's `exp` claim decides when present"),
    key(Expiry, "field", Text, "field = \"expires_in\"", "field = \"expires_in\"",
        "dotted JSON path of the expiry stated by the login response"),
    key(Expiry, "header", Text, "header = \"X-Expires-In\"", "header = \"X-Expires-In\"",
        "the response header stating the expiry"),
    key(Expiry, "cookie", Text, "cookie = \"sid\"", "cookie = \"sid\"",
        "the cookie whose `Max-Age` or `Expires` states the expiry"),
    key(Expiry, "format", Text, "format = \"seconds\"", "format = \"seconds\"",
        "how `field` or `header` states the expiry: `seconds` from now (default), `rfc3339` or `unix`"),
    // A credential field.
    key(Field, "doc", Doc, "the field's `///` comments", "doc = \"The user's password.\"",
        "the setter's documentation")
        .only(Sources::Spec),
    key(Field, "optional", Flag, "`Option<String>`", "optional = true",
        "not always given (default: mandatory, `build()` does not compile without it)")
        .only(Sources::Spec),
    key(Field, "secret", Flag, "#[auth(secret)]", "secret = true",
        "kept as a `SecretString`: redacted in `Debug`, zeroized on drop. Without it a field is secret when its Rust or wire name is, or ends with, one of these words (case, `_` and `-` ignored): password, passwd, pwd, pass, passphrase, passcode, pin, pincode, secret, token, apikey, accesskey, secretkey, privatekey, authkey; `secret = false` (`#[auth(public)]`) keeps such a field plain"),
    key(Field, "public", Flag, "#[auth(public)]", "`secret = false`",
        "kept plain although named like a secret (see `secret`): a `String`, shown in `Debug`; not written beside `secret`")
        .only(Sources::Attribute),
    key(Field, "rename", Text, "#[auth(rename = \"login_id\")]", "rename = \"login_id\"",
        "the wire name; a dotted name (`access_token_identifier.identifier`) nests it in a JSON body"),
    key(Field, "requires", Name, "#[auth(requires = password)]", "requires = \"password\"",
        "when this field is set, the named one must be too (checked at compile time)"),
    key(Field, "max_length", Number, "#[auth(max_length = 255)]", "max_length = 255",
        "at most this many characters, checked by `build()` and `try_build()`")
        .expects("a number of characters, at least 1"),
    key(Field, "length", Number, "#[auth(length = 64)]", "length = 64", "exactly this many characters")
        .expects("a number of characters, at least 1"),
    key(Field, "charset", Text, "#[auth(charset = \"lower_hex\")]", "charset = \"lower_hex\"",
        "only characters of this set: `lower_hex`, `hex` or `digits`"),
    key(Field, "basic", Text, "#[auth(basic = \"user\")]", "basic = \"user\"",
        "`user` or `password`: sent as HTTP Basic credentials on the login instead of in the body (a user alone has an empty password); with `oauth2`, each form-urlencoded first (RFC 6749 section 2.3.1)"),
    key(Field, "query", Flag, "#[auth(query)]", "query = true",
        "sent in the login's query string instead of its body"),
    // A documented login failure.
    key(Error, "name", Name, "error(Rejected, ...)", "name = \"Rejected\"",
        "the variant of the vendor's error enum")
        .required(),
    key(Error, "status", Number, "status = 401", "status = 401",
        "matches only this HTTP status")
        .expects("an HTTP status code, a whole number from 100 to 599"),
    key(Error, "step", Name, "step = \"session\"", "step = \"session\"",
        "the failure is the answer of this step (its `name`), not of the token request"),
    key(Error, "display", Text, "display = \"the login was refused\"", "display = \"the login was refused\"",
        "the message shown by `Display`, before the fields"),
    key(Error, "doc", Doc, "doc = \"...\"", "doc = [\"...\", \"...\"]",
        "the variant's documentation, one entry per line"),
    key(Error, "fields", Map,
        "fields(code = \"error.code\", messages = field_messages(\"error_messages\"))",
        "fields = { code = \"error.code\", messages = { field_messages = \"error_messages\" } }",
        "values read from the failure's body into the variant: a dotted path (text), or a kind"),
    // OAuth 2.0.
    key(OAuth2, "grant", Text, "grant = \"password\"", "grant = \"password\"",
        "`password` (fields `username` and `password`), `client_credentials`, or `jwt-bearer` (RFC 7523 section 2.1: a computed `assertion`, a signed `jwt`); the client authenticates with `basic` fields or `client_id`/`client_secret` fields, or as `client_auth` says")
        .required(),
    key(OAuth2, "dpop", Flag, "dpop", "dpop = true",
        "tokens bound to a key the session holds (DPoP, RFC 9449): a signed proof on the token, refresh and revocation requests and on every API call, the token as `Authorization: DPoP`, server nonces answered; needs auth-runtime's `sign` feature"),
    key(OAuth2, "client_auth", Text, "client_auth = \"private_key_jwt\"", "client_auth = \"private_key_jwt\"",
        "`secret` (default: `basic` or `client_id`/`client_secret` fields) or `private_key_jwt` (RFC 7523 section 2.2: `client_assertion_type` and a computed `client_assertion`, a signed `jwt`)"),
    key(OAuth2, "revoke", Text, "revoke = \"/revoke\"", "revoke = \"/revoke\"",
        "the token revocation endpoint (RFC 7009), a path appended to `base`: `Session::logout` revokes the refresh token, then the access token there, the client authenticated as on the token endpoint; it is the logout, so no `logout` beside it"),
    // The kind of an error field.
    key(ErrorFieldKind, "field_messages", Text,
        "field_messages(\"error_messages\")",
        "{ field_messages = \"error_messages\" }",
        "per-field messages (`FieldMessages`), as Currencycloud sends them"),
    // A step of the login.
    key(Step, "name", Name, "step(csrf, ...)", "name = \"csrf\"",
        "the step's name, as messages and an error's `step` name it")
        .required(),
    key(Step, "success", Table(Condition),
        "success(path = \"status\", equals = \"ok\")",
        "success = { path = \"status\", equals = \"ok\" }",
        "besides a 2xx status, what marks the step's answer successful"),
    key(Step, "bind", Map,
        "bind(csrf = \"csrf\", session(header = \"X-Session-Id\", public))",
        "bind = { csrf = \"csrf\", session = { header = \"X-Session-Id\", public = true } }",
        "values read from the step's answer, each under a name the later requests' templates use: a dotted JSON path, or a table of `token`'s keys; secret (scrubbed from every answer and error, never shown) unless `public`"),
    // A value a step binds.
    key(ApiBase, "hosts", Doc, "hosts = [\"*.my.salesforce.com\"]", "hosts = [\"*.my.salesforce.com\"]",
        "the hosts the base may be on: a host name, or `*.` and a domain (`*.my.salesforce.com` matches `acme.my.salesforce.com`); any port")
        .required()
        .expects("a host pattern, or a list of them"),
    key(Binding, "public", Flag, "public", "public = true",
        "the value is not a secret: it may be shown (a bound value is secret by default, as a session id is a credential)"),
    // A computed value: one function.
    key(Computed, "sha256", Text, "digest(sha256 = \"{nonce}{password}\")", "sha256 = \"{nonce}{password}\"",
        "SHA-256 of the template's text; `output` hex (default), base64 or base64url"),
    key(Computed, "sha512", Text, "digest(sha512 = \"{nonce}{password}\")", "sha512 = \"{nonce}{password}\"",
        "SHA-512 of the template's text; `output` as `sha256`'s"),
    key(Computed, "hmac_sha256", Text,
        "signature(hmac_sha256 = \"{ts}{nonce}\", key = \"{api_secret}\", output = \"base64\")",
        "hmac_sha256 = \"{ts}{nonce}\", key = \"{api_secret}\"",
        "HMAC-SHA-256 (RFC 2104) of the template's text under `key`; `output` as `sha256`'s"),
    key(Computed, "key", Text, "key = \"{api_secret}\"", "key = \"{api_secret}\"",
        "the key of `hmac_sha256` or `jwt`, a template: its text's bytes (`hmac_sha256`, `HS256`) or a private key in PEM (`RS256`, `ES256`)"),
    key(Computed, "base64", Text, "basic(base64 = \"{user}:{password}\")", "base64 = \"{user}:{password}\"",
        "the template's text in base64; `output` base64 (default, padded) or base64url (unpadded)"),
    key(Computed, "concat", Text, "pair(concat = \"{user}:{tenant}\")", "concat = \"{user}:{tenant}\"",
        "the template's text: a name for a concatenation of values"),
    key(Computed, "now", Text, "ts(now = \"unix\")", "now = \"unix\"",
        "the current time: `unix` (seconds), `unix_ms` (milliseconds) or `rfc3339` (UTC, to the second)"),
    key(Computed, "nonce", Number, "cnonce(nonce = 16)", "nonce = 16",
        "this many random bytes (8 to 64) from the operating system's generator; `output` hex (default), base64 or base64url")
        .expects("a number of bytes from 8 to 64"),
    key(Computed, "uuid", Flag, "request_id(uuid)", "uuid = true",
        "a random UUID (version 4), hyphenated, in lower case"),
    key(Computed, "jwt", Text,
        "assertion(jwt = \"RS256\", key = \"{private_key}\", claims(iss = \"{client_email}\"))",
        "jwt = \"RS256\", key = \"{private_key}\"",
        "a JWT (RFC 7519) signed with `key`: `RS256`, `ES256` or `HS256`; its `claims`, then `iat` (now), `exp` (`lifetime` later) and a random `jti`; signed afresh on every login (needs auth-runtime's `sign` feature)"),
    key(Computed, "kid", Text, "kid = \"{private_key_id}\"", "kid = \"{private_key_id}\"",
        "the `kid` of a `jwt`'s header, a template"),
    key(Computed, "claims", Map,
        "claims(iss = \"{client_email}\", aud = \"{token_uri}\")",
        "claims = { iss = \"{client_email}\", aud = \"{token_uri}\" }",
        "the claims of a `jwt`, each a string template (`iss`, `sub`, `aud`, `scope`, ...); `iat`, `exp` and `jti` are added"),
    key(Computed, "lifetime", Number, "lifetime = 600", "lifetime = 600",
        "seconds from a `jwt`'s `iat` to its `exp` (default 300)")
        .expects("a number of seconds from 1 to 86400"),
    key(Computed, "backdate", Number, "backdate = 60", "backdate = 60",
        "seconds a `jwt`'s `iat` is put before the current time, for a server whose clock is behind (default 0; GitHub advises 60)")
        .expects("a number of seconds from 0 to 300"),
    key(Computed, "output", Text, "output = \"base64url\"", "output = \"base64url\"",
        "how the bytes of `sha256`, `sha512`, `hmac_sha256`, `base64` or `nonce` are written: `hex`, `base64` or `base64url`"),
];

/// The row of `name` in `context`, whatever the source.
pub(crate) fn find(context: Context, name: &str) -> Option<&'static Key> {
    std::iter::once(context)
        .chain(context.includes().iter().copied())
        .find_map(|context| {
            KEYS.iter()
                .find(|key| key.context == context && key.name == name)
        })
}

/// The keys `source` accepts in `context`, in order.
pub(crate) fn names(context: Context, source: Source) -> Vec<&'static str> {
    std::iter::once(context)
        .chain(context.includes().iter().copied())
        .flat_map(|context| {
            KEYS.iter()
                .filter(move |key| key.context == context && key.accepted_in(source))
        })
        .map(|key| key.name)
        .collect()
}

/// The grammar reference: one markdown table per context, as `specs/README.md` has it
/// and `authgen keys` prints it.
pub fn reference() -> String {
    let mut out = String::new();
    for (i, context) in Context::ALL.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "#### {}\n", context.heading());
        let _ = writeln!(out, "| key | value | spec file | attribute | meaning |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for key in KEYS.iter().filter(|key| key.context == *context) {
            let required = if key.required { ", **required**" } else { "" };
            let cell = |text: &str, accepted: bool| {
                if !accepted || text.starts_with("the ") || text.starts_with('`') {
                    text.replace('|', "\\|")
                } else {
                    format!("`{}`", text.replace('|', "\\|"))
                }
            };
            let spec = cell(key.spec, key.sources != Sources::Attribute);
            let attribute = cell(key.attribute, key.sources != Sources::Spec);
            let _ = writeln!(
                out,
                "| `{}` | {}{required} | {spec} | {attribute} | {} |",
                key.name,
                key.shape.describe(),
                key.doc.replace('|', "\\|"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_listed_once_per_context() {
        for (i, key) in KEYS.iter().enumerate() {
            assert!(
                !KEYS[..i]
                    .iter()
                    .any(|other| other.context == key.context && other.name == key.name),
                "`{}` is listed twice",
                key.name
            );
        }
    }

    #[test]
    fn each_context_has_keys_and_a_table_names_its_own() {
        for context in Context::ALL {
            assert!(KEYS.iter().any(|key| key.context == *context));
        }
        assert_eq!(
            names(Endpoint, Source::Spec),
            [
                "path",
                "method",
                "format",
                "headers",
                "constants",
                "query",
                "apply"
            ]
        );
        assert_eq!(
            names(Condition, Source::Attribute).len(),
            6,
            "its own and a spot's"
        );
        assert!(!names(Top, Source::Attribute).contains(&"name"));
        assert!(!names(Top, Source::Spec).contains(&"crate"));
    }

    /// The reference states the secret words; they are kept in `secrets.rs` alone.
    #[test]
    fn the_secret_key_names_every_secret_word() {
        let secret = find(Field, "secret").map(|key| key.doc).unwrap_or_default();
        assert!(
            secret.contains(&format!(": {};", crate::SECRET_WORDS.join(", "))),
            "the doc of `secret` lists other words than `SECRET_WORDS`: {secret}"
        );
    }
}
