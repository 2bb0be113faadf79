//! The `idempotency(...)` option of `#[faas::handler]`: parsed and checked
//! here, turned into a call chain on `faas::idempotency::Idempotency`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::ParseStream;
use syn::{Ident, LitInt, LitStr, Path, Token};

const OPTIONS: &str = "key = \"/pointer\", key = [\"/a\", \"/b\"], key_fn = path, ttl = \"24h\", \
                       lease = \"5m\", namespace = \"...\", validate = [\"/pointer\", ...], \
                       missing_key = \"bypass\", cache_errors = path, local_cache = N";

/// What `idempotency(...)` says.
pub struct IdempotencyOption {
    key: Key,
    ttl: Option<u64>,
    lease: Option<u64>,
    namespace: Option<LitStr>,
    validate: Vec<LitStr>,
    bypass_missing_key: bool,
    cache_errors: Option<Path>,
    local_cache: Option<usize>,
}

enum Key {
    WholePayload,
    Pointers(Vec<LitStr>),
    Function(Path),
}

/// Parses what follows `idempotency`: nothing (the whole payload is the
/// key) or `( options )`.
pub fn parse(input: ParseStream, keyword: &Ident) -> syn::Result<IdempotencyOption> {
    let mut option = IdempotencyOption {
        key: Key::WholePayload,
        ttl: None,
        lease: None,
        namespace: None,
        validate: Vec::new(),
        bypass_missing_key: false,
        cache_errors: None,
        local_cache: None,
    };
    if input.peek(Token![=]) {
        return Err(syn::Error::new(
            keyword.span(),
            "write `idempotency(key = \"/order_id\")`, or `idempotency` alone to key on the whole payload",
        ));
    }
    if !input.peek(syn::token::Paren) {
        return Ok(option);
    }
    let inner;
    syn::parenthesized!(inner in input);
    let mut seen: Vec<String> = Vec::new();
    let mut key_span: Option<Span> = None;
    while !inner.is_empty() {
        let name: Ident = inner.parse().map_err(|err| {
            syn::Error::new(
                err.span(),
                format!("expected an idempotency option: {OPTIONS}"),
            )
        })?;
        let text = name.to_string();
        if seen.contains(&text) {
            return Err(syn::Error::new(
                name.span(),
                format!("the `{text}` option is given twice; keep one"),
            ));
        }
        seen.push(text.clone());
        if !inner.peek(Token![=]) {
            return Err(syn::Error::new(
                name.span(),
                format!("write `{text} = ...`; idempotency options are: {OPTIONS}"),
            ));
        }
        inner.parse::<Token![=]>()?;
        match text.as_str() {
            "key" | "key_fn" => {
                if let Some(first) = key_span {
                    let mut err = syn::Error::new(
                        name.span(),
                        "give the key once: `key = \"/pointer\"` or `key_fn = path`, not both",
                    );
                    err.combine(syn::Error::new(first, "the key is already given here"));
                    return Err(err);
                }
                key_span = Some(name.span());
                option.key = if text == "key" {
                    Key::Pointers(pointers(&inner, &name)?)
                } else {
                    Key::Function(inner.parse()?)
                };
            }
            "ttl" => option.ttl = Some(duration_secs(&inner, &name)?),
            "lease" => option.lease = Some(duration_secs(&inner, &name)?),
            "namespace" => {
                let namespace: LitStr = inner.parse()?;
                if namespace.value().is_empty() || namespace.value().contains('#') {
                    return Err(syn::Error::new(
                        namespace.span(),
                        "the namespace cannot be empty or contain `#` (it prefixes `<namespace>#<hash>`)",
                    ));
                }
                option.namespace = Some(namespace);
            }
            "validate" => option.validate = pointers(&inner, &name)?,
            "missing_key" => {
                let policy: LitStr = inner.parse()?;
                option.bypass_missing_key = match policy.value().as_str() {
                    "bypass" => true,
                    "reject" => false,
                    other => {
                        return Err(syn::Error::new(
                            policy.span(),
                            format!(
                                "unknown `missing_key` policy `{other}`: `\"reject\"` (the default: a `bad_input` error) \
                                 or `\"bypass\"` (run without protection, with a warning)"
                            ),
                        ));
                    }
                };
            }
            "cache_errors" => option.cache_errors = Some(inner.parse()?),
            "local_cache" => {
                let records: LitInt = inner.parse()?;
                let count: usize = records.base10_parse()?;
                if count == 0 {
                    return Err(syn::Error::new(
                        records.span(),
                        "`local_cache` is a number of records, at least 1 (leave it out for no cache)",
                    ));
                }
                option.local_cache = Some(count);
            }
            _ => {
                return Err(syn::Error::new(
                    name.span(),
                    format!("unknown idempotency option `{text}`; expected one of: {OPTIONS}"),
                ));
            }
        }
        if inner.is_empty() {
            break;
        }
        inner.parse::<Token![,]>()?;
    }
    Ok(option)
}

