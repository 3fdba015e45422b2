//! The one driver: **source → tree → IR → validate → expand**, or the fallback.
//!
//! Every entry point goes through here: the attribute ([`attribute`]), the attribute
//! pointing at a spec file, spec files read by `Builder` ([`read_spec`],
//! [`spec_tokens`]) and by the command line ([`spec`]; `SpecFile::provider` is defined
//! here). Readers ([`crate::source`]) only lex and never call back into this driver;
//! [`crate::lower`] is the only code that knows what a key means; [`crate::validate`]
//! checks across keys on the IR; the expanders read only the IR.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::errors::Errors;
use crate::keys::Source;
use crate::lower::Lowering;
use crate::model::{Location, Provider};
#[cfg(feature = "spec")]
pub(crate) use crate::source::spec::{SpecErrors, SpecFile};
use crate::source::{Entry, Host, Kind, attribute};

/// `#[auth_provider(...)]` on `item`: the generated code, or every problem as a
/// `compile_error!` beside the fallback items.
pub(crate) fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let item: syn::ItemStruct = match syn::parse2(item) {
        Ok(item) => item,
        Err(error) => {
            let message =
                "#[auth_provider] goes on a struct whose fields are the vendor's credential fields";
            let mut combined = syn::Error::new(error.span(), message);
            combined.combine(error);
            return combined.to_compile_error();
        }
    };
    let errors = Errors::default();
    let mut entries = attribute::read_args(args, &errors);
    let host = attribute::host(&item);
    let spec_key = entries
        .iter()
        .position(|entry| entry.key.as_ref().is_some_and(|key| key.name == "spec"));
    let (provider, tracking) = match spec_key {
        Some(index) => {
            let spec = entries.remove(index);
            spec_attribute(&spec, &entries, &item, &host, &errors)
        }
        None => {
            entries.push(attribute::fields(&item, &errors));
            let lowering = Lowering {
                source: Source::Attribute,
                errors: &errors,
                whole: Span::call_site().into(),
            };
            let provider = lowering.provider(&entries, Some(&host));
            if let Some(provider) = &provider {
                crate::validate::validate(provider, &errors);
            }
            (provider, TokenStream::new())
        }
    };
    match provider {
        Some(provider) if errors.is_empty() => {
            let expanded = crate::expand::expand(&provider);
            quote! { #tracking #expanded }
        }
        _ => {
            let compile_errors = errors.to_compile_errors();
            let fallback = crate::expand::fallback::fallback(&item, &base_settings(&entries));
            let item = attribute::strip_field_attributes(item);
            quote! { #tracking #compile_errors #item #fallback }
        }
    }
}

/// The placeholders of a `base = "..."` among the attribute's entries, when it reads as
/// a template: the arguments `new` takes.
fn base_settings(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .find_map(|entry| match (&entry.key, &entry.value.kind) {
            (Some(key), Kind::Str(text)) if key.name == "base" => {
                let scratch = Errors::default();
                let template = crate::lower::url_template(text, entry.value.span, &scratch);
                scratch.is_empty().then_some(template.placeholders)
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// `#[auth_provider(spec = "...")] pub struct Name;`: the struct's name, visibility and
/// doc comments with everything else from the spec file (its path relative to
/// `CARGO_MANIFEST_DIR`). Returns the provider, and an `include_bytes!` of the spec so
/// that editing it rebuilds. A problem in the spec is reported at the `spec = "..."`
/// string as `file:line:col: message`.
fn spec_attribute(
    spec: &Entry,
    others: &[Entry],
    item: &syn::ItemStruct,
    host: &Host,
    errors: &Errors,
) -> (Option<Provider>, TokenStream) {
    let mut runtime = None;
    for entry in others {
        match &entry.key {
            Some(key) if key.name == "crate" => match &entry.value.kind {
                Kind::Str(text) => match syn::parse_str::<syn::Path>(text) {
                    Ok(path) => runtime = Some(path),
                    Err(_) => errors.error(
                        entry.value.span,
                        "`crate` must be a path such as `::my_crate::auth`",
                    ),
                },
                _ => errors.error(
                    entry.value.span,
                    "`crate` must be a path such as `::my_crate::auth`",
                ),
            },
            _ => errors.error(
                entry.key_span(),
                "with `spec = \"...\"` the vendor is described in the spec file; only \
                 `crate = \"...\"` may be given beside it",
            ),
        }
    }
    if !item.fields.is_empty() {
        let vis = &item.vis;
        let vis = quote!(#vis).to_string();
        let vis = if vis.is_empty() { vis } else { vis + " " };
        errors.error(
            syn::spanned::Spanned::span(&item.fields),
            format!(
                "with `spec = \"...\"` the credential fields come from the spec file: \
                 declare `{vis}struct {};`",
                item.ident
            ),
        );
    }
    let Kind::Str(relative) = &spec.value.kind else {
        errors.error(
            spec.value.span,
            "`spec` is the spec file's path in double quotes, relative to the crate's Cargo.toml",
        );
        return (None, TokenStream::new());
    };
    read_spec_for_attribute(relative, spec.value.span, host, runtime, errors)
}

#[cfg(feature = "spec")]
fn read_spec_for_attribute(
    relative: &str,
    at: Location,
    host: &Host,
    runtime: Option<syn::Path>,
    errors: &Errors,
) -> (Option<Provider>, TokenStream) {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let full_path = manifest_dir.join(relative);
    let text = match std::fs::read_to_string(&full_path) {
        Ok(text) => text,
        Err(error) => {
            errors.error(
                at,
                format!("cannot read the spec `{}`: {error}", full_path.display()),
            );
            return (None, TokenStream::new());
        }
    };
    let tracked = full_path.display().to_string();
    let tracking = quote! { const _: &[u8] = ::core::include_bytes!(#tracked); };
    let file = SpecFile::new(relative, text);
    match spec(&file, Some(host), runtime.as_ref()) {
        Ok(provider) => (Some(provider), tracking),
        Err(problems) => {
            for diagnostic in problems.diagnostics {
                errors.error(at, diagnostic.short());
            }
            (None, tracking)
        }
    }
}

#[cfg(not(feature = "spec"))]
fn read_spec_for_attribute(
    _relative: &str,
    at: Location,
    _host: &Host,
    _runtime: Option<syn::Path>,
    errors: &Errors,
) -> (Option<Provider>, TokenStream) {
    errors.error(
        at,
        "reading a spec file needs the `spec` feature: \
         `auth-runtime = { version = \"...\", features = [\"spec\"] }`",
    );
    (None, TokenStream::new())
}

/// A spec file's provider, validated: with the attribute's struct as `host` when the
/// attribute points at the spec, and the runtime crate at `runtime` when given.
#[cfg(feature = "spec")]
pub(crate) fn spec(
    file: &SpecFile,
    host: Option<&Host>,
    runtime: Option<&syn::Path>,
) -> Result<Provider, SpecErrors> {
    let errors = Errors::default();
    let provider = crate::source::spec::read(&file.text, &errors).and_then(|entries| {
        let lowering = Lowering {
            source: Source::Spec,
            errors: &errors,
            whole: Location::Spec { start: 0, end: 0 },
        };
        lowering.provider(&entries, host)
    });
    let provider = provider.map(|mut provider| {
        if let Some(runtime) = runtime {
            provider.runtime = runtime.clone();
        }
        provider
    });
    if let Some(provider) = &provider {
        crate::validate::validate(provider, &errors);
    }
    match provider {
        Some(provider) if errors.is_empty() => Ok(provider),
        _ => Err(file.errors(&errors)),
    }
}

#[cfg(feature = "spec")]
impl SpecFile {
    /// Parses and validates the spec: the provider it describes, or every problem in it.
    pub fn provider(&self) -> Result<Provider, SpecErrors> {
        spec(self, None, None)
    }
}

/// The spec file at `path`, for `Builder`; diagnostics name it as given.
#[cfg(feature = "build")]
pub(crate) fn read_spec(path: &std::path::Path) -> std::io::Result<SpecFile> {
    SpecFile::read(path)
}

/// The tokens a spec file generates, with the runtime crate at `runtime`
/// (`::auth_runtime` when `None`), or every problem in it.
#[cfg(feature = "build")]
pub(crate) fn spec_tokens(
    file: &SpecFile,
    runtime: Option<&syn::Path>,
) -> Result<TokenStream, SpecErrors> {
    let provider = spec(file, None, runtime)?;
    Ok(crate::expand::expand(&provider))
}
