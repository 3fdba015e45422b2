//! The skeleton being written, and its TOML text. Every value from the document is
//! written as an escaped TOML string, every name as a Rust identifier, and every note
//! as comment lines with no control character.

use openapiv3::OpenAPI;

/// Where the login's answer has the token.
pub(crate) enum Spot {
    Path(String),
    Header(String),
    Cookie(String),
    Text,
}

/// A credential field.
pub(crate) struct FieldOut {
    pub(crate) ident: String,
    /// The wire name (dotted when nested) when it is not `ident`.
    pub(crate) wire: Option<String>,
    pub(crate) optional: bool,
    pub(crate) secret: bool,
    pub(crate) basic: Option<String>,
    pub(crate) doc: Option<String>,
}

/// The spec being written.
pub(crate) struct Spec {
    source: String,
    chosen: String,
    name: String,
    vendor: String,
    pub(crate) base: String,
    pub(crate) base_notes: Vec<String>,
    /// The server URL's path, put before operation paths.
    pub(crate) prefix: String,
    /// The server URL's origin as written (with its variables).
    pub(crate) server_origin: String,
    /// The placeholders of `base`: no field may take their names.
    pub(crate) placeholders: Vec<String>,
    pub(crate) login_path: String,
    pub(crate) method: String,
    pub(crate) format: String,
    pub(crate) login_notes: Vec<String>,
    /// Dotted wire names and the one value each always has.
    pub(crate) constants: Vec<(String, String)>,
    pub(crate) oauth2: Option<String>,
    /// (`bearer` | `header` | `query` | `cookie`, the name).
    pub(crate) apply: Option<(String, String)>,
    pub(crate) apply_notes: Vec<String>,
    pub(crate) token: Option<Spot>,
    pub(crate) token_notes: Vec<String>,
    pub(crate) fields: Vec<FieldOut>,
    pub(crate) expiry_hints: Vec<String>,
    pub(crate) notes: Vec<String>,
    pub(crate) error_notes: Vec<String>,
}

impl Spec {
    pub(crate) fn new(source: &str, chosen: &str, api: &OpenAPI) -> Self {
        let title = api.info.title.trim();
        let mut name = pascal(title);
        if !ident(&name) {
            name = format!("Imported{name}");
        }
        if !ident(&name) {
            name = "Imported".to_owned();
        }
        Spec {
            source: source.to_owned(),
            chosen: chosen.to_owned(),
            vendor: if title.is_empty() {
                name.clone()
            } else {
                title.to_owned()
            },
            name,
            base: String::new(),
            base_notes: Vec::new(),
            prefix: String::new(),
            server_origin: String::new(),
            placeholders: Vec::new(),
            login_path: String::new(),
            method: "POST".to_owned(),
            format: "form".to_owned(),
            login_notes: Vec::new(),
            constants: Vec::new(),
            oauth2: None,
            apply: None,
            apply_notes: Vec::new(),
            token: None,
            token_notes: Vec::new(),
            fields: Vec::new(),
            expiry_hints: Vec::new(),
            notes: Vec::new(),
            error_notes: Vec::new(),
        }
    }

    /// Adds a field named after `name` (made a free Rust identifier).
    pub(crate) fn add_field(
        &mut self,
        name: &str,
        basic: Option<&str>,
        optional: bool,
        secret: bool,
        doc: Option<&str>,
    ) -> &mut FieldOut {
        let mut taken: Vec<String> = self.fields.iter().map(|f| f.ident.clone()).collect();
        taken.extend(self.placeholders.iter().cloned());
        let ident = snake(name, &taken);
        let wire = (ident != name).then(|| name.to_owned());
        self.fields.push(FieldOut {
            ident,
            wire,
            optional,
            secret,
            basic: basic.map(str::to_owned),
            doc: doc.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
        });
        let last = self.fields.len() - 1;
        &mut self.fields[last]
    }

    pub(crate) fn has_field(&self, ident: &str) -> bool {
        self.fields.iter().any(|f| f.ident == ident)
    }

