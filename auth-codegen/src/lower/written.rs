//! The tree written back as source text, for messages that show what to write instead:
//! `success(text, equals = "Ok.")` in the attribute, `success = { text = true, equals =
//! "Ok." }` in a spec file.

use std::fmt::Write as _;

use crate::keys::{self, Context, Shape, Source};
use crate::source::{Entry, Kind};

/// `entry` as written in `source` in a table of `context`: `key = value`, a flag as its
/// bare name in the attribute (`text`), a value without a key alone (`Locked`). A nested
/// table is shown as `key(...)` or `key = { ... }`: the messages are about its neighbours.
pub(super) fn entry(entry: &Entry, context: Context, source: Source) -> String {
    let Some(key) = &entry.key else {
        return value(&entry.value.kind, source);
    };
    let flag = keys::find(context, &key.name).is_some_and(|row| row.shape == Shape::Flag);
    match (&entry.value.kind, source) {
        (Kind::Bool(true), Source::Attribute) if flag => key.name.clone(),
        (Kind::Table(_), Source::Attribute) => format!("{}(...)", key.name),
        (kind, _) => format!("{} = {}", key.name, value(kind, source)),
    }
}

/// The table `head` with `entries`, as written in `source`: `head(a, b = "c")`, or
/// `head = { a = true, b = "c" }`.
pub(super) fn table(head: &str, entries: &[Entry], context: Context, source: Source) -> String {
    let inner: Vec<String> = entries
        .iter()
        .map(|e| self::entry(e, context, source))
        .collect();
    match source {
        Source::Attribute => format!("{head}({})", inner.join(", ")),
        Source::Spec => format!("{head} = {{ {} }}", inner.join(", ")),
    }
}

/// The attribute's dotted key `a.b.c` as the tables it stands for: `a(b(c = ...))`.
pub(super) fn undotted(name: &str) -> String {
    let mut parts = name.split('.').rev();
    let last = parts.next().unwrap_or(name);
    parts.fold(format!("{last} = ..."), |inner, outer| {
        format!("{outer}({inner})")
    })
}

fn value(kind: &Kind, source: Source) -> String {
    match kind {
        Kind::Str(text) => quoted(text, source),
        Kind::Int(digits) | Kind::Float(digits) => digits.clone(),
        Kind::Bool(b) => b.to_string(),
        Kind::Word(word) => word.clone(),
        Kind::List(items) => {
            let items: Vec<String> = items.iter().map(|i| value(&i.kind, source)).collect();
            format!("[{}]", items.join(", "))
        }
        Kind::Table(_) => match source {
            Source::Attribute => "(...)".to_owned(),
            Source::Spec => "{ ... }".to_owned(),
        },
    }
}

/// A string literal of `source`.
fn quoted(text: &str, source: Source) -> String {
    match source {
        // Rust's own escapes are a string literal's.
        Source::Attribute => format!("{text:?}"),
        Source::Spec => {
            let mut out = String::from('"');
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() => {
                        let _ = write!(out, "\\u{:04X}", u32::from(c));
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::Span;

    use super::*;
    use crate::source::Value;

    fn keyed(name: &str, kind: Kind) -> Entry {
        Entry::keyed(
            name,
            Span::call_site().into(),
            Value {
                kind,
                span: Span::call_site().into(),
            },
        )
    }

    #[test]
    fn a_table_reads_as_each_source_writes_it() {
        let entries = [
            keyed("text", Kind::Bool(true)),
            keyed("equals", Kind::Str("say \"Ok.\"\n".into())),
        ];
        assert_eq!(
            table("success", &entries, Context::Condition, Source::Attribute),
            r#"success(text, equals = "say \"Ok.\"\n")"#
        );
        assert_eq!(
            table("success", &entries, Context::Condition, Source::Spec),
            r#"success = { text = true, equals = "say \"Ok.\"\u000A" }"#
        );
        assert_eq!(
            undotted("auth.identity.methods"),
            "auth(identity(methods = ...))"
        );
        // `equals = true` is a value, not a flag.
        let entries = [keyed("equals", Kind::Bool(true))];
        assert_eq!(
            table("success", &entries, Context::Condition, Source::Attribute),
            "success(equals = true)"
        );
    }
}
