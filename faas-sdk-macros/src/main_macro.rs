//! `faas::main!(handler[, init])`: generates `fn main`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Path, Token};

const USAGE: &str = "write `faas::main!(my_handler)` or `faas::main!(my_handler, my_init)`, \
                     naming functions marked `#[faas::handler]` and `#[faas::init]`";

struct Input {
    handler: Path,
    init: Option<Path>,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(USAGE));
        }
        let handler: Path = input.parse().map_err(|err| syn::Error::new(err.span(), USAGE))?;
        let mut init = None;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            init = Some(input.parse::<Path>().map_err(|err| syn::Error::new(err.span(), USAGE))?);
            input.parse::<Option<Token![,]>>()?;
        }
        if !input.is_empty() {
            return Err(input.error(format!("unexpected argument; {USAGE}")));
        }
        Ok(Input { handler, init })
    }
}

pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let Input { handler, init } = syn::parse2(input)?;
    let init = match init {
        Some(init) => quote!(#init {}),
        None => quote!(::faas::__private::NoInit),
    };
    Ok(quote! {
        fn main() -> ::std::process::ExitCode {
            ::faas::__private::main(#handler {}, #init)
        }
    })
}
