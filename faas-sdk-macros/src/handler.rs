//! `#[faas::handler]`: checks the signature and options, then adds a type
//! of the same name that implements `faas::Handler` by calling the function.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, LitInt, LitStr, Pat, Token, Type};

use crate::signature::{check_plain_async, result_types, type_name};

const OPTIONS: &str = "batch, batch(concurrency = N), name = \"...\", schema = \"path\"";
/// Contracts that arrive as records of a batch.
const RECORD_TYPES: &[&str] = &["QueueMessage", "StreamRecord", "StorageEvent"];
/// Contracts that arrive one per invocation.
const SINGLE_TYPES: &[&str] = &["HttpRequest", "Json", "ScheduleEvent", "CloudEvent", "Batch"];

pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options: Options = syn::parse2(args)?;
    let function: ItemFn = syn::parse2(item)?;
    check_plain_async(&function, "a handler")?;
    let signature = Signature::parse(&function)?;
    check_batch_fits(&options, &signature)?;
    Ok(generate(&function, &options, &signature))
}

/// The options inside `#[faas::handler(...)]`.
#[derive(Default)]
struct Options {
    /// `batch`, with its token and concurrency.
    batch: Option<(Span, usize)>,
    name: Option<LitStr>,
    schema: Option<LitStr>,
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut options = Options::default();
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            let name = key.to_string();
            if seen.contains(&name) {
                return Err(syn::Error::new(key.span(), format!("the `{name}` option is given twice")));
            }
            seen.push(name.clone());
            match name.as_str() {
                "batch" => options.batch = Some((key.span(), parse_concurrency(input)?)),
                "name" => options.name = Some(parse_string_value(input, &key)?),
                "schema" => options.schema = Some(parse_string_value(input, &key)?),
                "idempotency" => {
                    return Err(syn::Error::new(
                        key.span(),
                        "`idempotency(...)` needs an idempotency store, which this version of faas does not have yet",
                    ));
                }
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
        return Err(syn::Error::new(key.span(), format!("write `{key} = \"...\"`")));
    }
    input.parse::<Token![=]>()?;
    let value: LitStr = input.parse()?;
    if value.value().trim().is_empty() {
        return Err(syn::Error::new(value.span(), format!("`{key}` cannot be empty")));
    }
    Ok(value)
}

/// The optional `(concurrency = N)` after `batch`.
fn parse_concurrency(input: ParseStream) -> syn::Result<usize> {
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
        return Err(syn::Error::new(value.span(), "concurrency must be at least 1"));
    }
    if !inner.is_empty() {
        return Err(inner.error("expected `)` after the concurrency"));
    }
    Ok(concurrency)
}

/// What the function's arguments and result say.
struct Signature<'a> {
    event: &'a Type,
    state: Option<&'a Type>,
    has_context: bool,
    output: &'a Type,
    error: &'a Type,
}

impl<'a> Signature<'a> {
    fn parse(function: &'a ItemFn) -> syn::Result<Self> {
        let sig = &function.sig;
        let mut inputs = sig.inputs.iter().map(|arg| match arg {
            FnArg::Typed(typed) => Ok(typed),
            FnArg::Receiver(receiver) => Err(syn::Error::new(receiver.span(), "a handler cannot take `self`")),
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
                return Err(syn::Error::new(
                    event.span(),
                    "the first argument is the event; put `ctx: &Context` after it",
                ));
            }
            Type::Reference(_) => {
                return Err(syn::Error::new(
                    event.span(),
                    "the event is taken by value: drop the `&`",
                ));
            }
            _ => {}
        }
        let mut state = None;
        let mut context: Option<&Type> = None;
        for arg in inputs {
            let arg = arg?;
            let ty = &*arg.ty;
            let Type::Reference(reference) = ty else {
                let hint = if is_context(ty) {
                    "take the context by reference: `ctx: &Context`"
                } else {
                    "after the event, a handler takes `state: &State` (built by `#[faas::init]`) and/or `ctx: &Context`"
                };
                return Err(syn::Error::new(ty.span(), hint));
            };
            if let Some(mutability) = reference.mutability {
                return Err(syn::Error::new(
                    mutability.span(),
                    "state and context are shared by concurrent invocations: take `&`, not `&mut` (use a Mutex or atomics inside the state)",
                ));
            }
            if is_context(&reference.elem) {
                if context.is_some() {
                    return Err(syn::Error::new(ty.span(), "the context is already an argument"));
                }
                context = Some(ty);
            } else if state.is_some() {
                return Err(syn::Error::new(
                    ty.span(),
                    "a handler takes one state argument; put everything it needs in one state type",
                ));
            } else if context.is_some() {
                return Err(syn::Error::new(
                    ty.span(),
                    "put the state before the context: `(event, state: &State, ctx: &Context)`",
                ));
            } else {
                state = Some(&*reference.elem);
            }
        }
        if let Pat::Ident(pat) = &*first.pat {
            if pat.by_ref.is_some() {
                return Err(syn::Error::new(pat.span(), "the event is taken by value: remove `ref`"));
            }
        }
        let (output, error) = result_types(function, "Result<R, FunctionError>")?;
        Ok(Signature {
            event,
            state,
            has_context: context.is_some(),
            output,
            error,
        })
    }
}

