//! Credentials built at run time, under the same rules as the typestate builder.
//!
//! Every generated credentials type (`CrmComCredentials`, ...) implements
//! [`DynamicCredentials`]: it carries its vendor's rule table ([`CredentialTable`]),
//! written by the generator from the same text as the builder's compile-time messages,
//! and can be built from names and values known only at run time:
//!
//! * its draft, `CrmComCredentials::draft()`, with `set(name, value)` and a typed
//!   setter per field, and `try_build()`;
//! * `serde::Deserialize`, from any `serde` source (a TOML or JSON file, a table inside
//!   your own configuration struct): a map of field names (Rust or wire) to strings,
//!   whole numbers read as their text, `null` leaving a field out, unknown names
//!   refused; the values are given in the fields' declaration order, whatever order
//!   the source keeps;
//! * [`DynamicCredentials::from_env`], from environment variables with a prefix;
//! * [`DynamicCredentials::from_pairs`], from any names and values.
//!
//! Each reports every broken rule at once in a [`CredentialsError`], in exactly the
//! words the typestate builder's compile errors use ("CRM.COM credentials: `pass_code`
//! is mandatory when `identifier` is set"). Which alternative of a `one_of` is used
//! follows from which fields are given: nothing to choose in code.
//!
//! Values of secret fields go straight into a [`SecretString`]; no error and no `Debug`
//! output ever holds a value.

use std::borrow::Cow;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::checks::{Check, reason};

/// A vendor's credential fields and rules, as the generator wrote them.
#[derive(Debug, PartialEq)]
pub struct CredentialTable {
    vendor: &'static str,
    prefix: &'static str,
    fields: &'static [FieldSpec],
    rules: &'static [Rule],
}

impl CredentialTable {
    /// Written by generated code.
    #[doc(hidden)]
    pub const fn new(
        vendor: &'static str,
        prefix: &'static str,
        fields: &'static [FieldSpec],
        rules: &'static [Rule],
    ) -> Self {
        CredentialTable {
            vendor,
            prefix,
            fields,
            rules,
        }
    }

    /// The vendor's name, as in every message.
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// The credential fields, in declaration order.
    pub fn fields(&self) -> &'static [FieldSpec] {
        self.fields
    }

    /// The rules, each with its message.
    pub fn rules(&self) -> &'static [Rule] {
        self.rules
    }

    /// The index of the field called `name`, by its Rust name or its wire name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.name == name)
            .or_else(|| self.fields.iter().position(|f| f.wire == name))
    }

    /// The environment variable [`DynamicCredentials::from_env`] reads for `field`:
    /// `prefix` followed by the field's Rust name in upper case (`CRMCOM_` and
    /// `pass_code`: `CRMCOM_PASS_CODE`).
    pub fn env_var(&self, prefix: &str, field: &FieldSpec) -> String {
        format!("{prefix}{}", field.name.to_ascii_uppercase())
    }

    fn problem(&self, kind: ProblemKind, fields: Vec<String>, text: Cow<'static, str>) -> Problem {
        Problem {
            kind,
            fields,
            prefix: self.prefix,
            text,
        }
    }

    fn rule_problem(&self, rule: &Rule) -> Problem {
        let fields = rule.fields().map(|i| self.name(i).to_owned()).collect();
        self.problem(rule.kind(), fields, Cow::Borrowed(rule.text))
    }

    fn name(&self, index: usize) -> &'static str {
        self.fields.get(index).map_or("?", |f| f.name)
    }

    /// Problems of the values' formats (`values[i]` is field `i`'s value, when given).
    fn format_problems(&self, values: &[Option<&str>], out: &mut Vec<Problem>) {
        for (field, value) in self.fields.iter().zip(values) {
            let Some(value) = value else { continue };
            if let Some(why) = reason(value, field.checks) {
                let text = format!("`{}` {why}", field.name);
                out.push(self.problem(
                    ProblemKind::Format,
                    vec![field.name.to_owned()],
                    Cow::Owned(text),
                ));
            }
        }
    }

    fn error(&'static self, problems: Vec<Problem>) -> CredentialsError {
        CredentialsError {
            vendor: self.vendor,
            prefix: self.prefix,
            problems,
        }
    }
}

/// A credential field.
#[derive(Debug, PartialEq)]
pub struct FieldSpec {
    name: &'static str,
    wire: &'static str,
    secret: bool,
    optional: bool,
    checks: &'static [Check],
}

impl FieldSpec {
    /// Written by generated code.
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        wire: &'static str,
        secret: bool,
        optional: bool,
        checks: &'static [Check],
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
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its name on the wire, dotted when nested (`access_token_identifier.pass_code`).
    pub fn wire(&self) -> &'static str {
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
}

