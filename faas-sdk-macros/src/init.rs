//! `#[faas::init]`: checks the signature, then adds a type of the same name
//! that implements `faas::Init` by calling the function.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{FnArg, Ident, ItemFn, Path, Token, Type};

use crate::signature::{
    Returns, check_plain_async, function_and_type, parse_function, result_types, same_name_type,
    type_name,
};

const RETURNS: Returns = Returns {
    what: "an init function",
    expected: "Result<State, E>",
    error: "E",
};

/// The options inside `#[faas::init(...)]`.
struct Options {
    /// `shutdown = close`: an `async fn close(state: &State)` run at shutdown.
    shutdown: Option<Path>,
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut shutdown = None;
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            if key != "shutdown" {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown option `{key}`; the only option is `shutdown = my_shutdown_fn`"
                    ),
                ));
            }
            if shutdown.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    "the `shutdown` option is given twice; keep one",
                ));
            }
            input.parse::<Token![=]>()?;
            shutdown = Some(input.parse::<Path>()?);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(Options { shutdown })
    }
}

pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options: Options = syn::parse2(args)?;
    let function = parse_function(item, "#[faas::init]")?;
    check_plain_async(&function, RETURNS.what)?;
    let takes_config = takes_config(&function)?;
    let (state, error) = result_types(&function, &RETURNS)?;

    let ident = &function.sig.ident;
    let private = quote!(::faas::__private);
    let config_arg = takes_config.then(|| quote!(config));
    // Written with the user's error type, so one that does not convert is reported there.
    let into_error = quote!(<#error as ::core::convert::Into<#private::BoxError>>::into);
    let function_and_type = function_and_type(&function, "Init", "init");
    let shutdown = options.shutdown.map(|hook| {
        quote! {
            fn shutdown<'a>(&'a self, state: &'a Self::State)
                -> impl ::core::future::Future<Output = ()> + ::core::marker::Send + 'a {
                #hook(state)
            }
        }
    });

    Ok(quote! {
        #function_and_type

        impl #private::Init for #ident {
            type State = #state;

            fn init<'a>(
                &'a self,
                config: &'a #private::Config,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<Self::State, #private::BoxError>>
                   + ::core::marker::Send + 'a {
                let _ = &config;
                async move { #ident(#config_arg).await.map_err(#into_error) }
            }

            #shutdown
        }
    })
}

/// What stands in for the init function when the attribute reports an
/// error: the same-name type, implementing `Init` with the state the
/// return type names, so that `faas::main!` adds no second error.
pub fn stand_in(function: &ItemFn) -> TokenStream {
    let ident = &function.sig.ident;
    let same_name_type = same_name_type(function, "Init", "init");
    let private = quote!(::faas::__private);
    let state = match result_types(function, &RETURNS) {
        Ok((state, _)) => quote!(#state),
        Err(_) => quote!(()),
    };
    quote! {
        #same_name_type

        impl #private::Init for #ident {
            type State = #state;

            fn init<'a>(
                &'a self,
                _: &'a #private::Config,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<Self::State, #private::BoxError>>
                   + ::core::marker::Send + 'a {
                async { ::core::result::Result::Err("the init function did not compile".into()) }
            }
        }
    }
}

/// An init function takes nothing, or `cfg: &Config`.
fn takes_config(function: &ItemFn) -> syn::Result<bool> {
    let inputs = &function.sig.inputs;
    let hint = "an init function takes no argument, or `cfg: &Config` to read settings";
    match inputs.len() {
        0 => Ok(false),
        1 => match &inputs[0] {
            FnArg::Typed(arg) => match &*arg.ty {
                Type::Reference(reference)
                    if reference.mutability.is_none()
                        && type_name(&reference.elem).as_deref() == Some("Config") =>
                {
                    Ok(true)
                }
                other => Err(syn::Error::new_spanned(other, hint)),
            },
            FnArg::Receiver(receiver) => Err(syn::Error::new_spanned(receiver, hint)),
        },
        _ => Err(syn::Error::new_spanned(&inputs[1], hint)),
    }
}
