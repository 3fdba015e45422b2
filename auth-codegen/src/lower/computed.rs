//! Lowers `computed`: each value a table of one function (`sha256`, `hmac_sha256` with
//! its `key`, `now`, `nonce`, `jwt` with its `key`, `kid`, `claims` and `lifetime`, ...)
//! and how its bytes are written (`output`).

use super::Lowering;
use super::resolve::{Item, Place};
use super::values::template;
use crate::keys::{Context, Source};
use crate::model::{
    Computed, Encoding, Function, Jwt, JwtAlgorithm, Location, Spanned, TimeFormat,
};
use crate::source::Kind;

/// The keys of a computed value's table that are functions, in the order messages
/// list them.
const FUNCTIONS: &[&str] = &[
    "sha256",
    "sha512",
    "hmac_sha256",
    "base64",
    "concat",
    "now",
    "nonce",
    "uuid",
    "jwt",
];

/// The claims the signer writes itself.
const ADDED_CLAIMS: &[&str] = &["iat", "exp", "jti"];

/// A JWT's lifetime when not written, in seconds.
const JWT_LIFETIME: u32 = 300;
/// How far back a JWT's `iat` may be put, in seconds.
const JWT_BACKDATES: std::ops::RangeInclusive<i128> = 0..=300;
/// The lifetimes a JWT may have, in seconds.
const JWT_LIFETIMES: std::ops::RangeInclusive<i128> = 1..=86_400;

/// The fewest and the most random bytes a `nonce` may have.
const NONCE_BYTES: std::ops::RangeInclusive<i128> = 8..=64;

