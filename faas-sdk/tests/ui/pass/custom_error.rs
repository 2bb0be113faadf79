//! The handler's own error type, converted into `FunctionError`.
use faas::prelude::*;

#[derive(Debug)]
enum StoreError {
    Busy,
    Missing(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Busy => f.write_str("the store is busy"),
            StoreError::Missing(key) => write!(f, "{key} is missing"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<StoreError> for FunctionError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Busy => FunctionError::transient(err),
            StoreError::Missing(_) => FunctionError::not_found(err),
        }
    }
}

#[faas::handler]
async fn lookup(key: String) -> Result<String, StoreError> {
    if key.is_empty() {
        return Err(StoreError::Busy);
    }
    Err(StoreError::Missing(key))
}

fn main() {
    faas::Function::builder(lookup {}).build().unwrap();
}
