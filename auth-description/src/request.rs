//! What a vendor's requests are: methods, body encodings, where the token goes.

/// HTTP methods a vendor description may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// PATCH
    Patch,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
        }
    }
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireFormat {
    /// `application/json`; dotted wire names become nested objects.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`, one text part per field.
    Multipart,
}

/// Where the token goes on an API request.
///
/// CRM.COM puts it in a `token` query parameter on GET and in a `token` field of the
/// JSON body on POST: both are set, and the body field wins when the request has a
/// body it can be added to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Placement<'a> {
    /// `Authorization: Bearer <token>`.
    pub bearer: bool,
    /// A custom header, e.g. `X-Auth-Token`.
    pub header: Option<&'a str>,
    /// A word before the token in `header` (`Authorization: Token <t>`), and in each of
    /// `more_headers`.
    pub scheme: Option<&'a str>,
    /// Further headers that hold the token too, beside `header`: OpenStack Keystone's
    /// token revocation names the token in `X-Auth-Token` and in `X-Subject-Token`.
    pub more_headers: &'a [&'a str],
    /// A cookie of this name (`Cookie: <name>=<token>`), beside the request's other
    /// cookies.
    pub cookie: Option<&'a str>,
    /// A query parameter. With `body_field`, used only on requests whose body cannot
    /// take the token.
    pub query: Option<&'a str>,
    /// A top-level field of the request body: a JSON object or a form-urlencoded body
    /// (and a text part of the session's own multipart logout or keep-alive). An API
    /// request with another body (multipart, streamed, JSON that is not an object) or
    /// none carries the token in `query` when it is set, and is refused by the runtime
    /// (`Error::InvalidRequest`) otherwise, rather than sent without its token.
    pub body_field: Option<&'a str>,
}

impl Placement<'_> {
    /// No place at all: the start of a placement written in a `const`, so that it keeps
    /// compiling when places are added:
    /// `Placement { header: Some("X-Session"), ..Placement::NONE }`.
    pub const NONE: Placement<'static> = Placement {
        bearer: false,
        header: None,
        scheme: None,
        more_headers: &[],
        cookie: None,
        query: None,
        body_field: None,
    };
}
