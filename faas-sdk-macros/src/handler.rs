//! `#[faas::handler]`: checks the signature and options, then adds a type
//! of the same name that implements `faas::Handler` by calling the function.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, LitInt, LitStr, Pat, Token, Type};

use crate::idempotency::{self, IdempotencyOption};
use crate::signature::{
    Returns, check_plain_async, function_and_type, parse_function, result_types, same_name_type,
    type_name,
};

const RETURNS: Returns = Returns {
    what: "a handler",
    expected: "Result<R, FunctionError>",
    error: "FunctionError",
};

const OPTIONS: &str = "batch(concurrency = N), name = \"...\", schema = \"path\", idempotency(key = \"/pointer\", ...)";
/// Contracts that arrive one per invocation.
const SINGLE_TYPES: &[&str] = &[
    "HttpRequest",
    "Json",
    "ScheduleEvent",
    "CloudEvent",
    "Batch",
];

pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options: Options = syn::parse2(args)?;
    let function = parse_function(item, "#[faas::handler]")?;
    check_plain_async(&function, RETURNS.what)?;
    let signature = Signature::parse(&function)?;
    check_batch_fits(&options, &signature)?;
    generate(&function, &options, &signature)
}

/// The options inside `#[faas::handler(...)]`.
#[derive(Default)]
struct Options {
    /// `batch`, with its token and concurrency.
    batch: Option<(Span, usize)>,
    name: Option<LitStr>,
    schema: Option<LitStr>,
    idempotency: Option<IdempotencyOption>,
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut options = Options::default();
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            let key: Ident = input.parse().map_err(|err| {
                syn::Error::new(err.span(), format!("expected an option: {OPTIONS}"))
            })?;
            let name = key.to_string();
            if seen.contains(&name) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("the `{name}` option is given twice; keep one"),
                ));
            }
            seen.push(name.clone());
            match name.as_str() {
                "batch" => options.batch = Some((key.span(), parse_concurrency(input)?)),
                "name" => options.name = Some(parse_string_value(input, &key)?),
                "schema" => options.schema = Some(parse_string_value(input, &key)?),
                "idempotency" => options.idempotency = Some(idempotency::parse(input, &key)?),
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown option `{name}`; expected one of: {OPTIONS}"),
                    ));
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(options)
    }
}

/// `= "text"` after an option name.
fn parse_string_value(input: ParseStream, key: &Ident) -> syn::Result<LitStr> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key.span(),
            format!("write `{key} = \"...\"`"),
        ));
    }
    input.parse::<Token![=]>()?;
    let value: LitStr = input.parse()?;
    if value.value().trim().is_empty() {
        return Err(syn::Error::new(
            value.span(),
            format!("`{key}` cannot be empty"),
        ));
    }
    Ok(value)
}

/// The optional `(concurrency = N)` after `batch`.
fn parse_concurrency(input: ParseStream) -> syn::Result<usize> {
    if input.peek(Token![=]) {
        return Err(input
            .error("write `batch`, or `batch(concurrency = N)` to run up to N records at once"));
    }
    if !input.peek(syn::token::Paren) {
        return Ok(1);
    }
    let inner;
    syn::parenthesized!(inner in input);
    let key: Ident = inner.parse()?;
    if key != "concurrency" {
        return Err(syn::Error::new(
            key.span(),
            format!("unknown `batch` option `{key}`; expected `batch(concurrency = N)`"),
        ));
    }
    inner.parse::<Token![=]>()?;
    let value: LitInt = inner.parse()?;
    let concurrency: usize = value.base10_parse()?;
    if concurrency == 0 {
        return Err(syn::Error::new(
            value.span(),
            "`concurrency` must be at least 1 (plain `batch` runs one record at a time)",
        ));
    }
    if !inner.is_empty() {
        return Err(inner.error("expected `)` after the concurrency"));
    }
    Ok(concurrency)
}

/// What the function's arguments and result say.
struct Signature<'a> {
    event: &'a Type,
    extra: Extra<'a>,
    output: &'a Type,
    error: &'a Type,
}

/// The arguments after the event.
enum Extra<'a> {
    /// None.
    Nothing,
    /// One, named `Context`: the context.
    Context,
    /// One of another name: the state, or the context under another name
    /// (`use faas::Context as Ctx`). The type decides, when it compiles.
    StateOrContext(&'a Type),
    /// Two: the state, then the context (whatever its name; checked).
    StateAndContext(&'a Type, &'a Type),
}

