//! Spec files (TOML), read into the tree.
//!
//! A lexer only: toml's spanned document model becomes entries and values, each with
//! the byte range it was written at, in the order written; no key is interpreted here.
//! [`SpecFile`] also renders problems found anywhere in the pipeline as `file:line:col`
//! with the line at fault, the way rustc shows its errors.

use std::fmt;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::{Entry, Kind, Value};
use crate::errors::Errors;
use crate::model::Location;

/// A spec file: its name as shown in messages, and its text.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// The name shown in diagnostics, usually the path as given.
    pub name: String,
    /// The TOML text.
    pub text: String,
}

impl SpecFile {
    /// A spec from memory.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SpecFile {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Reads the spec at `path`; diagnostics name it as given.
    pub fn read(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        Ok(SpecFile {
            name: path.display().to_string(),
            text: std::fs::read_to_string(path)?,
        })
    }

    /// `errors` (recorded while parsing this file) rendered against its text.
    pub(crate) fn errors(&self, errors: &Errors) -> SpecErrors {
        SpecErrors {
            diagnostics: errors
                .diagnostics()
                .into_iter()
                .map(|d| self.diagnostic(d.location, d.message))
                .collect(),
        }
    }

    fn diagnostic(&self, location: Location, message: String) -> SpecDiagnostic {
        let (start, end) = match location {
            Location::Spec { start, end } => (start, end),
            // Not expected from a spec; shown at the top of the file.
            Location::Rust(_) => (0, 0),
        };
        let text = &self.text;
        let start = floor_char_boundary(text, start.min(text.len()));
        let end = floor_char_boundary(text, end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let source_line = text[line_start..line_end].trim_end_matches('\r').to_owned();
        let column = text[line_start..start].chars().count() + 1;
        let width = text[start..end.min(line_end)].chars().count().max(1);
        SpecDiagnostic {
            file: self.name.clone(),
            line: text[..start].matches('\n').count() + 1,
            column,
            message,
            source_line,
            width,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// One problem in a spec file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecDiagnostic {
    /// The spec file, as named in [`SpecFile::name`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The line of the spec at fault.
    pub source_line: String,
    /// How many characters of it are at fault.
    pub width: usize,
}

impl SpecDiagnostic {
    /// `file:line:col: message` on one line (the message's own line breaks kept).
    pub fn short(&self) -> String {
        format!(
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl fmt::Display for SpecDiagnostic {
    /// Rendered the way rustc renders its errors:
    ///
    /// ```text
    /// error: unknown key `tokn` in the spec; did you mean `token`?
    ///   --> specs/example.toml:4:1
    ///    |
    ///  4 | tokn = "token"
    ///    | ^^^^
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        let message = self.message.replace('\n', "\n       ");
        writeln!(f, "error: {message}")?;
        writeln!(f, "{gutter}--> {}:{}:{}", self.file, self.line, self.column)?;
        writeln!(f, "{gutter} |")?;
        writeln!(f, "{number} | {}", self.source_line)?;
        let pad: String = self
            .source_line
            .chars()
            .take(self.column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, "{gutter} | {pad}{}", "^".repeat(self.width))
    }
}

/// Every problem found in a spec file.
#[derive(Debug, Clone)]
pub struct SpecErrors {
    /// The problems, in the order found.
    pub diagnostics: Vec<SpecDiagnostic>,
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

/// The spec's text as entries, or `None` when it is not valid TOML (each syntax error
/// recorded at its place).
pub(crate) fn read(text: &str, errors: &Errors) -> Option<Vec<Entry>> {
    let (root, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        for error in syntax_errors {
            let span = error.span().unwrap_or(0..0);
            errors.error(
                span,
                format!("invalid TOML: {}", error.message().trim_end()),
            );
        }
        return None;
    }
    Some(table(root.get_ref(), errors))
}

/// The entries of `table` in the order written (toml's map is sorted by key).
fn table(table: &DeTable<'_>, errors: &Errors) -> Vec<Entry> {
    let mut out: Vec<(usize, Entry)> = table
        .iter()
        .filter_map(|(key, value)| {
            let span = key.span();
            let value = self::value(value, errors)?;
            Some((
                span.start,
                Entry::keyed(key.get_ref().as_ref(), span.into(), value),
            ))
        })
        .collect();
    out.sort_by_key(|(start, _)| *start);
    out.into_iter().map(|(_, entry)| entry).collect()
}

fn value(value: &toml::Spanned<DeValue<'_>>, errors: &Errors) -> Option<Value> {
    let span: Location = value.span().into();
    let kind = match value.get_ref() {
        DeValue::String(s) => Kind::Str(s.to_string()),
        DeValue::Integer(i) => Kind::Int(match i128::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => n.to_string(),
            // Out of range for any key: kept as written, refused where it is read.
            Err(_) => i.as_str().to_owned(),
        }),
        DeValue::Float(f) => Kind::Float(f.as_str().to_owned()),
        DeValue::Boolean(b) => Kind::Bool(*b),
        DeValue::Datetime(_) => {
            errors.error(
                span,
                "a date or time has no meaning in a spec: write durations as strings, e.g. \"15m\"",
            );
            return None;
        }
        DeValue::Array(items) => Kind::List(
            items
                .iter()
                .filter_map(|item| self::value(item, errors))
                .collect(),
        ),
        DeValue::Table(inner) => Kind::Table(table(inner, errors)),
    };
    Some(Value { kind, span })
}
