//! `#[faas::init]`: checks the signature, then adds a type of the same name
//! that implements `faas::Init` by calling the function.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, ItemFn, Type};

use crate::signature::{
    Returns, check_plain_async, function_and_type, parse_function, result_types, type_name,
};

const RETURNS: Returns = Returns {
    what: "an init function",
    expected: "Result<State, E>",
    error: "E",
};

pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !args.is_empty() {
        return Err(syn::Error::new_spanned(
            args,
            "`#[faas::init]` takes no options; remove them",
        ));
    }
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
        }
    })
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