/// A credential rule and its message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    kind: RuleKind,
    text: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RuleKind {
    Once(usize),
    Exclusive(usize, &'static [usize]),
    Mandatory(usize),
    Requires(usize, usize),
    OneOf(&'static [usize]),
}

impl Rule {
    /// A field given at most once. Written by generated code.
    #[doc(hidden)]
    pub const fn once(field: usize, text: &'static str) -> Self {
        Rule {
            kind: RuleKind::Once(field),
            text,
        }
    }

    /// A field not given beside `others`. Written by generated code.
    #[doc(hidden)]
    pub const fn exclusive(field: usize, others: &'static [usize], text: &'static str) -> Self {
        Rule {
            kind: RuleKind::Exclusive(field, others),
            text,
        }
    }

    /// A field always given. Written by generated code.
    #[doc(hidden)]
    pub const fn mandatory(field: usize, text: &'static str) -> Self {
        Rule {
            kind: RuleKind::Mandatory(field),
            text,
        }
    }

    /// `needs` given whenever `field` is. Written by generated code.
    #[doc(hidden)]
    pub const fn requires(field: usize, needs: usize, text: &'static str) -> Self {
        Rule {
            kind: RuleKind::Requires(field, needs),
            text,
        }
    }

    /// One of `members` given. Written by generated code.
    #[doc(hidden)]
    pub const fn one_of(members: &'static [usize], text: &'static str) -> Self {
        Rule {
            kind: RuleKind::OneOf(members),
            text,
        }
    }

    /// What kind of rule it is.
    pub fn kind(&self) -> ProblemKind {
        match self.kind {
            RuleKind::Once(_) => ProblemKind::GivenTwice,
            RuleKind::Exclusive(..) => ProblemKind::Exclusive,
            RuleKind::Mandatory(_) => ProblemKind::Mandatory,
            RuleKind::Requires(..) => ProblemKind::Requires,
            RuleKind::OneOf(_) => ProblemKind::OneOf,
        }
    }

    /// The rule broken, after the vendor's prefix: `` `organisation` is mandatory ``.
    pub fn text(&self) -> &'static str {
        self.text
    }

    /// The fields it names, as indices into [`CredentialTable::fields`]: the field
    /// itself, then what it needs; the members of a `one_of`.
    pub fn fields(&self) -> impl Iterator<Item = usize> {
        let (first, second, members): (Option<usize>, Option<usize>, &[usize]) = match self.kind {
            RuleKind::Once(f) | RuleKind::Mandatory(f) | RuleKind::Exclusive(f, _) => {
                (Some(f), None, &[])
            }
            RuleKind::Requires(f, n) => (Some(f), Some(n), &[]),
            RuleKind::OneOf(members) => (None, None, members),
        };
        first
            .into_iter()
            .chain(second)
            .chain(members.iter().copied())
    }
}

/// What a [`Problem`] is.
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

/// One broken rule, naming its fields, never their values.
#[derive(Clone, PartialEq, Eq)]
pub struct Problem {
    kind: ProblemKind,
    fields: Vec<String>,
    prefix: &'static str,
    text: Cow<'static, str>,
}

impl Problem {
    /// What it is.
    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    /// The fields it is about: the field itself first, then what it needs; the members
    /// of a `one_of`; for an unknown name, that name.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The problem without the vendor's prefix: `` `organisation` is mandatory ``.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Problem {
    /// The whole message, as the compile-time one: `CRM.COM credentials: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.prefix, self.text)
    }
}

impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Problem")
            .field("kind", &self.kind)
            .field("fields", &self.fields)
            .field("text", &self.text)
            .finish()
    }
}

/// Credentials that break their vendor's rules: every problem found, each naming its
/// fields in the words of the typestate builder's compile errors. Holds no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsError {
    vendor: &'static str,
    prefix: &'static str,
    problems: Vec<Problem>,
}

impl CredentialsError {
    /// The vendor's name.
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// Every problem found, in the order of the rule table (names first, then formats).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for CredentialsError {
    /// With one problem, exactly the compile-time message
    /// (`CRM.COM credentials: give one of ...`); with more, their texts after one
    /// prefix, separated by `; `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix)?;
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            f.write_str(&problem.text)?;
        }
        Ok(())
    }
}

impl std::error::Error for CredentialsError {}

/// A value as stored: secrets never as a plain `String`.
enum Value {
    Plain(String),
    Secret(SecretString),
}

impl Value {
    fn expose(&self) -> &str {
        match self {
            Value::Plain(text) => text,
            Value::Secret(secret) => secret.expose_secret(),
        }
    }
}

