//! What a schema shows: the leaves of an object (request body fields), and where in a
//! response a token or an expiry sits. Nesting is bounded; a schema met again inside
//! itself (a recursive structure) is not descended into, and one that includes itself
//! through `allOf` is an error.

use openapiv3::{ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};

use super::document::Document;

/// Objects nested deeper than this are not descended into.
const MAX_DEPTH: usize = 8;

/// A property at the end of a (dotted) path.
pub(crate) struct Leaf<'a> {
    /// The property names from the top, e.g. `["auth", "user", "name"]`.
    pub(crate) path: Vec<String>,
    /// Every object on the way lists it as required.
    pub(crate) required: bool,
    pub(crate) schema: &'a Schema,
}

impl Leaf<'_> {
    pub(crate) fn dotted(&self) -> String {
        self.path.join(".")
    }

    pub(crate) fn name(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }

    /// `format: password`.
    pub(crate) fn is_password(&self) -> bool {
        matches!(
            &self.schema.schema_kind,
            SchemaKind::Type(Type::String(s))
                if matches!(s.format, VariantOrUnknownOrEmpty::Item(StringFormat::Password))
        ) || matches!(&self.schema.schema_kind, SchemaKind::Any(a) if a.format.as_deref() == Some("password"))
    }

    /// The one value an enum allows, when it allows one string.
    pub(crate) fn constant(&self) -> Option<&str> {
        match &self.schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => match s.enumeration.as_slice() {
                [Some(only)] => Some(only),
                _ => None,
            },
            SchemaKind::Any(a) => match a.enumeration.as_slice() {
                [serde_json::Value::String(only)] => Some(only),
                _ => None,
            },
            _ => None,
        }
    }

    /// A value that is not text: an array, or an object whose properties are unknown.
    pub(crate) fn shape(&self) -> &'static str {
        match &self.schema.schema_kind {
            SchemaKind::Type(Type::Array(_)) => "an array",
            SchemaKind::Type(Type::Object(_)) => "an object",
            SchemaKind::Type(Type::Integer(_) | Type::Number(_)) => "a number",
            SchemaKind::Type(Type::Boolean(_)) => "a boolean",
            SchemaKind::Any(a) => match a.typ.as_deref() {
                Some("array") => "an array",
                Some("object") => "an object",
                Some("integer" | "number") => "a number",
                Some("boolean") => "a boolean",
                _ => "text",
            },
            _ => "text",
        }
    }

    pub(crate) fn description(&self) -> Option<&str> {
        self.schema.schema_data.description.as_deref()
    }
}

/// What an object schema shows.
#[derive(Default)]
pub(crate) struct Shape<'a> {
    pub(crate) leaves: Vec<Leaf<'a>>,
    /// `oneOf`/`anyOf` alternatives met, as the leaves each offers (dotted).
    pub(crate) alternatives: Vec<Vec<String>>,
    /// Properties not descended into: too deep, or a schema inside itself.
    pub(crate) cut: Vec<String>,
}

/// Walks schemas of one document.
pub(crate) struct Walker<'d, 'a> {
    pub(crate) doc: &'d Document<'a>,
    /// Where the walk started, for messages.
    pub(crate) at: String,
    /// The `$ref`s being expanded, outermost first.
    stack: Vec<String>,
}

impl<'d, 'a> Walker<'d, 'a> {
    pub(crate) fn new(doc: &'d Document<'a>, at: impl Into<String>) -> Self {
        Walker {
            doc,
            at: at.into(),
            stack: Vec::new(),
        }
    }

