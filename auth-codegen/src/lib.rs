//! # auth-codegen
//!
//! The authgen generator. A vendor's token endpoint, described as attributes on a struct
//! (`#[auth_provider(...)]`, through `auth-derive`) or as a spec file, becomes typed
//! Rust: credentials with a builder that rejects malformed credentials at compile time,
//! the login response, the vendor's error enum and an `impl Provider` for
//! `auth-runtime`.
//!
//! Data flows one way: **source → tree → [`model::Provider`] → validate →
//! [`expand`] → tokens**. The readers (`source/`) only lex (the attribute with syn, a
//! spec file with toml) into one source-neutral tree; one lowering (`lower/`), driven
//! by the key table (`keys.rs`), turns that tree into the IR; `validate.rs` checks it;
//! the expanders read only the IR.
//!
//! Three entry points share that pipeline (one driver, `pipeline.rs`):
//!
//! * the attribute, [`expand_attribute`] (through `auth-derive`), which may also point at
//!   a spec file: `#[auth_provider(spec = "specs/crmcom.toml")]`;
//! * [`Builder`], for build scripts: spec files → formatted Rust in `OUT_DIR`;
//! * the `authgen` command line (crate `authgen-cli`): `check`, `generate`, `explain`.

#[cfg(feature = "build")]
pub mod build;
mod describe;
mod errors;
pub mod expand;
pub mod explain;
mod keys;
mod lower;
pub mod model;
mod pipeline;
pub mod rules;
mod secrets;
mod source;
mod validate;

#[cfg(feature = "build")]
pub use build::Builder;
pub use keys::reference;
pub use secrets::{SECRET_WORDS, is_secret_name};
#[cfg(feature = "spec")]
pub use source::spec::{SpecDiagnostic, SpecErrors, SpecFile};

pub use auth_description as description;
pub use bumpalo::Bump;

use proc_macro2::TokenStream;

/// The whole `#[auth_provider]` attribute: reads `args` and `item`, lowers, validates,
/// expands.
///
/// On any problem the output is every problem as a `compile_error!` plus the struct
/// itself (without its `#[auth]` attributes), so no cascade of "type not found" follows.
pub fn expand_attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::attribute(args, item)
}
