//! The `#[auth_provider]` attribute of authgen.
//!
//! This crate is a thin shell around [`auth_codegen`]; use the attribute through
//! `auth-runtime`, which re-exports it and documents its grammar.

use proc_macro::TokenStream;

/// Describes a vendor's token endpoint; see `auth_runtime::auth_provider` for the grammar.
#[proc_macro_attribute]
pub fn auth_provider(args: TokenStream, item: TokenStream) -> TokenStream {
    auth_codegen::expand_attribute(args.into(), item.into()).into()
}
