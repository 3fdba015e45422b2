//! codegen
use proc_macro2::TokenStream;
/// placeholder
pub fn expand_attribute(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
