//! Checks shared by `#[faas::handler]` and `#[faas::init]`.

use quote::ToTokens;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

/// The function an attribute is on; `attribute` names it in the error.
pub fn parse_function(item: proc_macro2::TokenStream, attribute: &str) -> syn::Result<ItemFn> {
    syn::parse2(item).map_err(|err| {
        syn::Error::new(
            err.span(),
            format!("`{attribute}` goes on an `async fn`: {err}"),
        )
    })
}

/// Rejects what no faas function may be: not async, generic, a method.
pub fn check_plain_async(item: &ItemFn, what: &str) -> syn::Result<()> {
    let sig = &item.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span,
            format!("{what} must be an `async fn`; add `async` before `fn`"),
        ));
    }
    let generic = format!("{what} cannot be generic: name the concrete types it takes and returns");
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&sig.generics, generic));
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        return Err(syn::Error::new_spanned(where_clause, generic));
    }
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                return Err(syn::Error::new_spanned(
                    receiver,
                    format!("{what} is a free function, not a method: remove `self`"),
                ));
            }
            // `impl Trait` in argument position is an anonymous type parameter.
            FnArg::Typed(arg) if matches!(*arg.ty, Type::ImplTrait(_)) => {
                return Err(syn::Error::new_spanned(&arg.ty, generic));
            }
            FnArg::Typed(_) => {}
        }
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            variadic,
            format!("{what} cannot be variadic"),
        ));
    }
    Ok(())
}

/// What a function must return, for the messages of [`result_types`].
pub struct Returns {
    /// "a handler", "an init function".
    pub what: &'static str,
    /// The expected shape, e.g. `Result<R, FunctionError>`.
    pub expected: &'static str,
    /// The error type suggested in a fix, e.g. `FunctionError`.
    pub error: &'static str,
}

/// The `T` and `E` of a `-> Result<T, E>` return type.
pub fn result_types<'a>(item: &'a ItemFn, returns: &Returns) -> syn::Result<(&'a Type, &'a Type)> {
    let Returns {
        what,
        expected,
        error,
    } = returns;
    let ty = match &item.sig.output {
        ReturnType::Type(_, ty) => ty,
        ReturnType::Default => {
            return Err(syn::Error::new(
                item.sig.paren_token.span.close(),
                format!(
                    "{what} returns `{expected}`: add a return type such as `-> Result<(), {error}>`"
                ),
            ));
        }
    };
    let not_result = || {
        let written = type_text(ty);
        syn::Error::new_spanned(
            ty,
            format!(
                "{what} returns `{expected}`: write `Result<{written}, {error}>` and return `Ok(...)`"
            ),
        )
    };
    let Type::Path(path) = &**ty else {
        return Err(not_result());
    };
    let segment = path.path.segments.last().ok_or_else(not_result)?;
    if segment.ident != "Result" {
        return Err(not_result());
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return Err(not_result());
    };
    let types: Vec<&Type> = args
        .args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    match types[..] {
        [ok, err] => Ok((ok, err)),
        // A one-argument alias such as `anyhow::Result<T>` hides the error type.
        _ => Err(syn::Error::new_spanned(
            ty,
            format!("{what} returns `{expected}`: write both types of the `Result`"),
        )),
    }
}

/// The last path segment's name of `ty` (`Json` for `faas::Json<T>`).
pub fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string()),
        Type::Group(group) => type_name(&group.elem),
        Type::Paren(paren) => type_name(&paren.elem),
        _ => None,
    }
}

/// `ty` as a user would write it (`Vec<u8>`, not `Vec < u8 >`), for messages.
pub fn type_text(ty: &Type) -> String {
    let spaced = ty.to_token_stream().to_string();
    let mut text = String::with_capacity(spaced.len());
    let mut chars = spaced.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let glued = c == ' '
            && (matches!(text.chars().last(), Some('<' | '&' | ':' | '(' | '['))
                || matches!(next, Some('<' | '>' | ',' | ':' | ')' | ']')));
        if !glued {
            text.push(c);
        }
    }
    text
}

/// The function, unchanged, and beside it a zero-sized type of the same
/// name for the trait impl to go on. Functions and types live in different
/// namespaces, so both names resolve.
pub fn function_and_type(
    function: &ItemFn,
    trait_name: &str,
    attribute: &str,
) -> proc_macro2::TokenStream {
    let same_name_type = same_name_type(function, trait_name, attribute);
    quote::quote! {
        #function

        #same_name_type
    }
}

/// The zero-sized type of the same name as `function`, which implements
/// `faas::<trait_name>`.
pub fn same_name_type(
    function: &ItemFn,
    trait_name: &str,
    attribute: &str,
) -> proc_macro2::TokenStream {
    let vis = &function.vis;
    let ident = &function.sig.ident;
    let doc =
        format!("The [`faas::{trait_name}`] of [`fn@{ident}`], added by `#[faas::{attribute}]`.");
    quote::quote! {
        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, Default)]
        #vis struct #ident {}
    }
}
