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

use crate::checks::reason;

pub use auth_description::{ProblemKind, RuleShape};

/// A vendor's credential fields and rules, as the generator wrote them
/// (`auth_description::CredentialTable`).
pub type CredentialTable = auth_description::CredentialTable<'static>;
/// A credential field (`auth_description::FieldSpec`).
pub type FieldSpec = auth_description::FieldSpec<'static>;
/// A credential rule and its message (`auth_description::Rule`).
pub type Rule = auth_description::Rule<'static>;

fn problem(
    table: &CredentialTable,
    kind: ProblemKind,
    fields: Vec<String>,
    text: Cow<'static, str>,
) -> Problem {
    Problem {
        kind,
        fields,
        prefix: table.prefix(),
        text,
    }
}

fn rule_problem(table: &CredentialTable, rule: &Rule) -> Problem {
    let fields = rule.fields().map(|i| table.name(i).to_owned()).collect();
    problem(table, rule.kind(), fields, Cow::Borrowed(rule.text()))
}

/// Problems of the values' formats (`values[i]` is field `i`'s value, when given).
fn format_problems(table: &CredentialTable, values: &[Option<&str>], out: &mut Vec<Problem>) {
    for (field, value) in table.fields().iter().zip(values) {
        let Some(value) = value else { continue };
        if let Some(why) = reason(value, field.checks()) {
            let text = format!("`{}` {why}", field.name());
            out.push(problem(
                table,
                ProblemKind::Format,
                vec![field.name().to_owned()],
                Cow::Owned(text),
            ));
        }
    }
}

fn table_error(table: &CredentialTable, problems: Vec<Problem>) -> CredentialsError {
    CredentialsError {
        vendor: table.vendor(),
        prefix: table.prefix(),
        problems,
    }
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
            .fields()
            .iter()
            .zip(&self.values)
            .filter(|(_, v)| v.is_some())
            .map(|(f, _)| f.name())
            .collect();
        f.debug_struct("FieldValues")
            .field("vendor", &self.table.vendor())
            .field("given", &given)
            .finish_non_exhaustive()
    }
}

