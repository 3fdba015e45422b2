//! What a vendor's answers hold and where: spots, tests on answers, rejections.

/// Where a value is in a vendor's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spot<'a> {
    /// At a dotted path of a JSON body: `["data", "token"]`; `[]` is the whole body (a
    /// JSON string).
    Json(&'a [&'a str]),
    /// In a response header (the first of that name).
    Header(&'a str),
    /// The value of a cookie the answer sets (`Set-Cookie`).
    Cookie(&'a str),
    /// The whole body as text, without surrounding whitespace.
    Text,
}

impl Spot<'_> {
    /// Whether reading this spot needs the body.
    pub fn needs_body(self) -> bool {
        matches!(self, Spot::Json(_) | Spot::Text)
    }

    /// The spot in words, as messages show it: `data.token` (a JSON path as written),
    /// the `x-auth` header, the `sid` cookie, the body.
    pub fn shown(self) -> String {
        match self {
            Spot::Json(path) => path.join("."),
            Spot::Header(name) => format!("the `{name}` header"),
            Spot::Cookie(name) => format!("the `{name}` cookie"),
            Spot::Text => "the body".to_owned(),
        }
    }
}

/// What the value at a spot must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected<'a> {
    /// Exactly this text (a JSON number or boolean as written).
    Equals(&'a str),
    /// Text containing this.
    Contains(&'a str),
}

impl Expected<'_> {
    /// Whether `value` is as expected.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            Expected::Equals(expected) => value == expected,
            Expected::Contains(part) => value.contains(part),
        }
    }
}

/// A test on an answer: the value at `spot` is as `expected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerTest<'a> {
    /// Where to look.
    pub spot: Spot<'a>,
    /// What it must be.
    pub expected: Expected<'a>,
}

/// How a vendor says, on an API call, that it no longer accepts the token: the
/// session then logs in again once and replays the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection<'a> {
    /// Statuses that mean it (401 unless the vendor documents others, e.g. 440).
    pub statuses: &'a [u16],
    /// A test on the answer that means it too, whatever the status (CRM.COM answers
    /// 200 with `status.code` `INVALID_TOKEN`). A JSON spot is read only on answers
    /// labelled JSON; a text spot on any answer, up to the session's body cap.
    pub test: Option<AnswerTest<'a>>,
}

impl Rejection<'_> {
    /// HTTP 401, and nothing in the answer: the rejection unless a vendor documents
    /// another.
    pub const UNAUTHORIZED: Rejection<'static> = Rejection {
        statuses: &[401],
        test: None,
    };
}

impl Default for Rejection<'_> {
    /// [`Rejection::UNAUTHORIZED`].
    fn default() -> Self {
        Rejection::UNAUTHORIZED
    }
}