impl Lowering<'_> {
    /// `computed(digest(sha256 = "{nonce}{password}"), ts(now = "unix"))`, or
    /// `[computed.digest]` tables; in the order written.
    pub(super) fn computed(&self, item: &Item<'_>) -> Vec<Computed> {
        let mut out = Vec::new();
        // A value written wrong was reported: it stands in as an empty text, so that
        // the templates naming it report nothing more.
        let stand_in = |name: String, span: Location| Computed {
            name: Spanned { value: name, span },
            function: Function::Concat(Spanned {
                value: String::new(),
                span,
            }),
        };
        for (ident, span, value) in self.map_entries(item, "a computed value's name") {
            let path = format!("{}.{ident}", item.path);
            let what = match self.source {
                Source::Attribute => format!("{ident}(...)"),
                Source::Spec => format!("`{path}`"),
            };
            let Kind::Table(entries) = &value.kind else {
                let example = match self.source {
                    Source::Attribute => format!("`{ident}(sha256 = \"{{nonce}}{{password}}\")`"),
                    Source::Spec => format!("`[{path}]` with `sha256 = \"{{nonce}}{{password}}\"`"),
                };
                self.errors.error(
                    value.span,
                    format!(
                        "{what} must be a table of one function, such as {example}, not {}",
                        value.kind.describe()
                    ),
                );
                out.push(stand_in(ident.to_string(), span));
                continue;
            };
            let place = Place {
                context: Context::Computed,
                what: what.clone(),
                path,
                at: span,
            };
            let mut function: Option<(&'static str, Location)> = None;
            let (mut input, mut key, mut output) = (None, None, None);
            let (mut now, mut nonce) = (None, None);
            let (mut algorithm, mut kid, mut claims, mut lifetime) = (None, None, None, None);
            let mut backdate = None;
            let mut jwt_only: Vec<(&'static str, Location)> = Vec::new();
            let written = self.visit(&place, entries, |inner| {
                let name = inner.key.name;
                if FUNCTIONS.contains(&name) {
                    if let Some((first, _)) = function {
                        self.errors.error(
                            inner.span,
                            format!(
                                "{what} is computed with one function: `{first}` is given already, so `{name}` is one too many (name another value for it)"
                            ),
                        );
                        return;
                    }
                    function = Some((name, inner.span));
                }
                match name {
                    "key" => key = Some(template(inner.text(), self.errors)),
                    "output" => output = Some(inner.text()),
                    "now" => now = Some(inner.text()),
                    "nonce" => match self.number(&inner) {
                        Some(bytes) if NONCE_BYTES.contains(&bytes) => {
                            nonce = u8::try_from(bytes).ok();
                        }
                        _ => self.out_of_range(&inner),
                    },
                    "uuid" if !inner.flag() => self.errors.error(
                        inner.value.span,
                        format!("{what}: `uuid = false` computes nothing: leave `uuid` out, or give another function"),
                    ),
                    "uuid" => {}
                    "jwt" => algorithm = Some(inner.text()),
                    "kid" => {
                        jwt_only.push((inner.key.name, inner.span));
                        kid = Some(template(inner.text(), self.errors));
                    }
                    "claims" => {
                        jwt_only.push((inner.key.name, inner.span));
                        claims = Some(self.claims(&inner));
                    }
                    "lifetime" | "backdate" => {
                        jwt_only.push((inner.key.name, inner.span));
                        let (range, slot) = match inner.key.name {
                            "lifetime" => (JWT_LIFETIMES, &mut lifetime),
                            _ => (JWT_BACKDATES, &mut backdate),
                        };
                        match self.number(&inner) {
                            Some(secs) if range.contains(&secs) => *slot = u32::try_from(secs).ok(),
                            _ => self.out_of_range(&inner),
                        }
                    }
                    _ => input = Some(template(inner.text(), self.errors)),
                }
            });
            let Some((name, at)) = function else {
                let list = FUNCTIONS
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                // An unknown key (a misspelt function) was reported with its suggestion.
                let misspelt = written
                    .iter()
                    .any(|key| crate::keys::find(Context::Computed, key).is_none());
                if !misspelt {
                    self.errors
                        .error(span, format!("{what} needs a function, one of: {list}"));
                }
                out.push(stand_in(ident.to_string(), span));
                continue;
            };
            if let Some(key) = &key
                && name != "hmac_sha256"
                && name != "jwt"
            {
                self.errors.error(
                    key.span,
                    format!("`key` is the key of `hmac_sha256` or `jwt`; {what} is computed with `{name}`, which takes none"),
                );
            }
            if name != "jwt" {
                for (jwt_key, at) in &jwt_only {
                    self.errors.error(
                        *at,
                        format!("`{jwt_key}` is a key of `jwt`; {what} is computed with `{name}`, which takes none"),
                    );
                }
            }
            let output = self.output(name, output.as_ref());
            let function = match name {
                "sha256" => input.map(|i| Function::Sha256(i, output)),
                "sha512" => input.map(|i| Function::Sha512(i, output)),
                "base64" => input.map(|i| Function::Base64(i, output)),
                "concat" => input.map(Function::Concat),
                "hmac_sha256" => {
                    if key.is_none() {
                        let example = match self.source {
                            Source::Attribute => "`key = \"{api_secret}\"`",
                            Source::Spec => "`key = \"{api_secret}\"` in its table",
                        };
                        self.errors.error(
                            at,
                            format!("{what}: `hmac_sha256` needs its `key`, a template such as {example}"),
                        );
                    }
                    match (key, input) {
                        (Some(key), Some(message)) => Some(Function::HmacSha256 {
                            key,
                            message,
                            output,
                        }),
                        _ => None,
                    }
                }
                "now" => now
                    .and_then(|word| self.time_format(&word))
                    .map(Function::Now),
                "nonce" => nonce.map(|n| Function::Nonce(n, output)),
                "jwt" => {
                    if key.is_none() {
                        let example = match self.source {
                            Source::Attribute => "`key = \"{private_key}\"`",
                            Source::Spec => "`key = \"{private_key}\"` in its table",
                        };
                        self.errors.error(
                            at,
                            format!("{what}: `jwt` is signed with a `key`, a template naming a secret credential field, such as {example}"),
                        );
                    }
                    match (algorithm.and_then(|word| self.jwt_algorithm(&word)), key) {
                        (Some(algorithm), Some(key)) => Some(Function::Jwt(Box::new(Jwt {
                            algorithm,
                            key,
                            key_id: kid,
                            claims: claims.unwrap_or_default(),
                            lifetime_secs: lifetime.unwrap_or(JWT_LIFETIME),
                            backdate_secs: backdate.unwrap_or(0),
                        }))),
                        _ => None,
                    }
                }
                _ => Some(Function::Uuid),
            };
            out.push(match function {
                Some(function) => Computed {
                    name: Spanned {
                        value: ident.to_string(),
                        span,
                    },
                    function,
                },
                None => stand_in(ident.to_string(), span),
            });
        }
        out
    }

    /// The `output` of the function `name`: its default when not written, or when the
    /// word written is not one it writes with (reported, so nothing is generated, and
    /// the value's templates are still checked).
    fn output(&self, name: &str, written: Option<&Spanned<String>>) -> Encoding {
        let (default, allowed): (Encoding, &[Encoding]) = match name {
            "sha256" | "sha512" | "hmac_sha256" | "nonce" => (Encoding::Hex, &Encoding::ALL),
            "base64" => (Encoding::Base64, &[Encoding::Base64, Encoding::Base64Url]),
            _ => (Encoding::Hex, &[]),
        };
        let Some(word) = written else {
            return default;
        };
        if allowed.is_empty() {
            self.errors.error(
                word.span,
                format!("`output` says how bytes are written; `{name}` makes text, so it takes none: leave `output` out"),
            );
            return default;
        }
        if let Some(found) = allowed.iter().find(|e| e.word() == word.value) {
            return *found;
        }
        let words: Vec<&str> = allowed.iter().map(|e| e.word()).collect();
        let hint = crate::errors::did_you_mean(&word.value, &words);
        let list = words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ");
        self.errors.error(
            word.span,
            format!(
                "`output = \"{}\"` is not a way `{name}` writes its bytes{hint}\nexpected one of: {list}",
                word.value
            ),
        );
        default
    }

    /// A `jwt`'s `claims`: each a name and a template; the times and `jti` are the
    /// signer's.
    fn claims(&self, item: &super::resolve::Item<'_>) -> Vec<(String, Spanned<String>)> {
        let mut out: Vec<(String, Spanned<String>)> = Vec::new();
        for header in self.headers(item) {
            let name = header.name.value;
            if ADDED_CLAIMS.contains(&name.as_str()) {
                self.errors.error(
                    header.name.span,
                    format!("`{name}` is written by the signer (`iat` the current time, `exp` `lifetime` seconds later, `jti` a random UUID): leave it out of `claims`"),
                );
            } else if out.iter().any(|(seen, _)| *seen == name) {
                self.errors.error(
                    header.name.span,
                    format!("the claim `{name}` is given twice"),
                );
            } else {
                out.push((name, header.value));
            }
        }
        out
    }

    /// `jwt = "RS256"`'s word.
    fn jwt_algorithm(&self, word: &Spanned<String>) -> Option<JwtAlgorithm> {
        self.word_among(
            word,
            &JwtAlgorithm::ALL,
            JwtAlgorithm::word,
            "jwt",
            "an algorithm authgen signs with",
            "RSA or P-256 with a PEM private key, or HMAC with the key's text",
        )
    }

    /// `now = "unix"`'s word.
    fn time_format(&self, word: &Spanned<String>) -> Option<TimeFormat> {
        self.word_among(
            word,
            &TimeFormat::ALL,
            TimeFormat::word,
            "now",
            "a way the time is written",
            "seconds, milliseconds since 1970, or an RFC 3339 time in UTC",
        )
    }

    /// The one of `all` whose word `key = "..."` wrote; else reported: not `what`, with
    /// "did you mean", the words expected and what they mean (`gloss`).
    fn word_among<T: Copy>(
        &self,
        word: &Spanned<String>,
        all: &[T],
        word_of: fn(T) -> &'static str,
        key: &str,
        what: &str,
        gloss: &str,
    ) -> Option<T> {
        let found = all.iter().copied().find(|&t| word_of(t) == word.value);
        if found.is_none() {
            let words: Vec<&str> = all.iter().map(|&t| word_of(t)).collect();
            let hint = crate::errors::did_you_mean(&word.value, &words);
            let list = words
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(", ");
            self.errors.error(
                word.span,
                format!(
                    "`{key} = \"{}\"` is not {what}{hint}\nexpected one of: {list} ({gloss})",
                    word.value
                ),
            );
        }
        found
    }
}
