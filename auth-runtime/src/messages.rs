//! Per-field validation messages some vendors return with an error (Currencycloud's
//! `error_messages: {field: [{code, message, params}]}`), kept for the user.
//!
//! They come from the vendor's response and end up in errors, logs and stored
//! refusals, so what is kept is capped: [`FieldMessages::MAX_FIELDS`] fields,
//! [`FieldMessages::MAX_PER_FIELD`] messages each, [`FieldMessages::MAX_PARAMS`]
//! parameters each, every text cut to [`MESSAGE_CHARS`](crate::MESSAGE_CHARS).

use std::collections::BTreeMap;

use crate::MESSAGE_CHARS;
use crate::error::capped;

/// One message about one request field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMessage {
    /// A machine-readable code, e.g. `api_key_length_is_invalid`.
    pub code: Option<String>,
    /// The vendor's explanation.
    pub message: Option<String>,
    /// Parameters of the message (e.g. `length: 64`), as text.
    pub params: BTreeMap<String, String>,
}

/// Messages about request fields, by field name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMessages(pub BTreeMap<String, Vec<FieldMessage>>);

impl FieldMessages {
    /// The most fields kept from a response (the first ones by name).
    pub const MAX_FIELDS: usize = 16;
    /// The most messages kept per field.
    pub const MAX_PER_FIELD: usize = 4;
    /// The most parameters kept per message.
    pub const MAX_PARAMS: usize = 8;
    /// The longest `Display` of all the messages, in characters, before `…`.
    pub const DISPLAY_CHARS: usize = 4 * MESSAGE_CHARS;

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages about `field`.
    pub fn get(&self, field: &str) -> &[FieldMessage] {
        self.0.get(field).map(Vec::as_slice).unwrap_or_default()
    }

    /// Reads `{field: [{code, message, params}]}`, tolerating a single object or a bare
    /// string in place of the list; anything else is skipped. Capped (see the module).
    pub(crate) fn from_json(value: &serde_json::Value) -> Self {
        let Some(fields) = value.as_object() else {
            return FieldMessages::default();
        };
        let messages = fields
            .iter()
            .take(Self::MAX_FIELDS)
            .map(|(field, entries)| {
                let list = match entries {
                    serde_json::Value::Array(items) => items
                        .iter()
                        .filter_map(message)
                        .take(Self::MAX_PER_FIELD)
                        .collect(),
                    other => message(other).into_iter().collect(),
                };
                (cap(field.clone()), list)
            })
            .collect();
        FieldMessages(messages)
    }
}

fn cap(text: String) -> String {
    capped(text, MESSAGE_CHARS)
}

fn message(value: &serde_json::Value) -> Option<FieldMessage> {
    use crate::decode::text;
    let capped_text = |v: Option<&serde_json::Value>| text(v).map(cap);
    match value {
        serde_json::Value::String(text) => Some(FieldMessage {
            message: Some(cap(text.clone())),
            ..FieldMessage::default()
        }),
        serde_json::Value::Object(map) => Some(FieldMessage {
            code: capped_text(map.get("code")),
            message: capped_text(map.get("message")),
            params: map
                .get("params")
                .and_then(serde_json::Value::as_object)
                .map(|params| {
                    params
                        .iter()
                        .take(FieldMessages::MAX_PARAMS)
                        .map(|(k, v)| {
                            let v = text(Some(v)).unwrap_or_else(|| v.to_string());
                            (cap(k.clone()), cap(v))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }),
        _ => None,
    }
}

impl std::fmt::Display for FieldMessages {
    /// `field: code (message); field: ...`, cut to [`FieldMessages::DISPLAY_CHARS`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write as _;
        let mut shown = String::new();
        let mut first = true;
        'fields: for (field, messages) in &self.0 {
            for m in messages {
                if shown.len() > 4 * Self::DISPLAY_CHARS {
                    // Enough to cut from; the rest would only be dropped.
                    break 'fields;
                }
                if !first {
                    shown.push_str("; ");
                }
                first = false;
                write!(shown, "{field}:")?;
                if let Some(code) = &m.code {
                    write!(shown, " {code}")?;
                }
                if let Some(message) = &m.message {
                    write!(shown, " ({message})")?;
                }
            }
        }
        f.write_str(&capped(shown, Self::DISPLAY_CHARS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_currencyclouds_error_messages() {
        let body = serde_json::json!({
            "username": [{"code": "invalid_supplied_credentials",
                          "message": "Authentication failed with the supplied credentials",
                          "params": {}}],
            "api_key": [{"code": "api_key_length_is_invalid", "message": "api_key should be 64 character(s) long",
                         "params": {"length": 64}}],
            "odd": "just text",
            "ignored": 5
        });
        let messages = FieldMessages::from_json(&body);
        assert_eq!(
            messages.get("username")[0].code.as_deref(),
            Some("invalid_supplied_credentials")
        );
        assert_eq!(messages.get("api_key")[0].params["length"], "64");
        assert_eq!(messages.get("odd")[0].message.as_deref(), Some("just text"));
        assert!(messages.get("ignored").is_empty());
        assert!(
            messages
                .to_string()
                .contains("api_key: api_key_length_is_invalid (api_key should be")
        );
        assert!(FieldMessages::from_json(&serde_json::json!([1, 2])).is_empty());
    }

    #[test]
    fn what_is_kept_from_a_hostile_response_is_capped() {
        let huge = "m".repeat(2 * MESSAGE_CHARS);
        let entry = serde_json::json!({"code": huge, "message": huge,
            "params": (0..20).map(|i| (format!("p{i}"), serde_json::json!({"v": huge})))
                .collect::<serde_json::Map<_, _>>()});
        let fields: serde_json::Map<_, _> = (0..100)
            .map(|i| {
                (
                    format!("{i:03}{huge}"),
                    serde_json::json!(vec![entry.clone(); 50]),
                )
            })
            .collect();
        let messages = FieldMessages::from_json(&serde_json::Value::Object(fields));
        assert_eq!(messages.0.len(), FieldMessages::MAX_FIELDS);
        for (field, list) in &messages.0 {
            assert_eq!(field.chars().count(), MESSAGE_CHARS + 1);
            assert_eq!(list.len(), FieldMessages::MAX_PER_FIELD);
            for m in list {
                let code = m.code.as_deref().unwrap_or_default();
                let message = m.message.as_deref().unwrap_or_default();
                assert!(code.ends_with('…') && code.chars().count() == MESSAGE_CHARS + 1);
                assert_eq!(message.chars().count(), MESSAGE_CHARS + 1);
                assert_eq!(m.params.len(), FieldMessages::MAX_PARAMS);
                assert!(
                    m.params
                        .values()
                        .all(|v| v.chars().count() <= MESSAGE_CHARS + 1)
                );
            }
        }
        let shown = messages.to_string();
        assert_eq!(shown.chars().count(), FieldMessages::DISPLAY_CHARS + 1);
        let bare = FieldMessages::from_json(&serde_json::json!({"f": huge}));
        assert_eq!(
            bare.get("f")[0]
                .message
                .as_deref()
                .map(|m| m.chars().count()),
            Some(MESSAGE_CHARS + 1)
        );
    }
}
