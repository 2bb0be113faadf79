//! `faas::main!(handler[, init])`: generates `fn main`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
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
            return Err(syn::Error::new(
                Span::call_site(),
                format!("`faas::main!` needs the handler to run: {USAGE}"),
            ));
        }
        let handler: Path = input
            .parse()
            .map_err(|err| syn::Error::new(err.span(), USAGE))?;
        let mut init = None;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            init = Some(
                input
                    .parse::<Path>()
                    .map_err(|err| syn::Error::new(err.span(), USAGE))?,
            );
            input.parse::<Option<Token![,]>>()?;
        }
        if !input.is_empty() {
            return Err(input.error(format!("unexpected argument; {USAGE}")));
        }
        Ok(Input { handler, init })
    }
}

pub fn expand(input: TokenStream) -> TokenStream {
    let Input { handler, init } = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => {
            // An empty `main` beside the error spares the user a second,
            // misleading "`main` function not found" error.
            let err = err.into_compile_error();
            return quote!(#err fn main() {});
        }
    };
    let private = quote!(::faas::__private);
    // Spanned at the names, so that a type error about the handler or the
    // init function points at the name in the macro call.
    let run = match init {
        Some(init) => {
            quote_spanned!(init.span()=> #private::main(#handler {}, #init {}))
        }
        None => quote_spanned!(handler.span()=> #private::main_without_init(#handler {})),
    };
    quote! {
        fn main() -> ::std::process::ExitCode {
            #run
        }
    }
}