fn is_context(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) => is_context(&reference.elem),
        _ => type_name(ty).as_deref() == Some("Context"),
    }
}

/// Known contracts get a precise message; any other type is checked by the
/// compiler through the `Record` / `FromEvent` bounds in the generated code.
fn check_batch_fits(options: &Options, signature: &Signature) -> syn::Result<()> {
    let Some(name) = type_name(signature.event) else {
        return Ok(());
    };
    match options.batch {
        None if RECORD_TYPES.contains(&name.as_str()) => Err(syn::Error::new(
            signature.event.span(),
            format!(
                "`{name}` arrives in batches: write `#[faas::handler(batch)]` to handle one record at a time, \
                 or take `Batch<{name}<…>>` to handle the whole batch"
            ),
        )),
        Some((span, _)) if SINGLE_TYPES.contains(&name.as_str()) => Err(syn::Error::new(
            span,
            format!("`batch` handles the records of a batch, but `{name}` arrives one per invocation; remove `batch`"),
        )),
        _ => Ok(()),
    }
}

fn generate(function: &ItemFn, options: &Options, signature: &Signature) -> TokenStream {
    let vis = &function.vis;
    let ident = &function.sig.ident;
    let event = signature.event;
    let output = signature.output;
    let private = quote!(::faas::__private);

    let name = match &options.name {
        Some(name) => quote!(#name),
        None => {
            let name = ident.to_string();
            quote!(#name)
        }
    };
    let (event_type, event_arg, event_check) = match options.batch {
        Some((span, _)) => (
            quote!(#private::Each<#event>),
            quote!(event.0),
            quote_spanned!(span=> const _: () = #private::assert_record::<#event>();),
        ),
        None => (
            quote!(#event),
            quote!(event),
            quote_spanned!(event.span()=> const _: () = #private::assert_event::<#event>();),
        ),
    };
    let concurrency = options.batch.map_or(1, |(_, concurrency)| concurrency);
    let state_type = match signature.state {
        Some(state) => quote!(#state),
        None => quote!(()),
    };
    let state_arg = signature.state.map(|_| quote!(state,));
    let context_arg = signature.has_context.then(|| quote!(ctx,));
    let schema = match &options.schema {
        Some(path) => schema_file(path),
        None => quote!({
            use #private::{DerivedSchema as _, NoSchema as _};
            (&#private::Probe::<<#event_type as #private::FromEvent>::Payload>::new()).schema_source()
        }),
    };
    let into_error = quote_spanned!(signature.error.span()=> ::core::convert::Into::<#private::FunctionError>::into);
    let doc = format!("The [`faas::Handler`] of [`fn@{ident}`], added by `#[faas::handler]`.");

    quote! {
        #function

        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, Default)]
        #vis struct #ident {}

        #event_check

        impl #private::Handler for #ident {
            type Event = #event_type;
            type State = #state_type;
            type Output = #output;

            // The borrow in the schema probe selects the fallback when the payload has no schema.
            #[allow(clippy::needless_borrow)]
            fn config(&self) -> #private::HandlerConfig {
                #private::HandlerConfig::new(#name, ::core::env!("CARGO_PKG_VERSION"))
                    .with_concurrency(#concurrency)
                    .with_schema(#schema)
            }

            fn call<'a>(
                &'a self,
                event: Self::Event,
                state: &'a Self::State,
                ctx: &'a #private::Context,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<Self::Output, #private::FunctionError>>
                   + ::core::marker::Send + 'a {
                let _ = (&state, &ctx);
                async move { #ident(#event_arg, #state_arg #context_arg).await.map_err(#into_error) }
            }
        }
    }
}

/// `schema = "path"`: read and check the file now, embed it in the binary.
fn schema_file(path: &LitStr) -> TokenStream {
    let relative = path.value();
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned());
    let full = std::path::Path::new(&root).join(&relative);
    let text = match std::fs::read_to_string(&full) {
        Ok(text) => text,
        Err(err) => {
            let message = format!("cannot read schema file `{relative}` ({}): {err}", full.display());
            return syn::Error::new(path.span(), message).into_compile_error();
        }
    };
    if let Err(err) = serde_json::from_str::<serde_json::Value>(&text) {
        let message = format!("schema file `{relative}` is not valid JSON: {err}");
        return syn::Error::new(path.span(), message).into_compile_error();
    }
    let full = full.to_string_lossy().into_owned();
    quote! {
        ::core::option::Option::Some(::faas::__private::SchemaSource::File {
            path: #relative,
            text: ::core::include_str!(#full),
        })
    }
}
