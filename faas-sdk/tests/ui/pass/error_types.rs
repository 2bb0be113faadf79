//! A handler's error: `FunctionError`, a type with its own `From` impl
//! (see custom_error.rs), or any `std::error::Error`, which is `internal`.
use faas::prelude::*;

#[faas::handler]
async fn parse(text: String) -> Result<u64, std::num::ParseIntError> {
    text.parse()
}

#[faas::handler]
async fn boxed(_: serde_json::Value) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Err("not today".into())
}

#[faas::handler]
async fn explicit(text: String) -> Result<u64, FunctionError> {
    text.parse().map_err(FunctionError::bad_input)
}

fn main() {
    faas::Function::builder(parse {}).build().unwrap();
    faas::Function::builder(boxed {}).build().unwrap();
    faas::Function::builder(explicit {}).build().unwrap();
}