/// The values given so far and the problems met on the way: what a generated draft,
/// `Deserialize` and `from_env` fill. Not a public API.
#[doc(hidden)]
pub struct FieldValues {
    table: &'static CredentialTable,
    values: Vec<Option<Value>>,
    problems: Vec<Problem>,
}

impl fmt::Debug for FieldValues {
    // Values are not shown: some are secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let given: Vec<&str> = self
            .table
            .fields
            .iter()
            .zip(&self.values)
            .filter(|(_, v)| v.is_some())
            .map(|(f, _)| f.name)
            .collect();
        f.debug_struct("FieldValues")
            .field("vendor", &self.table.vendor)
            .field("given", &given)
            .finish_non_exhaustive()
    }
}

impl FieldValues {
    /// No value yet.
    pub fn new(table: &'static CredentialTable) -> Self {
        FieldValues {
            table,
            values: table.fields.iter().map(|_| None).collect(),
            problems: Vec::new(),
        }
    }

    /// The values of `pairs`: names (each a field's Rust name or wire name) and values;
    /// an unknown name is a problem.
    pub fn from_pairs<I, K, V>(table: &'static CredentialTable, pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut values = FieldValues::new(table);
        for (name, value) in pairs {
            let name = name.as_ref();
            match table.field_index(name) {
                Some(index) => values.set(index, value.into()),
                None => values.unknown(name),
            }
        }
        values
    }

    /// The values of the environment variables named by `prefix` and each field's Rust
    /// name in upper case (see [`DynamicCredentials::from_env`]).
    pub fn from_env(table: &'static CredentialTable, prefix: &str) -> Self {
        let mut values = FieldValues::new(table);
        for (index, field) in table.fields.iter().enumerate() {
            let var = table.env_var(prefix, field);
            match std::env::var_os(&var).map(std::ffi::OsString::into_string) {
                None => {}
                Some(Ok(value)) => values.set(index, value),
                Some(Err(_)) => values.unreadable(index, format!("(`{var}`) is not UTF-8")),
            }
        }
        values
    }

    /// The table.
    pub fn table(&self) -> &'static CredentialTable {
        self.table
    }

    /// Gives field `index` a plain value (kept as a secret if the field is one).
    pub fn set(&mut self, index: usize, value: String) {
        self.put(index, Value::Plain(value));
    }

    /// Gives field `index` a secret value (exposed only if the field is not secret).
    pub fn set_secret(&mut self, index: usize, value: SecretString) {
        self.put(index, Value::Secret(value));
    }

    /// Gives the field called `name` (Rust or wire name) a value; an unknown name is
    /// an error listing the known ones, and nothing is recorded.
    pub fn set_named(&mut self, name: &str, value: String) -> Result<(), CredentialsError> {
        match self.table.field_index(name) {
            Some(index) => {
                self.set(index, value);
                Ok(())
            }
            None => Err(self.table.error(vec![unknown(self.table, name)])),
        }
    }

    /// Records `name` as not a credential field.
    pub fn unknown(&mut self, name: &str) {
        self.problems.push(unknown(self.table, name));
    }

    /// Records a value that could not be read.
    pub fn unreadable(&mut self, index: usize, why: String) {
        let name = self.table.name(index);
        self.problems.push(self.table.problem(
            ProblemKind::Unreadable,
            vec![name.to_owned()],
            Cow::Owned(format!("`{name}` {why}")),
        ));
    }

    fn put(&mut self, index: usize, value: Value) {
        let Some(field) = self.table.fields.get(index) else {
            return;
        };
        let value = match (field.secret, value) {
            (true, Value::Plain(text)) => Value::Secret(SecretString::from(text)),
            (false, Value::Secret(secret)) => Value::Plain(secret.expose_secret().to_owned()),
            (_, value) => value,
        };
        // The typestate builder refuses these at the setter; so do we, in its words.
        for rule in self.table.rules {
            let broken = match rule.kind {
                RuleKind::Once(f) => f == index && self.given(f),
                RuleKind::Exclusive(f, others) => {
                    f == index && others.iter().any(|&o| self.given(o))
                }
                _ => false,
            };
            if broken {
                self.problems.push(self.table.rule_problem(rule));
            }
        }
        if let Some(slot) = self.values.get_mut(index)
            && slot.is_none()
        {
            *slot = Some(value);
        }
    }

    /// Whether field `index` has a value.
    pub fn given(&self, index: usize) -> bool {
        matches!(self.values.get(index), Some(Some(_)))
    }

    /// Checks every rule the setters do not: mandatory fields, requirements, `one_of`s,
    /// formats. Every problem met is in the error.
    pub fn finish(mut self) -> Result<Checked, CredentialsError> {
        for rule in self.table.rules {
            let broken = match rule.kind {
                RuleKind::Mandatory(f) => !self.given(f),
                RuleKind::Requires(f, needs) => self.given(f) && !self.given(needs),
                RuleKind::OneOf(members) => !members.iter().any(|&m| self.given(m)),
                RuleKind::Once(_) | RuleKind::Exclusive(..) => false,
            };
            if broken {
                self.problems.push(self.table.rule_problem(rule));
            }
        }
        let exposed: Vec<Option<&str>> = self
            .values
            .iter()
            .map(|v| v.as_ref().map(Value::expose))
            .collect();
        let mut formats = Vec::new();
        self.table.format_problems(&exposed, &mut formats);
        self.problems.extend(formats);
        if self.problems.is_empty() {
            Ok(Checked {
                table: self.table,
                values: self.values,
            })
        } else {
            Err(self.table.error(self.problems))
        }
    }
}