    /// The leaves of `schema`, nested objects flattened into dotted paths when `nest`.
    pub(crate) fn leaves(
        &mut self,
        schema: &'a ReferenceOr<Schema>,
        nest: bool,
    ) -> Result<Shape<'a>, String> {
        let mut shape = Shape::default();
        let name = Document::ref_name(schema).map(str::to_owned);
        let resolved = self.doc.resolve(schema, &self.at.clone())?;
        self.enter(name.clone())?;
        self.object(resolved, &[], true, nest, &mut shape)?;
        self.leave(name);
        Ok(shape)
    }

    fn enter(&mut self, name: Option<String>) -> Result<(), String> {
        if let Some(name) = name {
            if self.stack.contains(&name) {
                return Err(format!(
                    "error: cyclic $ref at {}: `{name}` includes itself through `allOf`",
                    self.at
                ));
            }
            self.stack.push(name);
        }
        Ok(())
    }

    fn leave(&mut self, name: Option<String>) {
        if name.is_some() {
            self.stack.pop();
        }
    }

    /// Adds the properties of `schema` (an object, or `allOf`/`oneOf`/`anyOf` of
    /// objects) under `prefix` to `shape`.
    fn object(
        &mut self,
        schema: &'a Schema,
        prefix: &[String],
        required: bool,
        nest: bool,
        shape: &mut Shape<'a>,
    ) -> Result<(), String> {
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => self.properties(
                o.properties.iter(),
                &o.required,
                prefix,
                required,
                nest,
                shape,
            ),
            SchemaKind::Any(a) if !a.properties.is_empty() || !a.all_of.is_empty() => {
                self.properties(
                    a.properties.iter(),
                    &a.required,
                    prefix,
                    required,
                    nest,
                    shape,
                )?;
                for part in &a.all_of {
                    self.part(part, prefix, required, nest, shape)?;
                }
                Ok(())
            }
            SchemaKind::AllOf { all_of } => {
                for part in all_of {
                    self.part(part, prefix, required, nest, shape)?;
                }
                Ok(())
            }
            SchemaKind::OneOf { one_of: parts } | SchemaKind::AnyOf { any_of: parts } => {
                for part in parts {
                    let before = shape.leaves.len();
                    // Each alternative's fields are optional: only one is given.
                    self.part(part, prefix, false, nest, shape)?;
                    let offered = shape.leaves[before..].iter().map(Leaf::dotted).collect();
                    shape.alternatives.push(offered);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn part(
        &mut self,
        part: &'a ReferenceOr<Schema>,
        prefix: &[String],
        required: bool,
        nest: bool,
        shape: &mut Shape<'a>,
    ) -> Result<(), String> {
        let name = Document::ref_name(part).map(str::to_owned);
        let schema = self.doc.resolve(part, &self.at.clone())?;
        self.enter(name.clone())?;
        self.object(schema, prefix, required, nest, shape)?;
        self.leave(name);
        Ok(())
    }

    fn properties(
        &mut self,
        properties: impl Iterator<Item = (&'a String, &'a ReferenceOr<Box<Schema>>)>,
        required_names: &[String],
        prefix: &[String],
        required: bool,
        nest: bool,
        shape: &mut Shape<'a>,
    ) -> Result<(), String> {
        for (name, property) in properties {
            let mut path = prefix.to_vec();
            path.push(name.clone());
            let schema = self.doc.schema(property, &self.at.clone())?;
            if schema.schema_data.read_only {
                continue;
            }
            let required = required && required_names.contains(name);
            let reference = Document::ref_name(property).map(str::to_owned);
            if nest && is_object(schema) {
                let recursive = reference.as_ref().is_some_and(|r| self.stack.contains(r));
                if recursive || path.len() >= MAX_DEPTH {
                    shape.cut.push(path.join("."));
                    continue;
                }
                self.enter(reference.clone())?;
                self.object(schema, &path, required, nest, shape)?;
                self.leave(reference);
                continue;
            }
            shape.leaves.push(Leaf {
                path,
                required,
                schema,
            });
        }
        Ok(())
    }
}

/// An object with properties (or made of parts) that a walk can descend into.
fn is_object(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => !o.properties.is_empty(),
        SchemaKind::Any(a) => !a.properties.is_empty() || !a.all_of.is_empty(),
        SchemaKind::AllOf { .. } | SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => true,
        _ => false,
    }
}

/// A name with case and separators removed: `access_token`, `accessToken` and
/// `Access-Token` are all `accesstoken`.
pub(crate) fn squash(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// How much a property name looks like the token, best first (`None`: not at all).
pub(crate) fn token_rank(name: &str) -> Option<usize> {
    const NAMES: [&str; 10] = [
        "accesstoken",
        "token",
        "authtoken",
        "jwt",
        "sessiontoken",
        "bearertoken",
        "apitoken",
        "idtoken",
        "authenticationtoken",
        "sessionid",
    ];
    NAMES.iter().position(|n| *n == squash(name))
}

/// A property name that states when the token expires.
pub(crate) fn is_expiry(name: &str) -> bool {
    matches!(
        squash(name).as_str(),
        "expiresin"
            | "expiresat"
            | "expires"
            | "expiry"
            | "expiration"
            | "expiresafter"
            | "ttl"
            | "validuntil"
            | "exp"
    )
}

/// Whether a schema is a plain string (a bare JSON string token).
pub(crate) fn is_string(schema: &Schema) -> bool {
    matches!(schema.schema_kind, SchemaKind::Type(Type::String(_)))
        || matches!(&schema.schema_kind, SchemaKind::Any(a) if a.typ.as_deref() == Some("string"))
}
