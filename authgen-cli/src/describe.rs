//! A spec's IR as the runtime's `Description`, for the commands that act on a vendor
//! at run time (`probe`, `token`). The generator writes the same description as code
//! for a typed provider (`auth-codegen`'s `expand/description.rs`); a test below keeps
//! the two equal for every shipped vendor.
//!
//! A description read at run time lives as long as the process: its text is leaked
//! once per spec, which a command that reads one spec can afford.

use auth_codegen::model::{
    BasicPart, Charset, Check, Condition, ConstValue, Constant, Endpoint, Expected, ExpiryFormat,
    Lifetime, Method, Placement, Provider, ResponseField, Spot, ValueKind, WireFormat,
};
use auth_codegen::rules::{RuleKind, credential_rules, credentials_prefix};
use auth_runtime::__private as rt;
use auth_runtime::description::{
    AnswerField, AnswerKind, Description, EndpointDescription, ErrorCase, ExpiryField, Sent, SentIn,
};
use auth_runtime::{ExpiryPolicy, Rejection};

/// The description of `provider`, leaked for the process's lifetime.
pub(crate) fn describe(provider: &Provider) -> &'static Description {
    let vendor = text(&provider.vendor.value);
    let index = |ident: &proc_macro2::Ident| provider.field_index(ident).unwrap_or_default();
    let fields = provider.fields.iter().map(|field| {
        let name = field.ident.to_string();
        let checks = field.checks.iter().map(check).collect();
        rt::FieldSpec::new(
            text(name.trim_start_matches("r#")),
            text(&field.wire_name()),
            field.secret,
            field.optional,
            slice(checks),
        )
    });
    let rules = credential_rules(provider).into_iter().map(|rule| {
        let words = text(&rule.text);
        match &rule.kind {
            RuleKind::Once { field } => rt::Rule::once(index(field), words),
            RuleKind::Exclusive { field, others } => rt::Rule::exclusive(
                index(field),
                slice(others.iter().map(index).collect()),
                words,
            ),
            RuleKind::Mandatory { field } => rt::Rule::mandatory(index(field), words),
            RuleKind::Requires { field, needs } => {
                rt::Rule::requires(index(field), index(needs), words)
            }
            RuleKind::OneOf { groups, .. } => {
                rt::Rule::one_of(slice(groups.iter().flatten().map(index).collect()), words)
            }
        }
    });
    let credentials = leak(rt::CredentialTable::new(
        vendor,
        text(&credentials_prefix(provider)),
        slice(fields.collect()),
        slice(rules.collect()),
    ));
    let sent = provider.fields.iter().map(|field| Sent {
        path: path(&field.wire),
        place: match (field.basic, field.in_query) {
            (Some(BasicPart::User), _) => SentIn::BasicUser,
            (Some(BasicPart::Password), _) => SentIn::BasicPassword,
            (None, true) => SentIn::Query,
            (None, false) => SentIn::Body,
        },
    });
    let errors = provider.errors.iter().map(|case| ErrorCase {
        variant: text(&case.variant.to_string()),
        display: text(&case.message(&provider.vendor.value)),
        status: case.status,
        when: case.when.as_ref().map(test),
        fields: answer_fields(&case.fields),
    });
    let lifetime = match provider.expiry.lifetime {
        Lifetime::Absolute(secs) => ExpiryPolicy::absolute(std::time::Duration::from_secs(secs)),
        Lifetime::Idle(secs) => ExpiryPolicy::idle(std::time::Duration::from_secs(secs)),
        Lifetime::Unknown => ExpiryPolicy::unknown(),
    };
    let expiry = if provider.expiry.jwt_exp {
        lifetime.with_jwt_exp()
    } else {
        lifetime
    };
    leak(Description {
        vendor,
        base: text(&provider.base.template.value),
        settings: slice(provider.base.placeholders.iter().map(|p| text(p)).collect()),
        credentials,
        sent: slice(sent.collect()),
        login: endpoint(&provider.login),
        logout: provider.logout.as_ref().map(endpoint),
        keepalive: provider.keepalive.as_ref().map(endpoint),
        oauth2: provider
            .oauth2
            .as_ref()
            .map(|oauth2| rt::OAuth2Description {
                grant: oauth2.grant.grant_type(),
                revoke: oauth2
                    .revoke
                    .as_ref()
                    .map(|path| text(&path.template.value)),
            }),
        success: provider.success.as_ref().map(test),
        token: spot(&provider.token),
        expiry_field: provider.expiry.field.as_ref().map(|field| ExpiryField {
            spot: spot(&field.spot),
            format: match field.format {
                ExpiryFormat::Seconds => rt::ExpiryFormat::Seconds,
                ExpiryFormat::Rfc3339 => rt::ExpiryFormat::Rfc3339,
                ExpiryFormat::UnixTime => rt::ExpiryFormat::UnixTime,
            },
        }),
        response_fields: answer_fields(&provider.response_fields),
        errors: slice(errors.collect()),
        placement: placement(&provider.placement),
        rejection: match &provider.rejected {
            Some(rejection) => Rejection {
                statuses: slice(rejection.statuses.clone()),
                test: rejection.when.as_ref().map(test),
            },
            None => Rejection::UNAUTHORIZED,
        },
        expiry,
    })
}

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn text(value: &str) -> &'static str {
    Box::leak(value.to_owned().into_boxed_str())
}

