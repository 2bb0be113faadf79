use faas::prelude::*;

#[faas::handler]
async fn echo<T: serde::de::DeserializeOwned + Serialize>(event: T) -> Result<T, FunctionError> {
    Ok(event)
}

fn main() {}
