//! Per-field validation messages some vendors return with an error (Currencycloud's
//! `error_messages: {field: [{code, message, params}]}`), kept for the user.

use std::collections::BTreeMap;

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
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages about `field`.
    pub fn get(&self, field: &str) -> &[FieldMessage] {
        self.0.get(field).map(Vec::as_slice).unwrap_or_default()
    }

    /// Reads `{field: [{code, message, params}]}`, tolerating a single object or a bare
    /// string in place of the list; anything else is skipped.
    pub(crate) fn from_json(value: &serde_json::Value) -> Self {
        let Some(fields) = value.as_object() else {
            return FieldMessages::default();
        };
        let messages = fields
            .iter()
            .map(|(field, entries)| {
                let list = match entries {
                    serde_json::Value::Array(items) => items.iter().filter_map(message).collect(),
                    other => message(other).into_iter().collect(),
                };
                (field.clone(), list)
            })
            .collect();
        FieldMessages(messages)
    }
}

fn message(value: &serde_json::Value) -> Option<FieldMessage> {
    use crate::__private::text;
    match value {
        serde_json::Value::String(text) => Some(FieldMessage {
            message: Some(text.clone()),
            ..FieldMessage::default()
        }),
        serde_json::Value::Object(map) => Some(FieldMessage {
            code: text(map.get("code")),
            message: text(map.get("message")),
            params: map
                .get("params")
                .and_then(serde_json::Value::as_object)
                .map(|params| {
                    params
                        .iter()
                        .map(|(k, v)| (k.clone(), text(Some(v)).unwrap_or_else(|| v.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
        }),
        _ => None,
    }
}

impl std::fmt::Display for FieldMessages {
    /// `field: code (message); field: ...`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (field, messages) in &self.0 {
            for m in messages {
                if !first {
                    f.write_str("; ")?;
                }
                first = false;
                write!(f, "{field}:")?;
                if let Some(code) = &m.code {
                    write!(f, " {code}")?;
                }
                if let Some(message) = &m.message {
                    write!(f, " ({message})")?;
                }
            }
        }
        Ok(())
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
}
