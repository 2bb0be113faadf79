//! Procedural macros of the faas SDK. Use them through the `faas` crate:
//! `#[faas::handler]`, `#[faas::init]` and `faas::main!`.
//!
//! Each macro keeps the user's function exactly as written and adds code
//! beside it; every misuse is a `syn::Error` pointing at the offending
//! token, with a hint how to fix it.

mod handler;
mod idempotency;
mod init;
mod main_macro;
mod signature;

use proc_macro::TokenStream;

/// Marks an `async fn` as a function's handler. Documented on `faas::handler`.
#[proc_macro_attribute]
pub fn handler(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    keep_item_on_error(
        handler::expand(args.into(), item.clone()),
        item,
        handler::stand_in,
    )
}

/// Marks an `async fn` as a function's one-time initialisation. Documented on `faas::init`.
#[proc_macro_attribute]
pub fn init(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    keep_item_on_error(
        init::expand(args.into(), item.clone()),
        item,
        init::stand_in,
    )
}

/// Generates `fn main` for a handler. Documented on `faas::main`.
#[proc_macro]
pub fn main(input: TokenStream) -> TokenStream {
    main_macro::expand(input.into()).into()
}

/// On a misuse, emits the function unchanged beside the error (as
/// `tokio-macros` does), and for a free function a stand-in for the
/// same-name type: code that uses either name then still resolves, so the
/// compiler reports the misuse alone instead of a cascade of errors.
fn keep_item_on_error(
    expansion: syn::Result<proc_macro2::TokenStream>,
    item: proc_macro2::TokenStream,
    stand_in: fn(&syn::ItemFn) -> proc_macro2::TokenStream,
) -> TokenStream {
    match expansion {
        Ok(tokens) => tokens.into(),
        Err(err) => {
            let mut tokens = match syn::parse2::<syn::ItemFn>(item.clone()) {
                // A method sits in an `impl`, where no type can be declared.
                Ok(function) if function.sig.receiver().is_none() => stand_in(&function),
                _ => proc_macro2::TokenStream::new(),
            };
            tokens.extend(item);
            tokens.extend(err.into_compile_error());
            tokens.into()
        }
    }
}
