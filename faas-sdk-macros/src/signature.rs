//! Checks shared by `#[faas::handler]` and `#[faas::init]`.

use syn::spanned::Spanned;
use syn::{GenericArgument, ItemFn, PathArguments, ReturnType, Type};

/// Rejects what no faas function may be: not async, generic, a method.
pub fn check_plain_async(item: &ItemFn, what: &str) -> syn::Result<()> {
    let sig = &item.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span,
            format!("{what} must be an `async fn`; add `async` before `fn`"),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            sig.generics.span(),
            format!("{what} cannot be generic: name the concrete types it takes and returns"),
        ));
    }
    if let Some(receiver) = sig.receiver() {
        return Err(syn::Error::new(
            receiver.span(),
            format!("{what} is a free function, not a method: remove `self`"),
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(variadic.span(), format!("{what} cannot be variadic")));
    }
    Ok(())
}

/// The `T` and `E` of a `-> Result<T, E>` return type.
pub fn result_types<'a>(item: &'a ItemFn, expected: &str) -> syn::Result<(&'a Type, &'a Type)> {
    let ty = match &item.sig.output {
        ReturnType::Type(_, ty) => ty,
        ReturnType::Default => {
            return Err(syn::Error::new(
                item.sig.paren_token.span.close(),
                format!("missing return type: it returns `{expected}`"),
            ));
        }
    };
    let not_result = || syn::Error::new(ty.span(), format!("expected `{expected}` as the return type"));
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
        _ => Err(syn::Error::new(
            segment.span(),
            format!("write both types of the result: `{expected}`"),
        )),
    }
}

/// The last path segment's name of `ty` (`Json` for `faas::Json<T>`).
pub fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|segment| segment.ident.to_string()),
        Type::Group(group) => type_name(&group.elem),
        Type::Paren(paren) => type_name(&paren.elem),
        _ => None,
    }
}
