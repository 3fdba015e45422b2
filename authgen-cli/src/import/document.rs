//! Reading an OpenAPI 3.0 document (JSON or YAML) and following its `$ref`s.
//!
//! Everything here treats the document as hostile: its size is capped, both parsers
//! bound nesting (and the YAML one aliases), and references are followed only into the
//! document's own `components`, a bounded number of hops, with a cycle named as such.

use std::path::Path;

use openapiv3::{
    Components, Header, OpenAPI, ReferenceOr, RequestBody, Response, Schema, SecurityScheme,
};

/// Documents larger than this are refused before parsing.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// A chain of `$ref`s longer than this is refused (a cycle is reported as one).
const MAX_HOPS: usize = 32;

/// Reads `path` as an OpenAPI 3.0 document: JSON when its extension says so, or when it
/// has no YAML extension and its text starts with `{`; YAML otherwise.
pub(crate) fn load(path: &Path) -> Result<OpenAPI, String> {
    let shown = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("error: cannot read `{shown}`: {e}"))?
        .len();
    if size > MAX_BYTES {
        return Err(format!(
            "error: `{shown}` has {size} bytes; an OpenAPI document of at most {MAX_BYTES} is read"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("error: cannot read `{shown}`: {e}"))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("error: `{shown}` is not UTF-8 text"))?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let json = match extension.as_deref() {
        Some("json") => true,
        Some("yaml" | "yml") => false,
        _ => text.trim_start().starts_with('{'),
    };
    let api: OpenAPI = if json {
        serde_json::from_str(&text).map_err(|e| {
            format!("error: `{shown}` is not an OpenAPI 3.0 document (read as JSON): {e}")
        })?
    } else {
        // YAML 1.2 booleans only: `no`, `on`, `y` stay strings, as in JSON.
        let options = serde_saphyr::options! { strict_booleans: true };
        serde_saphyr::from_str_with_options(&text, options).map_err(|e| {
            format!("error: `{shown}` is not an OpenAPI 3.0 document (read as YAML): {e}")
        })?
    };
    if !api.openapi.starts_with("3.") {
        return Err(format!(
            "error: `{shown}` says `openapi: {}`; `authgen import` reads OpenAPI 3 documents",
            api.openapi
        ));
    }
    Ok(api)
}

/// One kind of component a `$ref` may point to.
trait Component: Sized {
    const SECTION: &'static str;
    fn get<'c>(components: &'c Components, name: &str) -> Option<&'c ReferenceOr<Self>>;
}

macro_rules! component {
    ($t:ty, $section:literal, $field:ident) => {
        impl Component for $t {
            const SECTION: &'static str = $section;
            fn get<'c>(components: &'c Components, name: &str) -> Option<&'c ReferenceOr<Self>> {
                components.$field.get(name)
            }
        }
    };
}

component!(Schema, "schemas", schemas);
component!(RequestBody, "requestBodies", request_bodies);
component!(Response, "responses", responses);
component!(SecurityScheme, "securitySchemes", security_schemes);
component!(Header, "headers", headers);

/// The document, for following references.
pub(crate) struct Document<'a> {
    pub(crate) api: &'a OpenAPI,
}

impl<'a> Document<'a> {
    /// What `item` is, following `$ref`s; `at` says where it was met, for messages.
    #[expect(private_bounds, reason = "the components a `$ref` may point to")]
    pub(crate) fn resolve<T: Component>(
        &self,
        item: &'a ReferenceOr<T>,
        at: &str,
    ) -> Result<&'a T, String> {
        match item {
            ReferenceOr::Item(item) => Ok(item),
            ReferenceOr::Reference { reference } => self.follow(reference, at),
        }
    }

    /// The security scheme the document declares under `name`, its `$ref`s followed;
    /// `None` when it declares none by that name.
    pub(crate) fn security_scheme(&self, name: &str) -> Result<Option<&'a SecurityScheme>, String> {
        let Some(scheme) = self
            .api
            .components
            .as_ref()
            .and_then(|c| c.security_schemes.get(name))
        else {
            return Ok(None);
        };
        let at = format!("`components.securitySchemes.{name}`");
        self.resolve(scheme, &at).map(Some)
    }

    /// A schema that may be boxed (object properties, array items).
    pub(crate) fn schema(
        &self,
        item: &'a ReferenceOr<Box<Schema>>,
        at: &str,
    ) -> Result<&'a Schema, String> {
        match item {
            ReferenceOr::Item(item) => Ok(item),
            ReferenceOr::Reference { reference } => self.follow(reference, at),
        }
    }

    /// The name of the component `item` refers to, if it is a reference.
    pub(crate) fn ref_name<T>(item: &ReferenceOr<T>) -> Option<&str> {
        match item {
            ReferenceOr::Reference { reference } => Some(reference),
            ReferenceOr::Item(_) => None,
        }
    }

    fn follow<T: Component>(&self, first: &'a str, at: &str) -> Result<&'a T, String> {
        let prefix = format!("#/components/{}/", T::SECTION);
        let mut chain: Vec<&str> = Vec::new();
        let mut reference = first;
        loop {
            if chain.contains(&reference) {
                chain.push(reference);
                return Err(format!(
                    "error: cyclic $ref at {at}: {} never reaches a definition",
                    chain
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(" -> ")
                ));
            }
            if chain.len() >= MAX_HOPS {
                return Err(format!(
                    "error: $ref `{first}` at {at} goes through more than {MAX_HOPS} references"
                ));
            }
            chain.push(reference);
            let Some(name) = reference.strip_prefix(&prefix) else {
                return Err(format!(
                    "error: $ref `{reference}` at {at} is not followed: only `{prefix}...` in the same document is"
                ));
            };
            let name = name.replace("~1", "/").replace("~0", "~");
            let target = self.api.components.as_ref().and_then(|c| T::get(c, &name));
            match target {
                None => {
                    return Err(format!(
                        "error: dangling $ref `{reference}` at {at}: the document has no `components.{}.{name}`",
                        T::SECTION
                    ));
                }
                Some(ReferenceOr::Item(item)) => return Ok(item),
                Some(ReferenceOr::Reference { reference: next }) => reference = next,
            }
        }
    }
}