impl<'a> Signature<'a> {
    fn parse(function: &'a ItemFn) -> syn::Result<Self> {
        let sig = &function.sig;
        let mut inputs = sig.inputs.iter().map(|arg| match arg {
            FnArg::Typed(typed) => Ok(typed),
            FnArg::Receiver(receiver) => Err(syn::Error::new_spanned(
                receiver,
                "a handler cannot take `self`",
            )),
        });
        let Some(first) = inputs.next().transpose()? else {
            return Err(syn::Error::new(
                sig.paren_token.span.join(),
                "a handler takes its event as the first argument, e.g. `order: Json<NewOrder>`",
            ));
        };
        let event = &*first.ty;
        match event {
            Type::Reference(_) if is_context(event) => {
                return Err(syn::Error::new_spanned(
                    event,
                    "the first argument is the event, e.g. `order: Json<NewOrder>`; put `ctx: &Context` after it",
                ));
            }
            Type::Reference(reference) => {
                return Err(syn::Error::new(
                    reference.and_token.span,
                    "the handler owns its event: take it by value, without `&`",
                ));
            }
            _ => {}
        }
        // The arguments after the event: shared references, state first.
        let mut shared: Vec<&Type> = Vec::new();
        for arg in inputs {
            let arg = arg?;
            let ty = &*arg.ty;
            let Type::Reference(reference) = ty else {
                let hint = if is_context(ty) {
                    "take the context by reference: `ctx: &Context`"
                } else {
                    "after the event, a handler takes `state: &State` (built by `#[faas::init]`) and/or `ctx: &Context`"
                };
                return Err(syn::Error::new_spanned(ty, hint));
            };
            if let Some(mutability) = reference.mutability {
                return Err(syn::Error::new(
                    mutability.span(),
                    "state and context are shared by concurrent invocations: take `&`, not `&mut` (use a Mutex or atomics inside the state)",
                ));
            }
            match shared[..] {
                [first] if is_context(first) && is_context(ty) => {
                    return Err(syn::Error::new_spanned(
                        ty,
                        "the context is already an argument; remove this one",
                    ));
                }
                [first] if is_context(first) => {
                    return Err(syn::Error::new_spanned(
                        ty,
                        "put the state before the context: `(event, state: &State, ctx: &Context)`",
                    ));
                }
                [_, _] => {
                    return Err(syn::Error::new_spanned(
                        ty,
                        "a handler takes at most a state and the context after its event; put everything it needs in one state type",
                    ));
                }
                _ => shared.push(ty),
            }
        }
        if let Pat::Ident(pat) = &*first.pat {
            if pat.by_ref.is_some() {
                return Err(syn::Error::new_spanned(
                    pat,
                    "the handler owns its event: remove `ref`",
                ));
            }
        }
        let referent = |ty: &'a Type| match ty {
            Type::Reference(reference) => &*reference.elem,
            other => other,
        };
        let extra = match shared[..] {
            [] => Extra::Nothing,
            [only] if is_context(only) => Extra::Context,
            [only] => Extra::StateOrContext(referent(only)),
            [state, ctx] => Extra::StateAndContext(referent(state), referent(ctx)),
            _ => unreachable!("at most two arguments are kept above"),
        };
        let (output, error) = result_types(function, &RETURNS)?;
        Ok(Signature {
            event,
            extra,
            output,
            error,
        })
    }
}

/// Whether `ty` is spelled `Context` or `&Context` (any path ending so);
/// the context under another name is told by its type instead.
fn is_context(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) => is_context(&reference.elem),
        _ => type_name(ty).as_deref() == Some("Context"),
    }
}

/// The state type of a handler whose signature may be broken: what the
/// same-name type stands in with when the attribute reports an error.
pub fn fallback_state(function: &ItemFn) -> Option<&Type> {
    let extra: Vec<&Type> = function
        .sig
        .inputs
        .iter()
        .skip(1)
        .filter_map(|arg| match arg {
            FnArg::Typed(typed) => Some(&*typed.ty),
            FnArg::Receiver(_) => None,
        })
        .collect();
    match extra.first() {
        Some(Type::Reference(reference)) if !is_context(&reference.elem) => Some(&reference.elem),
        _ => None,
    }
}

/// `batch` on a contract that arrives one per invocation gets a precise
/// message; any other type is checked by the compiler through the `Record`
/// bound in the generated code.
fn check_batch_fits(options: &Options, signature: &Signature) -> syn::Result<()> {
    let Some(name) = type_name(signature.event) else {
        return Ok(());
    };
    match options.batch {
        Some((span, _)) if SINGLE_TYPES.contains(&name.as_str()) => Err(syn::Error::new(
            span,
            format!(
                "`batch` handles the records of a batch, but `{name}` arrives one per invocation; remove `batch`"
            ),
        )),
        _ => Ok(()),
    }
}

