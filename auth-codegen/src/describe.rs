//! The IR as the vendor's [`Description`]: the one mapping from what the grammar read to
//! the plain data every reader of a vendor acts on. The generator writes the value out
//! as code (`expand/description.rs`, one writer); the command line hands it to the
//! runtime as it is (`authgen probe`, `authgen token`).
//!
//! What is Rust-specific (type names, docs, visibility, spans) stays in the IR; what a
//! vendor is on the wire is here.

use auth_description::{
    AnswerField, AnswerKind, AnswerTest, ApiBase, Binding, Check, Claim, Computed, ConstValue,
    Constant, CredentialTable, Description, EndpointDescription, ErrorCase, Expected, ExpiryField,
    ExpiryPolicy, FieldSpec, Function, Header, Jwt, OAuth2Description, Placement, Rejection, Rule,
    RuleShape, Sent, SentIn, Spot, Step,
};
use bumpalo::Bump;
use proc_macro2::Ident;

use crate::model;
use crate::rules::{RuleKind, credential_rules, credentials_prefix};

impl model::Provider {
    /// The vendor's description, its text and lists in `arena`.
    pub fn describe<'a>(&self, arena: &'a Bump) -> Description<'a> {
        let to = Arena(arena);
        let vendor = to.text(&self.vendor.value);
        let credentials = arena.alloc(self.credential_table(&to));
        let named = self.template_names();
        let sent = self.fields.iter().map(|field| Sent {
            path: to.path(&field.wire),
            place: match (field.basic, field.in_query) {
                (Some(model::BasicPart::User), _) => SentIn::BasicUser,
                (Some(model::BasicPart::Password), _) => SentIn::BasicPassword,
                (None, true) => SentIn::Query,
                (None, false) if Self::only_in_templates(field, &named) => SentIn::Templates,
                (None, false) => SentIn::Body,
            },
        });
        let steps = self.steps.iter().map(|step| Step {
            name: to.text(&step.name.value),
            endpoint: to.endpoint(&step.endpoint),
            success: step.success.as_ref().map(|c| to.test(c)),
            bindings: to.slice(step.bindings.iter().map(|binding| Binding {
                name: to.text(&binding.name.value),
                spot: to.spot(&binding.spot),
                secret: !binding.public,
            })),
        });
        let computed = self.computed.iter().map(|computed| Computed {
            name: to.text(&computed.name.value),
            function: match &computed.function {
                model::Function::Sha256(input, output) => {
                    Function::Sha256(to.text(&input.value), *output)
                }
                model::Function::Sha512(input, output) => {
                    Function::Sha512(to.text(&input.value), *output)
                }
                model::Function::HmacSha256 {
                    key,
                    message,
                    output,
                } => Function::HmacSha256 {
                    key: to.text(&key.value),
                    message: to.text(&message.value),
                    output: *output,
                },
                model::Function::Base64(input, output) => {
                    Function::Base64(to.text(&input.value), *output)
                }
                model::Function::Concat(input) => Function::Concat(to.text(&input.value)),
                model::Function::Now(format) => Function::Now(*format),
                model::Function::Nonce(bytes, output) => Function::Nonce(*bytes, *output),
                model::Function::Uuid => Function::Uuid,
                model::Function::Jwt(jwt) => Function::Jwt(Jwt {
                    algorithm: jwt.algorithm,
                    key: to.text(&jwt.key.value),
                    key_id: jwt.key_id.as_ref().map(|kid| to.text(&kid.value)),
                    claims: to.slice(jwt.claims.iter().map(|(name, value)| Claim {
                        name: to.text(name),
                        value: to.text(&value.value),
                    })),
                    lifetime_secs: jwt.lifetime_secs,
                    backdate_secs: jwt.backdate_secs,
                }),
            },
        });
        let errors = self.errors.iter().map(|case| ErrorCase {
            variant: to.text(&case.variant.to_string()),
            display: to.text(&case.message(&self.vendor.value)),
            step: case.step.as_ref().map(|step| to.text(&step.value)),
            status: case.status,
            when: case.when.as_ref().map(|c| to.test(c)),
            fields: to.answer_fields(&case.fields),
        });
        let lifetime = match self.expiry.lifetime {
            model::Lifetime::Absolute(secs) => {
                ExpiryPolicy::absolute(std::time::Duration::from_secs(secs))
            }
            model::Lifetime::Idle(secs) => ExpiryPolicy::idle(std::time::Duration::from_secs(secs)),
            model::Lifetime::Unknown => ExpiryPolicy::unknown(),
        };
        Description {
            vendor,
            base: to.text(&self.base.template.value),
            settings: to.slice(self.base.placeholders.iter().map(|p| to.text(p))),
            credentials,
            sent: to.slice(sent),
            steps: to.slice(steps),
            computed: to.slice(computed),
            login: to.endpoint(&self.login),
            logout: self.logout.as_ref().map(|e| to.endpoint(e)),
            keepalive: self.keepalive.as_ref().map(|e| to.endpoint(e)),
            oauth2: self.oauth2.as_ref().map(|oauth2| OAuth2Description {
                grant: oauth2.grant.grant_type(),
                revoke: oauth2.revoke.as_ref().map(|p| to.text(&p.template.value)),
                dpop: oauth2.dpop,
            }),
            success: self.success.as_ref().map(|c| to.test(c)),
            token: to.spot(&self.token),
            expiry_field: self.expiry.field.as_ref().map(|field| ExpiryField {
                spot: to.spot(&field.spot),
                format: field.format,
            }),
            response_fields: to.answer_fields(&self.response_fields),
            api_base: self.api_base.as_ref().map(|base| ApiBase {
                spot: to.spot(&base.spot),
                hosts: to.slice(base.hosts.iter().map(|host| to.text(&host.value))),
            }),
            errors: to.slice(errors),
            placement: to.placement(&self.placement),
            rejection: match &self.rejected {
                Some(rejection) => Rejection {
                    statuses: to.slice(rejection.statuses.iter().copied()),
                    test: rejection.when.as_ref().map(|c| to.test(c)),
                },
                None => Rejection::UNAUTHORIZED,
            },
            expiry: if self.expiry.jwt_exp {
                lifetime.with_jwt_exp()
            } else {
                lifetime
            },
        }
    }

    /// Whether `field` goes only where a template names it (a step's body, a header, a
    /// constant of the token request): a body field that one of `named` names is not
    /// also sent in the token request's body under its own name.
    pub(crate) fn only_in_templates(field: &model::Field, named: &[&str]) -> bool {
        field.basic.is_none()
            && !field.in_query
            && named
                .iter()
                .any(|name| field.ident == name || field.wire_name() == *name)
    }

    /// The names every template of the login's requests and computed values names. (A
    /// logout's or keep-alive's templates do not count: a field they name is still sent
    /// in the login as any other.)
    pub(crate) fn template_names(&self) -> Vec<&str> {
        let computed = self
            .computed
            .iter()
            .flat_map(|computed| computed.function.inputs())
            .map(|input| input.value.as_str());
        self.steps
            .iter()
            .map(|step| &step.endpoint)
            .chain([&self.login])
            .flat_map(|endpoint| endpoint.templates())
            .map(|template| template.text)
            .chain(computed)
            .flat_map(model::template_names)
            .collect()
    }

    /// The credential fields and the rules in the vendor's words (`rules.rs`), as the
    /// run-time checks read them.
    fn credential_table<'a>(&self, to: &Arena<'a>) -> CredentialTable<'a> {
        let index = |ident: &Ident| self.field_index(ident).unwrap_or_default();
        let fields = self.fields.iter().map(|field| {
            let name = field.ident.to_string();
            let checks = field.checks.iter().map(|check| match check {
                model::Check::MaxLength(n) => Check::MaxLength(*n),
                model::Check::Length(n) => Check::Length(*n),
                model::Check::Charset(model::Charset::LowerHex) => Check::LowerHex,
                model::Check::Charset(model::Charset::Hex) => Check::Hex,
                model::Check::Charset(model::Charset::Digits) => Check::Digits,
            });
            FieldSpec::new(
                to.text(name.trim_start_matches("r#")),
                to.text(&field.wire_name()),
                field.secret,
                field.optional,
                to.slice(checks),
            )
        });
        let rules = credential_rules(self).into_iter().map(|rule| {
            let shape = match &rule.kind {
                RuleKind::Once { field } => RuleShape::Once(index(field)),
                RuleKind::Exclusive { field, others } => {
                    RuleShape::Exclusive(index(field), to.slice(others.iter().map(index)))
                }
                RuleKind::Mandatory { field } => RuleShape::Mandatory(index(field)),
                RuleKind::Requires { field, needs } => {
                    RuleShape::Requires(index(field), index(needs))
                }
                RuleKind::OneOf { groups, .. } => {
                    RuleShape::OneOf(to.slice(groups.iter().flatten().map(index)))
                }
            };
            Rule::new(shape, to.text(&rule.text))
        });
        CredentialTable::new(
            to.text(&self.vendor.value),
            to.text(&credentials_prefix(self)),
            to.slice(fields),
            to.slice(rules),
        )
    }
}

