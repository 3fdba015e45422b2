//! Lowers the credential fields (`fields`, or the attribute's struct fields) and their
//! settings, the `one_of` rules over them, and the `response` fields kept from a login.

use super::Lowering;
use super::resolve::{Item, Place};
use super::values::json_path;
use crate::errors::did_you_mean;
use crate::keys::{Context, Source};
use crate::model::{
    BasicPart, Charset, Check, Field, Location, ResponseField, Rule, Spanned, ValueKind,
};
use crate::secrets::is_secret_name;
use crate::source::{Kind, Value};

impl Lowering<'_> {
    /// The credential fields in the order written, and the `requires` rules on them.
    pub(super) fn fields(&self, item: &Item<'_>) -> (Vec<Field>, Vec<Rule>) {
        let mut fields = Vec::new();
        let mut rules = Vec::new();
        for (ident, span, value) in self.map_entries(item, "a field name") {
            let Kind::Table(settings) = &value.kind else {
                self.errors.error(
                    value.span,
                    format!(
                        "`fields.{ident}` must be a table of the field's settings, e.g. `[fields.{ident}]` or `{ident} = {{ secret = true }}`, not {}",
                        value.kind.describe()
                    ),
                );
                continue;
            };
            let name = ident.to_string();
            let mut field = Field {
                wire: vec![name.trim_start_matches("r#").to_owned()],
                span,
                wire_span: span,
                ident,
                secret: false,
                optional: false,
                docs: Vec::new(),
                checks: Vec::new(),
                basic: None,
                in_query: false,
            };
            let place = Place {
                context: Context::Field,
                what: match self.source {
                    Source::Attribute => "#[auth(...)]".to_owned(),
                    Source::Spec => format!("`[fields.{name}]`"),
                },
                path: match self.source {
                    Source::Attribute => String::new(),
                    Source::Spec => format!("fields.{name}"),
                },
                at: span,
            };
            let mut marks = Marks::default();
            self.visit(&place, settings, |setting| {
                if let Some(rule) = self.field_setting(&setting, &mut field, &mut marks) {
                    rules.push(rule);
                }
            });
            field.secret = self.secrecy(&field, &marks);
            fields.push(field);
        }
        (fields, rules)
    }

    fn field_setting(
        &self,
        setting: &Item<'_>,
        field: &mut Field,
        marks: &mut Marks,
    ) -> Option<Rule> {
        let text = setting.text();
        match setting.key.name {
            "doc" => field.docs = self.doc(setting),
            "optional" => field.optional = setting.flag(),
            "secret" => {
                if marks.public.is_some() {
                    marks.conflict = Some(setting.span);
                }
                marks.secret = Some(setting.flag());
            }
            "public" => {
                if marks.secret.is_some() {
                    marks.conflict = Some(setting.span);
                }
                marks.public = Some(setting.flag());
            }
            "query" => field.in_query = setting.flag(),
            "rename" => {
                field.wire = text.value.split('.').map(str::to_owned).collect();
                field.wire_span = text.span;
                if field.wire.iter().any(String::is_empty) {
                    self.errors.error(
                        text.span,
                        "a wire name is a name or a dotted path such as `access_token_identifier.identifier`",
                    );
                }
            }
            "requires" => {
                let needs = self.ident(&text, "`requires`")?;
                return Some(Rule::Requires {
                    field: Spanned {
                        value: field.ident.clone(),
                        span: field.span,
                    },
                    needs: Spanned {
                        value: needs,
                        span: text.span,
                    },
                });
            }
            "max_length" | "length" => match self.number(setting).map(usize::try_from) {
                Some(Ok(n)) if n > 0 && setting.key.name == "length" => {
                    field.checks.push(Check::Length(n));
                }
                Some(Ok(n)) if n > 0 => field.checks.push(Check::MaxLength(n)),
                _ => self.out_of_range(setting),
            },
            "charset" => match Charset::from_name(&text.value) {
                Some(charset) => field.checks.push(Check::Charset(charset)),
                None => self.errors.error(
                    text.span,
                    format!(
                        "unknown charset `{}`{}; expected one of: {}",
                        text.value,
                        did_you_mean(&text.value, Charset::NAMES),
                        Charset::NAMES.join(", ")
                    ),
                ),
            },
            "basic" => match text.value.as_str() {
                "user" => field.basic = Some(BasicPart::User),
                "password" => field.basic = Some(BasicPart::Password),
                other => self.errors.error(
                    text.span,
                    format!("`basic` is `\"user\"` or `\"password\"`, not `{other}`"),
                ),
            },
            other => unreachable!("`{other}` is in the key table without an arm"),
        }
        None
    }

    /// Whether `field` is a secret: as marked, else as its name says (`secrets.rs`). Both
    /// marks on one field are refused, read after the whole field since `rename` may
    /// change what its name says.
    fn secrecy(&self, field: &Field, marks: &Marks) -> bool {
        let named = is_secret_name(&field.ident.to_string())
            || field.wire.last().is_some_and(|wire| is_secret_name(wire));
        if let Some(span) = marks.conflict {
            let name = &field.ident;
            let advice = if named {
                "write `#[auth(public)]` alone to show it in `Debug`, or neither to keep it secret (its name makes it one)"
            } else {
                "write `#[auth(secret)]` alone to redact it in `Debug`, or neither to keep it plain"
            };
            self.errors.error(
                span,
                format!("`{name}` is marked both `secret` and `public`: {advice}"),
            );
            // Redacted while the error stands, whatever was meant.
            return true;
        }
        match (marks.secret, marks.public) {
            (Some(secret), _) => secret,
            (None, Some(public)) => !public,
            (None, None) => named,
        }
    }

    /// `one_of((a, b), (c))` / `one_of = [["a", "b"], ["c"]]`; a one-field alternative
    /// may be a bare name.
    pub(super) fn one_of(&self, item: &Item<'_>) -> Option<Rule> {
        let example = item.key.example(self.source);
        let groups: Vec<&Value> = match &item.value.kind {
            Kind::List(groups) => groups.iter().collect(),
            Kind::Table(entries) => entries.iter().map(|entry| &entry.value).collect(),
            _ => return None,
        };
        let mut out = Vec::new();
        for group in groups {
            let members: Vec<&Value> = match &group.kind {
                Kind::List(members) => members.iter().collect(),
                Kind::Str(_) | Kind::Word(_) => vec![group],
                other => {
                    self.errors.error(
                        group.span,
                        format!(
                            "a `one_of` alternative is a list of field names, e.g. `{example}`, not {}",
                            other.describe()
                        ),
                    );
                    continue;
                }
            };
            let mut names = Vec::new();
            for member in members {
                match &member.kind {
                    Kind::Str(name) | Kind::Word(name) => {
                        let text = Spanned {
                            value: name.clone(),
                            span: member.span,
                        };
                        if let Some(ident) = self.ident(&text, "a `one_of` member") {
                            names.push(Spanned {
                                value: ident,
                                span: member.span,
                            });
                        }
                    }
                    other => self.errors.error(
                        member.span,
                        format!(
                            "a `one_of` member is a field name, not {}",
                            other.describe()
                        ),
                    ),
                }
            }
            out.push(names);
        }
        Some(Rule::OneOf {
            groups: out,
            span: item.span,
        })
    }

    /// `response(app_id = "object.app_id")`
    pub(super) fn response(&self, item: &Item<'_>) -> Vec<ResponseField> {
        self.map_entries(item, "a response field")
            .into_iter()
            .filter_map(|(ident, span, value)| {
                let Kind::Str(path) = &value.kind else {
                    self.errors.error(
                        value.span,
                        format!(
                            "`{}.{ident}` must be a dotted JSON path such as \"object.app_id\", not {}",
                            item.path,
                            value.kind.describe()
                        ),
                    );
                    return None;
                };
                Some(ResponseField {
                    ident,
                    span,
                    path: json_path(path, value.span, self.errors),
                    kind: ValueKind::Text,
                })
            })
            .collect()
    }
}

/// A field's `secret` and `public` settings as written, and where the second of the two
/// contradicted the first.
#[derive(Default)]
struct Marks {
    secret: Option<bool>,
    public: Option<bool>,
    conflict: Option<Location>,
}
