//! A vendor's credential fields and their rules, each rule with its message in the
//! vendor's words (the same text as the typestate builder's compile errors).

/// A vendor's credential fields and rules, as the generator wrote them.
#[derive(Debug, PartialEq)]
pub struct CredentialTable<'a> {
    vendor: &'a str,
    prefix: &'a str,
    fields: &'a [FieldSpec<'a>],
    rules: &'a [Rule<'a>],
}

impl<'a> CredentialTable<'a> {
    /// Written by generated code.
    #[doc(hidden)]
    pub const fn new(
        vendor: &'a str,
        prefix: &'a str,
        fields: &'a [FieldSpec<'a>],
        rules: &'a [Rule<'a>],
    ) -> Self {
        CredentialTable {
            vendor,
            prefix,
            fields,
            rules,
        }
    }

    /// The vendor's name, as in every message.
    pub fn vendor(&self) -> &'a str {
        self.vendor
    }

    /// What every message about these credentials starts with (`CRM.COM credentials`).
    pub fn prefix(&self) -> &'a str {
        self.prefix
    }

    /// The credential fields, in declaration order.
    pub fn fields(&self) -> &'a [FieldSpec<'a>] {
        self.fields
    }

    /// The rules, each with its message.
    pub fn rules(&self) -> &'a [Rule<'a>] {
        self.rules
    }

    /// The index of the field called `name`, by its Rust name or its wire name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.name == name)
            .or_else(|| self.fields.iter().position(|f| f.wire == name))
    }

    /// The Rust name of the field at `index` (`?` for none).
    pub fn name(&self, index: usize) -> &'a str {
        self.fields.get(index).map_or("?", |f| f.name)
    }

    /// The environment variable `DynamicCredentials::from_env` reads for `field`:
    /// `prefix` followed by the field's Rust name in upper case (`CRMCOM_` and
    /// `pass_code`: `CRMCOM_PASS_CODE`).
    pub fn env_var(&self, prefix: &str, field: &FieldSpec<'_>) -> String {
        format!("{prefix}{}", field.name.to_ascii_uppercase())
    }
}

/// A credential field.
#[derive(Debug, PartialEq)]
pub struct FieldSpec<'a> {
    name: &'a str,
    wire: &'a str,
    secret: bool,
    optional: bool,
    checks: &'a [Check],
}

impl<'a> FieldSpec<'a> {
    /// Written by generated code.
    #[doc(hidden)]
    pub const fn new(
        name: &'a str,
        wire: &'a str,
        secret: bool,
        optional: bool,
        checks: &'a [Check],
    ) -> Self {
        FieldSpec {
            name,
            wire,
            secret,
            optional,
            checks,
        }
    }

    /// Its Rust name (`pass_code`), as in messages and the typed setters.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Its name on the wire, dotted when nested (`access_token_identifier.pass_code`).
    pub fn wire(&self) -> &'a str {
        self.wire
    }

    /// Whether it is kept as a secret.
    pub fn is_secret(&self) -> bool {
        self.secret
    }

    /// Whether it may be left out (it may still be required by a rule).
    pub fn is_optional(&self) -> bool {
        self.optional
    }

    /// The checks its value must pass.
    pub fn checks(&self) -> &'a [Check] {
        self.checks
    }
}

/// A check on a credential value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// At most this many characters.
    MaxLength(usize),
    /// Exactly this many characters.
    Length(usize),
    /// Only `0-9a-f`.
    LowerHex,
    /// Only `0-9a-fA-F`.
    Hex,
    /// Only `0-9`.
    Digits,
}

/// A credential rule and its message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule<'a> {
    shape: RuleShape<'a>,
    text: &'a str,
}

/// What a [`Rule`] requires, over indices into [`CredentialTable::fields`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleShape<'a> {
    /// The field is given at most once.
    Once(usize),
    /// The field is not given beside any of the others (the members of the other
    /// alternatives of its `one_of`).
    Exclusive(usize, &'a [usize]),
    /// The field is always given.
    Mandatory(usize),
    /// When the first field is given, the second is too.
    Requires(usize, usize),
    /// At least one of the members is given.
    OneOf(&'a [usize]),
}

impl<'a> Rule<'a> {
    /// A rule of `shape`, broken in the words of `text`.
    pub const fn new(shape: RuleShape<'a>, text: &'a str) -> Self {
        Rule { shape, text }
    }

    /// A field given at most once. Written by generated code.
    #[doc(hidden)]
    pub const fn once(field: usize, text: &'a str) -> Self {
        Rule::new(RuleShape::Once(field), text)
    }

    /// A field not given beside `others`. Written by generated code.
    #[doc(hidden)]
    pub const fn exclusive(field: usize, others: &'a [usize], text: &'a str) -> Self {
        Rule::new(RuleShape::Exclusive(field, others), text)
    }

    /// A field always given. Written by generated code.
    #[doc(hidden)]
    pub const fn mandatory(field: usize, text: &'a str) -> Self {
        Rule::new(RuleShape::Mandatory(field), text)
    }

    /// `needs` given whenever `field` is. Written by generated code.
    #[doc(hidden)]
    pub const fn requires(field: usize, needs: usize, text: &'a str) -> Self {
        Rule::new(RuleShape::Requires(field, needs), text)
    }

    /// One of `members` given. Written by generated code.
    #[doc(hidden)]
    pub const fn one_of(members: &'a [usize], text: &'a str) -> Self {
        Rule::new(RuleShape::OneOf(members), text)
    }

    /// What the rule requires.
    pub fn shape(&self) -> RuleShape<'a> {
        self.shape
    }

    /// What kind of rule it is.
    pub fn kind(&self) -> ProblemKind {
        match self.shape {
            RuleShape::Once(_) => ProblemKind::GivenTwice,
            RuleShape::Exclusive(..) => ProblemKind::Exclusive,
            RuleShape::Mandatory(_) => ProblemKind::Mandatory,
            RuleShape::Requires(..) => ProblemKind::Requires,
            RuleShape::OneOf(_) => ProblemKind::OneOf,
        }
    }

    /// The rule broken, after the vendor's prefix: `` `organisation` is mandatory ``.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The fields it names, as indices into [`CredentialTable::fields`]: the field
    /// itself, then what it needs; the members of a `one_of`.
    pub fn fields(&self) -> impl Iterator<Item = usize> + 'a {
        let (first, second, members): (Option<usize>, Option<usize>, &[usize]) = match self.shape {
            RuleShape::Once(f) | RuleShape::Mandatory(f) | RuleShape::Exclusive(f, _) => {
                (Some(f), None, &[])
            }
            RuleShape::Requires(f, n) => (Some(f), Some(n), &[]),
            RuleShape::OneOf(members) => (None, None, members),
        };
        first
            .into_iter()
            .chain(second)
            .chain(members.iter().copied())
    }
}

/// What a broken credential rule, or a value refused, is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A field was given twice.
    GivenTwice,
    /// A field was given beside another alternative of its `one_of`.
    Exclusive,
    /// A mandatory field was not given.
    Mandatory,
    /// A field was given without one it requires.
    Requires,
    /// No alternative of a `one_of` was given.
    OneOf,
    /// A value does not have the form the vendor requires (length, characters).
    Format,
    /// A name that is not one of the credential fields.
    UnknownName,
    /// A value that could not be read (an environment variable that is not UTF-8).
    Unreadable,
}