impl FieldValues {
    /// No value yet.
    pub fn new(table: &'static CredentialTable) -> Self {
        FieldValues {
            table,
            values: table.fields().iter().map(|_| None).collect(),
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
        for (index, field) in table.fields().iter().enumerate() {
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
            None => Err(table_error(self.table, vec![unknown(self.table, name)])),
        }
    }

    /// Gives the fields a key file names: a JSON object as a vendor hands it out (a
    /// Google service-account key), each key that is a field's Rust or wire name giving
    /// that field (a string, or a whole number as its digits), the vendor's other keys
    /// not read. A file that is not such an object is a problem, named without its text.
    pub fn read_key_file(&mut self, json: &str) -> Result<(), CredentialsError> {
        de::key_file(self, json).map_err(|why| {
            table_error(
                self.table,
                vec![problem(
                    self.table,
                    ProblemKind::Unreadable,
                    Vec::new(),
                    Cow::Owned(format!("the key file {why}")),
                )],
            )
        })
    }

    /// Records `name` as not a credential field.
    pub fn unknown(&mut self, name: &str) {
        self.problems.push(unknown(self.table, name));
    }

    /// Records a value that could not be read.
    pub fn unreadable(&mut self, index: usize, why: String) {
        let name = self.table.name(index);
        self.problems.push(problem(
            self.table,
            ProblemKind::Unreadable,
            vec![name.to_owned()],
            Cow::Owned(format!("`{name}` {why}")),
        ));
    }

    fn put(&mut self, index: usize, value: Value) {
        let Some(field) = self.table.fields().get(index) else {
            return;
        };
        let value = match (field.is_secret(), value) {
            (true, Value::Plain(text)) => Value::Secret(SecretString::from(text)),
            (false, Value::Secret(secret)) => Value::Plain(secret.expose_secret().to_owned()),
            (_, value) => value,
        };
        // The typestate builder refuses these at the setter; so do we, in its words.
        for rule in self.table.rules() {
            let broken = match rule.shape() {
                RuleShape::Once(f) => f == index && self.given(f),
                RuleShape::Exclusive(f, others) => {
                    f == index && others.iter().any(|&o| self.given(o))
                }
                _ => false,
            };
            if broken {
                self.problems.push(rule_problem(self.table, rule));
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
        for rule in self.table.rules() {
            let broken = match rule.shape() {
                RuleShape::Mandatory(f) => !self.given(f),
                RuleShape::Requires(f, needs) => self.given(f) && !self.given(needs),
                RuleShape::OneOf(members) => !members.iter().any(|&m| self.given(m)),
                RuleShape::Once(_) | RuleShape::Exclusive(..) => false,
            };
            if broken {
                self.problems.push(rule_problem(self.table, rule));
            }
        }
        let exposed: Vec<Option<&str>> = self
            .values
            .iter()
            .map(|v| v.as_ref().map(Value::expose))
            .collect();
        let mut formats = Vec::new();
        format_problems(self.table, &exposed, &mut formats);
        self.problems.extend(formats);
        if self.problems.is_empty() {
            Ok(Checked {
                table: self.table,
                values: self.values,
            })
        } else {
            Err(table_error(self.table, self.problems))
        }
    }
}

fn unknown(table: &CredentialTable, name: &str) -> Problem {
    /// Names are shown cut to this many characters.
    const NAME_CHARS: usize = 64;
    let shown: String = name.chars().take(NAME_CHARS).collect();
    let known: Vec<String> = table
        .fields()
        .iter()
        .map(|f| {
            if f.wire() == f.name() {
                format!("`{}`", f.name())
            } else {
                format!("`{}` (or `{}`)", f.name(), f.wire())
            }
        })
        .collect();
    problem(
        table,
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
            .rules()
            .iter()
            .find(|r| matches!(r.shape(), RuleShape::Mandatory(f) if f == index));
        let problem = match rule {
            Some(rule) => rule_problem(self.table, rule),
            None => problem(
                self.table,
                ProblemKind::Mandatory,
                vec![self.table.name(index).to_owned()],
                Cow::Owned(format!("`{}` is mandatory", self.table.name(index))),
            ),
        };
        table_error(self.table, vec![problem])
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
    table: &CredentialTable,
    values: &[(usize, Option<&str>)],
) -> Result<(), CredentialsError> {
    let mut all: Vec<Option<&str>> = vec![None; table.fields().len()];
    for &(index, value) in values {
        if let Some(slot) = all.get_mut(index) {
            *slot = value;
        }
    }
    let mut problems = Vec::new();
    format_problems(table, &all, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(table_error(table, problems))
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
                C::TABLE.vendor()
            )
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<C, A::Error> {
            let mut values = FieldValues::new(C::TABLE);
            read_map(&mut values, map, Unknown::Refused)?;
            C::from_values(values).map_err(de::Error::custom)
        }
    }

    /// What a map's key that names no field is.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Unknown {
        /// A problem: credentials name their fields and nothing else.
        Refused,
        /// Not read: a vendor's key file has keys of its own.
        Skipped,
    }

    /// Gives `values` the fields `map` names (Rust or wire names), each read into a
    /// `SecretString` at once when the field is a secret, in declaration order.
    fn read_map<'de, A: MapAccess<'de>>(
        values: &mut FieldValues,
        mut map: A,
        unknown: Unknown,
    ) -> Result<(), A::Error> {
        let table = values.table();
        let mut read = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            match table.field_index(&name) {
                Some(index) => {
                    let field = table.fields().get(index);
                    let seed = ValueSeed {
                        secret: field.is_some_and(|f| f.is_secret()),
                        name: field.map_or("?", |f| f.name()),
                    };
                    if let Some(value) = map.next_value_seed(seed)? {
                        read.push((index, value));
                    }
                }
                None => {
                    map.next_value::<de::IgnoredAny>()?;
                    if unknown == Unknown::Refused {
                        values.unknown(&name);
                    }
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
        Ok(())
    }

    /// Reads a key file's JSON object into `values`: see [`FieldValues::read_key_file`].
    pub(super) fn key_file(values: &mut FieldValues, json: &str) -> Result<(), String> {
        // serde's own message for a value of the wrong type quotes it: say it here.
        if !json.trim_start().starts_with('{') {
            return Err("is not a JSON object".to_owned());
        }
        struct KeyFile<'v>(&'v mut FieldValues);
        impl<'de> Visitor<'de> for KeyFile<'_> {
            type Value = ();

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
                read_map(self.0, map, Unknown::Skipped)
            }
        }
        let mut deserializer = serde_json::Deserializer::from_str(json);
        deserializer
            .deserialize_map(KeyFile(values))
            .and_then(|()| deserializer.end())
            // Syntax errors name a line and column, never the text.
            .map_err(|error| format!("is not JSON that reads: {error}"))
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
