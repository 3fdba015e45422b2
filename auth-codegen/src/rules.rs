//! The credential rules in the vendor's words: the one table both builders are
//! generated from. Each rule's message is written here once, and the generator emits
//! that text twice: into the typestate builder's `#[diagnostic::on_unimplemented]`
//! (the compile-time error) and into the run-time rule table that `try_build()`,
//! `Deserialize` and `from_env` check (`auth_runtime::CredentialsError`).
//!
//! Format checks (lengths, character sets) are on values, so both builders check them
//! at run time, in the runtime's words (`auth_runtime`'s `checks.rs`); they are not
//! in this table but on each field (`Field::checks`).
//!
//! A `one_of`'s alternatives in words (`describe_groups`) are written here too, for
//! these messages and for `authgen explain`.

use proc_macro2::Ident;

use crate::model::{Provider, Rule, Spanned};

/// One credential rule.
#[derive(Debug, Clone)]
pub struct CredentialRule {
    /// What the rule is.
    pub kind: RuleKind,
    /// The rule broken, in the vendor's words, without the prefix
    /// ([`credentials_prefix`]): `` `pass_code` is mandatory when `identifier` is set ``.
    pub text: String,
    /// The compile-time label at the offending call.
    pub label: String,
    /// The compile-time note, when there is one.
    pub note: Option<String>,
}

/// What a credential rule is.
#[derive(Debug, Clone)]
pub enum RuleKind {
    /// `field` is given at most once.
    Once {
        /// The field.
        field: Ident,
    },
    /// `field` is not given beside any of `others` (the members of the other
    /// alternatives of its `one_of`).
    Exclusive {
        /// The field.
        field: Ident,
        /// The members of the other alternatives.
        others: Vec<Ident>,
    },
    /// `field` is always given.
    Mandatory {
        /// The field.
        field: Ident,
    },
    /// When `field` is given, `needs` is given too.
    Requires {
        /// The field that brings the requirement.
        field: Ident,
        /// The field it requires.
        needs: Ident,
    },
    /// At least one member of the `one_of` at `index` of the provider's rules is given
    /// (the alternatives' completeness and exclusivity are their own rules).
    OneOf {
        /// The rule's index in `Provider::rules`, naming its trait.
        index: usize,
        /// Its alternatives.
        groups: Vec<Vec<Ident>>,
    },
}

impl CredentialRule {
    /// The whole message: `CRM.COM credentials: ` and the rule.
    pub fn message(&self, provider: &Provider) -> String {
        format!("{}{}", credentials_prefix(provider), self.text)
    }
}

/// What every credential message of `provider` starts with: `CRM.COM credentials: `.
pub fn credentials_prefix(provider: &Provider) -> String {
    format!("{} credentials: ", provider.vendor.value)
}

/// Every credential rule of `provider`, in a fixed order: per field, given once and
/// exclusive of other alternatives; then the mandatory fields, the requirements and the
/// `one_of`s.
pub fn credential_rules(provider: &Provider) -> Vec<CredentialRule> {
    let vendor = &provider.vendor.value;
    let mut out = Vec::new();
    for field in &provider.fields {
        let ident = &field.ident;
        out.push(CredentialRule {
            kind: RuleKind::Once {
                field: ident.clone(),
            },
            text: format!("`{ident}` is given twice"),
            label: format!("`{ident}` was already given before this call"),
            note: None,
        });
        if let Some((others, alternatives)) = other_alternatives(provider, ident) {
            out.push(CredentialRule {
                kind: RuleKind::Exclusive {
                    field: ident.clone(),
                    others,
                },
                text: format!("`{ident}` cannot be combined with {alternatives}"),
                label: format!("another alternative to `{ident}` was already given"),
                note: Some(format!(
                    "{vendor} accepts exactly one of these alternatives"
                )),
            });
        }
    }
    for field in provider.fields.iter().filter(|f| !f.optional) {
        let ident = &field.ident;
        out.push(CredentialRule {
            kind: RuleKind::Mandatory {
                field: ident.clone(),
            },
            text: format!("`{ident}` is mandatory"),
            label: format!("`{ident}` was never given"),
            note: Some(format!("call `.{ident}(...)` before `.build()`")),
        });
    }
    for requirement in provider.requirements() {
        let (field, needs) = (&requirement.field, &requirement.needs);
        out.push(CredentialRule {
            kind: RuleKind::Requires {
                field: field.clone(),
                needs: needs.clone(),
            },
            text: format!("`{needs}` is mandatory when `{field}` is set"),
            label: format!("`{field}` is given without `{needs}`"),
            note: Some(format!(
                "call `.{needs}(...)` before `.build()`, or leave out `{field}`"
            )),
        });
    }
    for (index, rule) in provider.rules.iter().enumerate() {
        let Rule::OneOf { groups, .. } = rule else {
            continue;
        };
        let groups = idents(groups);
        out.push(CredentialRule {
            text: format!("give one of {}", describe_groups(&groups, "or")),
            kind: RuleKind::OneOf { index, groups },
            label: "none of the alternatives was given".to_owned(),
            note: None,
        });
    }
    out
}

/// For a member of a `one_of` alternative: the members of the other alternatives, and
/// those alternatives in words.
fn other_alternatives(provider: &Provider, ident: &Ident) -> Option<(Vec<Ident>, String)> {
    provider.rules.iter().find_map(|rule| {
        let Rule::OneOf { groups, .. } = rule else {
            return None;
        };
        let groups = idents(groups);
        let own = groups.iter().position(|g| g.contains(ident))?;
        let others: Vec<Vec<Ident>> = groups
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != own)
            .map(|(_, g)| g.clone())
            .collect();
        Some((
            others.iter().flatten().cloned().collect(),
            describe_groups(&others, "or"),
        ))
    })
}

/// The names in a `one_of`'s alternatives.
pub(crate) fn idents(groups: &[Vec<Spanned<Ident>>]) -> Vec<Vec<Ident>> {
    groups
        .iter()
        .map(|g| g.iter().map(|m| m.value.clone()).collect())
        .collect()
}

/// `` `username` + `password`, `authentication_code`, or `identifier` + `pass_code` ``
pub(crate) fn describe_groups(groups: &[Vec<Ident>], conjunction: &str) -> String {
    let words: Vec<String> = groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] if rest.len() == 1 => format!("{} {conjunction} {last}", rest[0]),
        [rest @ .., last] => format!("{}, {conjunction} {last}", rest.join(", ")),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use quote::format_ident;

    use super::*;

    /// Groups of fields named by `spec`.
    pub(crate) fn groups(spec: &[&[&str]]) -> Vec<Vec<Ident>> {
        spec.iter()
            .map(|g| g.iter().map(|n| format_ident!("{}", n)).collect())
            .collect()
    }

    #[test]
    fn alternatives_read_as_a_sentence() {
        let crm = groups(&[
            &["username", "password"],
            &["authentication_code"],
            &["identifier", "pass_code"],
        ]);
        assert_eq!(
            describe_groups(&crm, "or"),
            "`username` + `password`, `authentication_code`, or `identifier` + `pass_code`"
        );
        assert_eq!(
            describe_groups(&crm[1..], "or"),
            "`authentication_code` or `identifier` + `pass_code`"
        );
    }
}
