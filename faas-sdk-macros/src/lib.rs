//! Procedural macros of the faas SDK. Use them through the `faas` crate:
//! `#[faas::handler]`, `#[faas::init]` and `faas::main!`.
//!
//! Each macro keeps the user's function exactly as written and adds code
//! beside it; every misuse is a `syn::Error` pointing at the offending
//! token, with a hint how to fix it.

mod handler;
mod init;
mod main_macro;
mod signature;

use proc_macro::TokenStream;

/// Marks an `async fn` as a function's handler. Documented on `faas::handler`.
#[proc_macro_attribute]
pub fn handler(args: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Marks an `async fn` as a function's one-time initialisation. Documented on `faas::init`.
#[proc_macro_attribute]
pub fn init(args: TokenStream, item: TokenStream) -> TokenStream {
    init::expand(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Generates `fn main` for a handler. Documented on `faas::main`.
#[proc_macro]
pub fn main(input: TokenStream) -> TokenStream {
    main_macro::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
