//! # auth-codegen
//!
//! The authgen generator. A vendor's token endpoint, described as attributes on a struct
//! (`#[auth_provider(...)]`, through `auth-derive`) or as a spec file, becomes typed
//! Rust: credentials with a builder that rejects malformed credentials at compile time,
//! the login response, the vendor's error enum and an `impl Provider` for
//! `auth-runtime`.
//!
//! Data flows one way: **source → [`model::Provider`] → [`validate`] → [`expand`] →
//! tokens**. The parsers are the only code that reads the source; the expanders read
//! only the IR.
//!
//! Three entry points share that pipeline:
//!
//! * the attribute, [`expand_attribute`] (through `auth-derive`), which may also point at
//!   a spec file: `#[auth_provider(spec = "specs/crmcom.toml")]`;
//! * [`Builder`], for build scripts: spec files → formatted Rust in `OUT_DIR`;
//! * the `authgen` command line (crate `authgen-cli`): `check`, `generate`, `explain`.

pub mod build;
pub mod errors;
pub mod expand;
pub mod explain;
pub mod model;
pub mod parse;
pub mod validate;

pub use build::Builder;
pub use parse::spec::{SpecDiagnostic, SpecErrors, SpecFile};

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;

/// The whole `#[auth_provider]` attribute: parses `args` and `item`, validates, expands.
///
/// On any problem the output is every problem as a `compile_error!` plus the struct
/// itself (without its `#[auth]` attributes), so no cascade of "type not found" follows.
pub fn expand_attribute(args: TokenStream, item: TokenStream) -> TokenStream {
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
    if let Some(spec) = parse::spec::attribute_args(&args) {
        return parse::spec::expand_attribute(spec, item);
    }
    let errors = Errors::default();
    let provider = parse::attr::parse(args, &item, &errors);
    if let Some(provider) = &provider {
        validate::validate(provider, &errors);
    }
    match provider {
        Some(provider) if errors.is_empty() => expand::expand(&provider),
        _ => {
            let compile_errors = errors.to_compile_errors();
            let item = parse::attr::strip_field_attributes(item);
            quote! { #compile_errors #item }
        }
    }
}