fn unknown(table: &CredentialTable, name: &str) -> Problem {
    /// Names are shown cut to this many characters.
    const NAME_CHARS: usize = 64;
    let shown: String = name.chars().take(NAME_CHARS).collect();
    let known: Vec<String> = table
        .fields
        .iter()
        .map(|f| {
            if f.wire == f.name {
                format!("`{}`", f.name)
            } else {
                format!("`{}` (or `{}`)", f.name, f.wire)
            }
        })
        .collect();
    table.problem(
        ProblemKind::UnknownName,
        vec![shown.clone()],
        Cow::Owned(format!(
            "`{shown}` is not a credential field; the fields are {}",
            known.join(", ")
        )),
    )
}

/// Values that passed every rule, taken out by generated code.
#[doc(hidden)]
pub struct Checked {
    table: &'static CredentialTable,
    values: Vec<Option<Value>>,
}

impl Checked {
    fn take(&mut self, index: usize) -> Option<Value> {
        self.values.get_mut(index).and_then(Option::take)
    }

    fn missing(&self, index: usize) -> CredentialsError {
        // Unreachable after `finish`, which checked every mandatory field; an error,
        // not a panic, all the same.
        let rule = self
            .table
            .rules
            .iter()
            .find(|r| matches!(r.kind, RuleKind::Mandatory(f) if f == index));
        let problem = match rule {
            Some(rule) => self.table.rule_problem(rule),
            None => self.table.problem(
                ProblemKind::Mandatory,
                vec![self.table.name(index).to_owned()],
                Cow::Owned(format!("`{}` is mandatory", self.table.name(index))),
            ),
        };
        self.table.error(vec![problem])
    }

    /// A plain field's value, when given.
    pub fn plain_opt(&mut self, index: usize) -> Option<String> {
        self.take(index).map(|v| match v {
            Value::Plain(text) => text,
            Value::Secret(secret) => secret.expose_secret().to_owned(),
        })
    }

    /// A secret field's value, when given.
    pub fn secret_opt(&mut self, index: usize) -> Option<SecretString> {
        self.take(index).map(|v| match v {
            Value::Plain(text) => SecretString::from(text),
            Value::Secret(secret) => secret,
        })
    }

    /// A mandatory plain field's value.
    pub fn plain(&mut self, index: usize) -> Result<String, CredentialsError> {
        self.plain_opt(index).ok_or_else(|| self.missing(index))
    }

    /// A mandatory secret field's value.
    pub fn secret(&mut self, index: usize) -> Result<SecretString, CredentialsError> {
        self.secret_opt(index).ok_or_else(|| self.missing(index))
    }
}

/// The format checks of the typestate builder's `build()`: `values` pairs a field's
/// index with its value, when given.
#[doc(hidden)]
pub fn check_formats(
    table: &'static CredentialTable,
    values: &[(usize, Option<&str>)],
) -> Result<(), CredentialsError> {
    let mut all: Vec<Option<&str>> = vec![None; table.fields.len()];
    for &(index, value) in values {
        if let Some(slot) = all.get_mut(index) {
            *slot = value;
        }
    }
    let mut problems = Vec::new();
    table.format_problems(&all, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(table.error(problems))
    }
}

/// Credentials that can be built at run time; every generated credentials type
/// implements it. See the [module docs](self).
pub trait DynamicCredentials: Sized {
    /// The vendor's fields and rules.
    const TABLE: &'static CredentialTable;

    /// The credentials from checked values. Generated code; use the methods below.
    #[doc(hidden)]
    fn from_checked(values: Checked) -> Result<Self, CredentialsError>;