/// `"/pointer"` or `["/a", "/b"]`, each a JSON pointer.
fn pointers(input: ParseStream, name: &Ident) -> syn::Result<Vec<LitStr>> {
    let list: Vec<LitStr> = if input.peek(syn::token::Bracket) {
        let inner;
        syn::bracketed!(inner in input);
        inner
            .parse_terminated(|item| item.parse::<LitStr>(), Token![,])?
            .into_iter()
            .collect()
    } else {
        vec![input.parse()?]
    };
    if list.is_empty() {
        return Err(syn::Error::new(
            name.span(),
            format!("`{name}` needs at least one JSON pointer, e.g. `{name} = \"/order_id\"`"),
        ));
    }
    for pointer in &list {
        if !pointer.value().starts_with('/') {
            return Err(syn::Error::new(
                pointer.span(),
                format!(
                    "`{}` is not a JSON pointer: write it from the payload's root, e.g. `\"/{}\"`",
                    pointer.value(),
                    pointer.value().trim_start_matches(['$', '.'])
                ),
            ));
        }
    }
    Ok(list)
}

/// `"90s"`, `"15m"`, `"24h"`, `"7d"`: a positive duration, in seconds.
fn duration_secs(input: ParseStream, name: &Ident) -> syn::Result<u64> {
    let text: LitStr = input.parse()?;
    let value = text.value();
    let invalid = || {
        syn::Error::new(
            text.span(),
            format!(
                "`{name}` is a duration like \"90s\", \"15m\", \"24h\" or \"7d\", not `{value}`"
            ),
        )
    };
    let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &value[digits.len()..];
    let amount: u64 = digits.parse().map_err(|_| invalid())?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(invalid()),
    };
    match amount.checked_mul(scale) {
        Some(0) => Err(syn::Error::new(
            text.span(),
            format!("`{name}` must be longer than zero"),
        )),
        Some(secs) => Ok(secs),
        None => Err(invalid()),
    }
}

impl IdempotencyOption {
    /// The expression `HandlerConfig::with_idempotency` takes: a function
    /// that builds the options.
    pub fn to_tokens(&self) -> TokenStream {
        let idempotency = quote!(::faas::idempotency::Idempotency);
        let mut chain = match &self.key {
            Key::WholePayload => quote!(#idempotency::whole_payload()),
            Key::Pointers(pointers) => quote!(#idempotency::keys(&[#(#pointers),*])),
            Key::Function(path) => quote!(#idempotency::key_fn(#path)),
        };
        if let Some(secs) = self.ttl {
            chain = quote!(#chain.ttl(::core::time::Duration::from_secs(#secs)));
        }
        if let Some(secs) = self.lease {
            chain = quote!(#chain.max_lease(::core::time::Duration::from_secs(#secs)));
        }
        if let Some(namespace) = &self.namespace {
            chain = quote!(#chain.namespace(#namespace));
        }
        if !self.validate.is_empty() {
            let pointers = &self.validate;
            chain = quote!(#chain.validate(&[#(#pointers),*]));
        }
        if self.bypass_missing_key {
            chain = quote!(#chain.bypass_missing_key());
        }
        if let Some(path) = &self.cache_errors {
            chain = quote!(#chain.cache_errors(#path));
        }
        if let Some(records) = self.local_cache {
            chain = quote!(#chain.local_cache(#records));
        }
        quote!({
            fn idempotency() -> #idempotency {
                #chain
            }
            idempotency
        })
    }
}