/// Copies into the arena the description borrows from.
struct Arena<'a>(&'a Bump);

impl<'a> Arena<'a> {
    fn text(&self, text: &str) -> &'a str {
        self.0.alloc_str(text)
    }

    fn slice<T>(&self, items: impl IntoIterator<Item = T>) -> &'a [T] {
        let items: Vec<T> = items.into_iter().collect();
        self.0.alloc_slice_fill_iter(items)
    }

    fn path(&self, segments: &[String]) -> &'a [&'a str] {
        self.slice(segments.iter().map(|s| self.text(s)))
    }

    fn endpoint(&self, endpoint: &model::Endpoint) -> EndpointDescription<'a> {
        EndpointDescription {
            method: endpoint.method,
            path: self.text(&endpoint.path.value),
            format: endpoint.format,
            constants: self.constants(&endpoint.constants),
            query: self.constants(&endpoint.query),
            headers: self.slice(endpoint.headers.iter().map(|header| Header {
                name: self.text(&header.name.value),
                value: self.text(&header.value.value),
            })),
            placement: endpoint.placement.as_ref().map(|p| self.placement(p)),
        }
    }

    fn constants(&self, constants: &[model::Constant]) -> &'a [Constant<'a>] {
        self.slice(constants.iter().map(|c| Constant {
            path: self.path(&c.path),
            value: self.const_value(&c.value),
        }))
    }

    fn const_value(&self, value: &model::ConstValue) -> ConstValue<'a> {
        match value {
            model::ConstValue::Str(s) => ConstValue::Str(self.text(s)),
            model::ConstValue::Int(n) => ConstValue::Int(*n),
            model::ConstValue::Float(n) => ConstValue::Float(*n),
            model::ConstValue::Bool(b) => ConstValue::Bool(*b),
            model::ConstValue::List(items) => {
                ConstValue::List(self.slice(items.iter().map(|item| self.const_value(item))))
            }
            model::ConstValue::Object(fields) => ConstValue::Object(
                self.slice(
                    fields
                        .iter()
                        .map(|(name, value)| (self.text(name), self.const_value(value))),
                ),
            ),
        }
    }

    fn answer_fields(&self, fields: &[model::ResponseField]) -> &'a [AnswerField<'a>] {
        self.slice(fields.iter().map(|field| AnswerField {
            name: self.text(&field.ident.to_string()),
            path: self.path(&field.path.segments),
            kind: match field.kind {
                model::ValueKind::Text => AnswerKind::Text,
                model::ValueKind::FieldMessages => AnswerKind::FieldMessages,
            },
        }))
    }

    fn placement(&self, p: &model::Placement) -> Placement<'a> {
        let text = |value: &Option<String>| value.as_deref().map(|v| self.text(v));
        Placement {
            bearer: p.bearer,
            header: text(&p.header),
            scheme: text(&p.scheme),
            more_headers: self.slice(p.more_headers.iter().map(|h| self.text(h))),
            cookie: text(&p.cookie),
            query: text(&p.query),
            body_field: text(&p.body_field),
        }
    }

    /// Header names are matched in lower case.
    fn spot(&self, spot: &model::Spot) -> Spot<'a> {
        match spot {
            model::Spot::Json(path) => Spot::Json(self.path(&path.segments)),
            model::Spot::Header(name) => Spot::Header(self.text(&name.value.to_ascii_lowercase())),
            model::Spot::Cookie(name) => Spot::Cookie(self.text(&name.value)),
            model::Spot::Text(_) => Spot::Text,
        }
    }

    fn test(&self, condition: &model::Condition) -> AnswerTest<'a> {
        AnswerTest {
            spot: self.spot(&condition.spot),
            expected: match &condition.expected {
                model::Expected::Equals(t) => Expected::Equals(self.text(t)),
                model::Expected::Contains(t) => Expected::Contains(self.text(t)),
            },
        }
    }
}