    /// The field sent as `wire`.
    pub(crate) fn field_for_wire(&self, wire: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|f| f.wire.as_deref().unwrap_or(&f.ident) == wire)
            .map(|f| f.ident.clone())
    }

    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        comment(
            &mut out,
            &format!(
                "Imported by `authgen import` from `{}`: {}.\nA skeleton: review every TODO, then `authgen check` this file. Schema: specs/README.md.",
                self.source, self.chosen
            ),
        );
        out.push('\n');
        out.push_str(&format!("name = {}\n", quote(&self.name)));
        out.push_str(&format!("vendor = {}\n", quote(&self.vendor)));
        out.push_str(&format!(
            "doc = {}\n",
            quote(&format!(
                "{}, imported from its OpenAPI document.",
                self.vendor
            ))
        ));
        notes(&mut out, &self.base_notes);
        out.push_str(&format!("base = {}\n", quote(&self.base)));
        notes(&mut out, &self.login_notes);
        let mut login = vec![format!("path = {}", quote(&self.login_path))];
        if self.oauth2.is_none() {
            login.push(format!("method = {}", quote(&self.method)));
            login.push(format!("format = {}", quote(&self.format)));
        }
        if !self.constants.is_empty() {
            login.push(format!("constants = {}", constants(&self.constants, 0)));
        }
        out.push_str(&format!("login = {{ {} }}\n", login.join(", ")));
        if let Some(grant) = &self.oauth2 {
            out.push_str(&format!("oauth2 = {{ grant = {} }}\n", quote(grant)));
        }
        notes(&mut out, &self.token_notes);
        match &self.token {
            Some(Spot::Path(path)) => out.push_str(&format!("token = {}\n", quote(path))),
            Some(Spot::Header(name)) => {
                out.push_str(&format!("token = {{ header = {} }}\n", quote(name)));
            }
            Some(Spot::Cookie(name)) => {
                out.push_str(&format!("token = {{ cookie = {} }}\n", quote(name)));
            }
            Some(Spot::Text) => out.push_str("token = { text = true }\n"),
            None => {}
        }
        notes(&mut out, &self.apply_notes);
        match &self.apply {
            Some((place, _)) if place == "bearer" => out.push_str("apply = { bearer = true }\n"),
            Some((place, name)) => {
                out.push_str(&format!("apply = {{ {place} = {} }}\n", quote(name)));
            }
            None => {}
        }
        notes(&mut out, &self.expiry_hints);
        notes(&mut out, &self.notes);
        for field in &self.fields {
            out.push_str(&format!("\n[fields.{}]\n", field.ident));
            if let Some(doc) = &field.doc {
                out.push_str(&format!("doc = {}\n", quote(doc)));
            }
            if let Some(wire) = &field.wire {
                out.push_str(&format!("rename = {}\n", quote(wire)));
            }
            if field.optional {
                out.push_str("optional = true\n");
            }
            if field.secret {
                out.push_str("secret = true\n");
            }
            if let Some(basic) = &field.basic {
                out.push_str(&format!("basic = {}\n", quote(basic)));
            }
        }
        for note in &self.error_notes {
            out.push('\n');
            comment(&mut out, note);
        }
        out
    }
}

fn notes(out: &mut String, notes: &[String]) {
    for note in notes {
        comment(out, note);
    }
}

/// `text` as comment lines; control characters (which TOML comments may not hold)
/// become spaces.
fn comment(out: &mut String, text: &str) {
    for line in text.lines() {
        let line: String = line
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
        out.push_str(format!("# {line}").trim_end());
        out.push('\n');
    }
}

/// A key of an inline table: the entries nested under it, or its value.
type Group = (String, Vec<(String, String)>, Option<String>);

/// `constants` as an inline table, dotted names nested.
fn constants(entries: &[(String, String)], depth: usize) -> String {
    let mut groups: Vec<Group> = Vec::new();
    for (path, value) in entries {
        let (head, rest) = match path.split_once('.') {
            Some((head, rest)) if depth < 16 => (head.to_owned(), Some(rest.to_owned())),
            _ => (path.clone(), None),
        };
        let index = match groups.iter().position(|g| g.0 == head) {
            Some(index) => index,
            None => {
                groups.push((head, Vec::new(), None));
                groups.len() - 1
            }
        };
        match rest {
            Some(rest) => groups[index].1.push((rest, value.clone())),
            None => groups[index].2 = Some(value.clone()),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(key, nested, value)| match value {
            Some(value) if nested.is_empty() => format!("{} = {}", key_text(key), quote(value)),
            _ => format!("{} = {}", key_text(key), constants(nested, depth + 1)),
        })
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn key_text(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_owned()
    } else {
        quote(key)
    }
}

/// A TOML basic string.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `text` is a Rust identifier (not a keyword, not raw).
pub(crate) fn ident(text: &str) -> bool {
    syn::parse_str::<syn::Ident>(text).is_ok()
}

/// The words of a name: `siteId` -> `site`, `id`; `X-API-Key` -> `x`, `api`, `key`.
fn name_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = c.is_ascii_uppercase()
            && i > 0
            && (chars[i - 1].is_ascii_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars[i - 1].is_ascii_uppercase()
                    && chars.get(i + 1).is_some_and(char::is_ascii_lowercase));
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A snake_case Rust identifier for `name`, not one of `taken`, not a method of the
/// credential builders.
pub(crate) fn snake(name: &str, taken: &[String]) -> String {
    let mut base = name_words(name).join("_");
    if base.is_empty() {
        base = "field".to_owned();
    }
    if base.starts_with(|c: char| c.is_ascii_digit()) {
        base = format!("f_{base}");
    }
    if !ident(&base) || base == "self" || base == "Self" {
        base.push('_');
    }
    if matches!(base.as_str(), "build" | "set" | "try_build") {
        base.push_str("_value");
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}_{n}");
        n += 1;
    }
    candidate
}

/// An UpperCamelCase name: `Example Corp API` -> `ExampleCorpApi`.
pub(crate) fn pascal(text: &str) -> String {
    name_words(text)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{pascal, quote, snake};

    #[test]
    fn names_become_rust_identifiers() {
        assert_eq!(snake("siteId", &[]), "site_id");
        assert_eq!(snake("X-API-Key", &[]), "x_api_key");
        assert_eq!(snake("type", &[]), "type_");
        assert_eq!(snake("2fa", &[]), "f_2fa");
        assert_eq!(snake("build", &[]), "build_value");
        assert_eq!(snake("host", &["host".to_owned()]), "host_2");
        assert_eq!(snake("", &[]), "field");
        assert_eq!(pascal("Example Corp API"), "ExampleCorpApi");
        assert_eq!(pascal("my-pet_store"), "MyPetStore");
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(quote("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }
}