    /// The credentials from values given so far, after checking every rule.
    #[doc(hidden)]
    fn from_values(values: FieldValues) -> Result<Self, CredentialsError> {
        Self::from_checked(values.finish()?)
    }

    /// The credentials from names (each a field's Rust name or wire name) and values.
    /// An unknown name, a name given twice (also as both its names) and every rule of
    /// the typestate builder are problems of the error, all reported at once.
    fn from_pairs<I, K, V>(pairs: I) -> Result<Self, CredentialsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        Self::from_values(FieldValues::from_pairs(Self::TABLE, pairs))
    }

    /// The credentials from environment variables: each field from `prefix` followed by
    /// its Rust name in upper case (with `"CRMCOM_"`: `CRMCOM_ORGANISATION`,
    /// `CRMCOM_USERNAME`, `CRMCOM_PASS_CODE`, ...; see [`CredentialTable::env_var`]).
    /// A variable that is not set leaves its field out; one that is set, even empty,
    /// gives it. Other variables are not read.
    fn from_env(prefix: &str) -> Result<Self, CredentialsError> {
        Self::from_values(FieldValues::from_env(Self::TABLE, prefix))
    }
}

/// `Deserialize` for generated credentials types: a map of field names (Rust or wire)
/// to strings (or whole numbers, read as their decimal text; `null` leaves the field
/// out), checked by the same rules; secrets read straight into a `SecretString`.
mod de {
    use std::fmt;
    use std::marker::PhantomData;

    use secrecy::SecretString;
    use serde_core::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

    use super::{DynamicCredentials, FieldValues};

    /// `C`'s `Deserialize`.
    pub fn deserialize<'de, C, D>(deserializer: D) -> Result<C, D::Error>
    where
        C: DynamicCredentials,
        D: Deserializer<'de>,
    {
        deserializer.deserialize_map(CredentialsVisitor(PhantomData))
    }

    struct CredentialsVisitor<C>(PhantomData<C>);

    impl<'de, C: DynamicCredentials> Visitor<'de> for CredentialsVisitor<C> {
        type Value = C;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "{} credentials: a map of field names to strings",
                C::TABLE.vendor
            )
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<C, A::Error> {
            let mut values = FieldValues::new(C::TABLE);
            let mut read = Vec::new();
            while let Some(name) = map.next_key::<String>()? {
                match C::TABLE.field_index(&name) {
                    Some(index) => {
                        let field = C::TABLE.fields.get(index);
                        let seed = ValueSeed {
                            secret: field.is_some_and(|f| f.secret),
                            name: field.map_or("?", |f| f.name),
                        };
                        if let Some(value) = map.next_value_seed(seed)? {
                            read.push((index, value));
                        }
                    }
                    None => {
                        map.next_value::<de::IgnoredAny>()?;
                        values.unknown(&name);
                    }
                }
            }
            // Given in declaration order, whatever order the source keeps (TOML tables
            // are sorted): two alternatives name the later-declared one, every time.
            read.sort_by_key(|(index, _)| *index);
            for (index, value) in read {
                match value {
                    Read::Plain(text) => values.set(index, text),
                    Read::Secret(secret) => values.set_secret(index, secret),
                }
            }
            C::from_values(values).map_err(de::Error::custom)
        }
    }

    enum Read {
        Plain(String),
        Secret(SecretString),
    }

    /// Reads one value, into a `SecretString` at once when the field is a secret.
    struct ValueSeed {
        secret: bool,
        name: &'static str,
    }

    impl ValueSeed {
        /// A value of another type, without showing it (serde's own message would).
        fn not_text<E: de::Error>(&self, what: &str) -> E {
            E::custom(format!("`{}`: expected a string, not {what}", self.name))
        }

        fn read(&self, text: String) -> Read {
            if self.secret {
                Read::Secret(SecretString::from(text))
            } else {
                Read::Plain(text)
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for ValueSeed {
        type Value = Option<Read>;

        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for ValueSeed {
        type Value = Option<Read>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Some(self.read(text.to_owned())))
        }

        fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
            Ok(Some(self.read(text)))
        }

        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
            Ok(Some(self.read(n.to_string())))
        }

        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(self.read(n.to_string())))
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(self.not_text("a boolean"))
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(self.not_text("a number with a fraction"))
        }

        fn visit_char<E: de::Error>(self, c: char) -> Result<Self::Value, E> {
            Ok(Some(self.read(c.to_string())))
        }

        fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
            Err(self.not_text("bytes"))
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(self.not_text("a list"))
        }

        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(self.not_text("a table"))
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }
}

#[doc(hidden)]
pub use de::deserialize;