fn slice<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn path(segments: &[String]) -> &'static [&'static str] {
    slice(segments.iter().map(|s| text(s)).collect())
}

fn check(check: &Check) -> rt::Check {
    match check {
        Check::MaxLength(n) => rt::Check::MaxLength(*n),
        Check::Length(n) => rt::Check::Length(*n),
        Check::Charset(Charset::LowerHex) => rt::Check::LowerHex,
        Check::Charset(Charset::Hex) => rt::Check::Hex,
        Check::Charset(Charset::Digits) => rt::Check::Digits,
    }
}

fn endpoint(endpoint: &Endpoint) -> EndpointDescription {
    EndpointDescription {
        method: match endpoint.method {
            Method::Get => rt::Method::Get,
            Method::Post => rt::Method::Post,
            Method::Put => rt::Method::Put,
            Method::Delete => rt::Method::Delete,
            Method::Patch => rt::Method::Patch,
        },
        path: text(&endpoint.path.template.value),
        format: match endpoint.format {
            WireFormat::Json => rt::WireFormat::Json,
            WireFormat::Form => rt::WireFormat::Form,
            WireFormat::Multipart => rt::WireFormat::Multipart,
        },
        constants: constants(&endpoint.constants),
        query: constants(&endpoint.query),
        placement: endpoint.placement.as_ref().map(placement),
    }
}

fn constants(constants: &[Constant]) -> &'static [rt::Constant] {
    slice(
        constants
            .iter()
            .map(|c| rt::Constant {
                path: path(&c.path),
                value: const_value(&c.value),
            })
            .collect(),
    )
}

fn const_value(value: &ConstValue) -> rt::ConstValue {
    match value {
        ConstValue::Str(s) => rt::ConstValue::Str(text(s)),
        ConstValue::Int(n) => rt::ConstValue::Int(*n),
        ConstValue::Float(n) => rt::ConstValue::Float(*n),
        ConstValue::Bool(b) => rt::ConstValue::Bool(*b),
        ConstValue::List(items) => {
            rt::ConstValue::List(slice(items.iter().map(const_value).collect()))
        }
        ConstValue::Object(fields) => rt::ConstValue::Object(slice(
            fields
                .iter()
                .map(|(name, value)| (text(name), const_value(value)))
                .collect(),
        )),
    }
}

fn answer_fields(fields: &[ResponseField]) -> &'static [AnswerField] {
    slice(
        fields
            .iter()
            .map(|field| AnswerField {
                name: text(&field.ident.to_string()),
                path: path(&field.path.segments),
                kind: match field.kind {
                    ValueKind::Text => AnswerKind::Text,
                    ValueKind::FieldMessages => AnswerKind::FieldMessages,
                },
            })
            .collect(),
    )
}

fn placement(p: &Placement) -> rt::Placement {
    let text = |value: &Option<String>| value.as_deref().map(text);
    rt::Placement {
        bearer: p.bearer,
        header: text(&p.header),
        scheme: text(&p.scheme),
        cookie: text(&p.cookie),
        query: text(&p.query),
        body_field: text(&p.body_field),
    }
}

/// A spot; header names are matched in lower case, as the generator writes them.
fn spot(spot: &Spot) -> rt::Spot {
    match spot {
        Spot::Json(path) => rt::Spot::Json(self::path(&path.segments)),
        Spot::Header(name) => rt::Spot::Header(text(&name.value.to_ascii_lowercase())),
        Spot::Cookie(name) => rt::Spot::Cookie(text(&name.value)),
        Spot::Text(_) => rt::Spot::Text,
    }
}

fn test(condition: &Condition) -> rt::AnswerTest {
    rt::AnswerTest {
        spot: spot(&condition.spot),
        expected: match &condition.expected {
            Expected::Equals(t) => rt::Expected::Equals(text(t)),
            Expected::Contains(t) => rt::Expected::Contains(text(t)),
        },
    }
}

#[cfg(test)]
mod tests {
    use auth_runtime::description::{Described, Description};

    use super::describe;

    /// Every shipped vendor: the description read from its spec at run time equals the
    /// one the generator wrote into its typed provider.
    #[test]
    fn a_spec_read_at_run_time_describes_its_vendor_as_the_generated_code_does() {
        let specs: [(&str, &Description); 5] = [
            ("crmcom", auth_vendors::CrmCom::DESCRIPTION),
            ("currencycloud", auth_vendors::Currencycloud::DESCRIPTION),
            ("modulus", auth_vendors::Modulus::DESCRIPTION),
            (
                "modulus_jwt",
                auth_vendors::modulus::ModulusJwt::DESCRIPTION,
            ),
            ("onebox", auth_vendors::OneBox::DESCRIPTION),
        ];
        for (name, generated) in specs {
            let path = format!("{}/../specs/{name}.toml", env!("CARGO_MANIFEST_DIR"));
            let spec = auth_codegen::SpecFile::read(&path).expect("the shipped spec reads");
            let provider = spec.provider().expect("the shipped spec is valid");
            assert_eq!(describe(&provider), generated, "{name}");
        }
    }
}
