//! `faas::main!(handler[, init][, layers = [...]][, around = [...]])`:
//! generates `fn main`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Path, Token, bracketed};

const USAGE: &str = "write `faas::main!(my_handler)` or `faas::main!(my_handler, my_init)`, \
                     naming functions marked `#[faas::handler]` and `#[faas::init]`, \
                     optionally followed by `layers = [..]` and `around = [..]`";

struct Input {
    handler: Path,
    init: Option<Path>,
    /// `layers = [...]`: before validation and idempotency.
    layers: Vec<Expr>,
    /// `around = [...]`: around everything.
    around: Vec<Expr>,
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
        let mut parsed = Input {
            handler,
            init: None,
            layers: Vec::new(),
            around: Vec::new(),
        };
        let mut seen: Vec<String> = Vec::new();
        while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            // `name = [..]`, or the init function's path.
            if input.peek(Ident) && input.peek2(Token![=]) {
                let key: Ident = input.parse()?;
                let name = key.to_string();
                if seen.contains(&name) {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("`{name}` is given twice; list every layer in one `{name} = [..]`"),
                    ));
                }
                input.parse::<Token![=]>()?;
                let list = match name.as_str() {
                    "layers" => &mut parsed.layers,
                    "around" => &mut parsed.around,
                    _ => {
                        return Err(syn::Error::new(
                            key.span(),
                            format!(
                                "unknown option `{name}`; expected `layers = [..]` or `around = [..]`"
                            ),
                        ));
                    }
                };
                let content;
                bracketed!(content in input);
                let exprs = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
                list.extend(exprs);
                seen.push(name);
            } else if parsed.init.is_none() && seen.is_empty() {
                parsed.init = Some(
                    input
                        .parse::<Path>()
                        .map_err(|err| syn::Error::new(err.span(), USAGE))?,
                );
            } else {
                return Err(input.error(format!("unexpected argument; {USAGE}")));
            }
        }
        if !input.is_empty() {
            return Err(input.error(format!("unexpected argument; {USAGE}")));
        }
        Ok(parsed)
    }
}

pub fn expand(input: TokenStream) -> TokenStream {
    let Input {
        handler,
        init,
        layers,
        around,
    } = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => {
            // An empty `main` beside the error spares the user a second,
            // misleading "`main` function not found" error.
            let err = err.into_compile_error();
            return quote!(#err fn main() {});
        }
    };
    let private = quote!(::faas::__private);
    // The layers are added by a closure over the handler's `Serve`; the
    // handler and the init function are arguments of their own. Each is
    // spanned at its name, so that a type error about it points there.
    let mut serve = quote!(serve);
    for layer in &layers {
        serve = quote_spanned!(layer.span()=> #serve.layer(#layer));
    }
    for layer in &around {
        serve = quote_spanned!(layer.span()=> #serve.around(#layer));
    }
    let handler_value = quote_spanned!(handler.span()=> #handler {});
    let run = match init {
        Some(init) => {
            let init_value = quote_spanned!(init.span()=> #init {});
            quote!(#private::main(#handler_value, #init_value, |serve| #serve))
        }
        None => quote!(#private::main_without_init(#handler_value, |serve| #serve)),
    };
    quote! {
        fn main() -> ::std::process::ExitCode {
            #run
        }
    }
}