fn generate(
    function: &ItemFn,
    options: &Options,
    signature: &Signature,
) -> syn::Result<TokenStream> {
    let ident = &function.sig.ident;
    let event = signature.event;
    let output = signature.output;
    let error = signature.error;
    let private = quote!(::faas::__private);

    let name = match &options.name {
        Some(name) => quote!(#name),
        None => {
            let name = ident.to_string();
            quote!(#name)
        }
    };
    // `batch` names the event as a `Record`: a type that is not one fails
    // here, once, with `Record`'s message at `batch`.
    let record_bound = options
        .batch
        .map(|(span, _)| respan(quote!(where #event: #private::Record), span));
    let event_type = quote!(#event);
    let concurrency = options.batch.map_or(1, |(_, concurrency)| concurrency);
    let (state_type, extra_args) = match signature.extra {
        Extra::Nothing => (quote!(()), quote!()),
        Extra::Context => (quote!(()), quote!(ctx,)),
        Extra::StateOrContext(ty) => (
            quote!(#ty),
            quote!(#private::state_or_context::<#ty>(state, ctx),),
        ),
        Extra::StateAndContext(state, context) => {
            // Spanned at the type: one that is not the context is reported there.
            let context = quote_spanned!(context.span()=> <#context as #private::IsContext>::from_context(ctx));
            (quote!(#state), quote!(state, #context,))
        }
    };
    let schema = match &options.schema {
        Some(path) => schema_file(path)?,
        None => quote!({
            use #private::{EventSchema as _, NoEventSchema as _};
            (&#private::Probe::<#event_type>::new()).schema_source()
        }),
    };
    let idempotency = options.idempotency.as_ref().map(|option| {
        let options = option.to_tokens();
        quote!(.with_idempotency(#options))
    });
    // Written at the user's error type: one that does not convert is
    // reported there, once (see `HandlerError` for how the lookup chooses).
    let into_error = quote_spanned!(error.span()=> {
        #[allow(unused_imports)]
        use #private::ViaInto as _;
        (&&#private::HandlerError::<#error>::new(error)).into_function_error()
    });
    let function_and_type = function_and_type(function, "Handler", "handler");

    Ok(quote! {
        #function_and_type

        impl #private::Handler for #ident #record_bound {
            type Event = #event_type;
            type State = #state_type;
            type Output = #output;

            // The borrow in the schema probe selects the fallback when the payload has no schema.
            #[allow(clippy::needless_borrow)]
            fn config(&self) -> #private::HandlerConfig {
                #private::HandlerConfig::new(#name, ::core::env!("CARGO_PKG_VERSION"))
                    .with_concurrency(#concurrency)
                    .with_schema(#schema)
                    #idempotency
            }

            fn call<'a>(
                &'a self,
                event: Self::Event,
                state: &'a Self::State,
                ctx: &'a #private::Context,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<Self::Output, #private::FunctionError>>
                   + ::core::marker::Send + 'a {
                let _ = (&state, &ctx);
                async move {
                    match #ident(event, #extra_args).await {
                        ::core::result::Result::Ok(output) => ::core::result::Result::Ok(output),
                        ::core::result::Result::Err(error) => ::core::result::Result::Err(#into_error),
                    }
                }
            }
        }
    })
}

/// What stands in for the handler when the attribute reports an error: the
/// same-name type, implementing `Handler` with the state the signature
/// seems to take, so that `faas::main!` and other uses of the name add no
/// second, misleading error to the attribute's.
pub fn stand_in(function: &ItemFn) -> TokenStream {
    let ident = &function.sig.ident;
    let same_name_type = same_name_type(function, "Handler", "handler");
    let private = quote!(::faas::__private);
    let state = match fallback_state(function) {
        Some(state) => quote!(#state),
        None => quote!(()),
    };
    let name = ident.to_string();
    quote! {
        #same_name_type

        impl #private::Handler for #ident {
            type Event = ();
            type State = #state;
            type Output = ();

            fn config(&self) -> #private::HandlerConfig {
                #private::HandlerConfig::new(#name, ::core::env!("CARGO_PKG_VERSION"))
            }

            fn call<'a>(
                &'a self,
                _: (),
                _: &'a Self::State,
                _: &'a #private::Context,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<(), #private::FunctionError>>
                   + ::core::marker::Send + 'a {
                async { ::core::result::Result::Err(#private::FunctionError::internal("the handler did not compile")) }
            }
        }
    }
}

/// `tokens` with every span moved to `span`, keeping name resolution: the
/// compiler's errors about them then point at `span`.
fn respan(tokens: impl ToTokens, span: Span) -> TokenStream {
    tokens
        .into_token_stream()
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut moved = Group::new(group.delimiter(), respan(group.stream(), span));
                moved.set_span(group.span().located_at(span));
                TokenTree::Group(moved)
            }
            mut other => {
                other.set_span(other.span().located_at(span));
                other
            }
        })
        .collect()
}

/// Overrides `CARGO_MANIFEST_DIR` as the base of `schema` paths. `trybuild`
/// compiles test cases in a crate of its own under `target/`, so a UI test
/// sets this to the real crate's directory (the fix `trybuild`'s author
/// recommends, dtolnay/trybuild#202).
const MANIFEST_DIR_OVERRIDE: &str = "FAAS_MANIFEST_DIR_OVERRIDE";

/// `schema = "path"`: read and check the file now, embed it in the binary.
fn schema_file(path: &LitStr) -> syn::Result<TokenStream> {
    let relative = path.value();
    let root = std::env::var(MANIFEST_DIR_OVERRIDE)
        .or_else(|_| std::env::var("CARGO_MANIFEST_DIR"))
        .unwrap_or_else(|_| ".".to_owned());
    let full = std::path::Path::new(&root).join(&relative);
    let text = std::fs::read_to_string(&full).map_err(|err| {
        let message = format!(
            "cannot read schema file `{relative}`: {err}; the path is relative to the crate's Cargo.toml ({})",
            full.display()
        );
        syn::Error::new(path.span(), message)
    })?;
    if let Err(err) = serde_json::from_str::<serde_json::Value>(&text) {
        let message = format!("schema file `{relative}` is not valid JSON: {err}");
        return Err(syn::Error::new(path.span(), message));
    }
    let full = full.to_string_lossy().into_owned();
    Ok(quote! {
        ::core::option::Option::Some(::faas::__private::SchemaSource::File {
            path: #relative,
            text: ::core::include_str!(#full),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::expand;
    use quote::quote;

    /// Odd inputs the UI tests do not cover: each is an error, none a panic.
    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let plain = quote!(
            async fn f(e: E) -> Result<(), FunctionError> {
                Ok(())
            }
        );
        let bad_options = [
            quote!(batch(concurrency = 99999999999999999999999)),
            quote!(batch(concurrency)),
            quote!(batch(concurrency = 2, extra = 1)),
            quote!(batch(size = 2)),
            quote!(batch = true),
            quote!(batch batch),
            quote!(name),
            quote!(name = 5),
            quote!(name = ""),
            quote!("batch"),
            quote!(,),
            quote!(schema = "no/such/file.json"),
        ];
        for options in bad_options {
            assert!(
                expand(options.clone(), plain.clone()).is_err(),
                "accepted {options}"
            );
        }
        let bad_functions = [
            quote!(
                async fn f() -> Result<(), FunctionError> {
                    Ok(())
                }
            ),
            quote!(
                async fn f(e: E) -> Result<()> {
                    Ok(())
                }
            ),
            quote!(
                async fn f(e: E) -> Result {
                    Ok(())
                }
            ),
            quote!(
                async fn f(e: E) -> (u8, u8) {
                    (1, 2)
                }
            ),
            quote!(
                async fn f(e: E, s: &S, c: &Context, x: &X) -> Result<(), E2> {
                    Ok(())
                }
            ),
            quote!(
                async fn f(e: E, a: &Context, b: &Context) -> Result<(), E2> {
                    Ok(())
                }
            ),
            quote!(
                async fn f(ctx: &Context) -> Result<(), E2> {
                    Ok(())
                }
            ),
            quote!(
                async fn f(ref e: E) -> Result<(), E2> {
                    Ok(())
                }
            ),
            quote!(
                async fn f(e: impl Event) -> Result<(), E2> {
                    Ok(())
                }
            ),
            quote!(
                async fn f<'a>(e: E, s: &'a S) -> Result<(), E2> {
                    Ok(())
                }
            ),
            quote!(
                async fn f(e: E) -> Result<(), E2>
                where
                    E: Send,
                {
                    Ok(())
                }
            ),
            quote!(
                struct NotAFunction;
            ),
        ];
        for function in bad_functions {
            assert!(
                expand(quote!(), function.clone()).is_err(),
                "accepted {function}"
            );
        }
    }

    #[test]
    fn every_supported_shape_expands() {
        let functions = [
            quote!(
                async fn f(e: E) -> Result<(), FunctionError> {
                    Ok(())
                }
            ),
            quote!(
                async fn f(mut e: E, ctx: &Context) -> Result<R, MyError> {
                    Ok(r)
                }
            ),
            quote!(
                async fn f(
                    Json(o): Json<O>,
                    s: &S,
                    ctx: &faas::Context,
                ) -> Result<R, FunctionError> {
                    Ok(r)
                }
            ),
            quote!(
                async fn f(_: E, s: &'static S) -> std::result::Result<R, FunctionError> {
                    Ok(r)
                }
            ),
        ];
        for function in functions {
            assert!(
                expand(quote!(name = "n"), function.clone()).is_ok(),
                "rejected {function}"
            );
        }
    }
}
