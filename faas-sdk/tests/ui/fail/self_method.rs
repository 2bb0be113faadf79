use faas::prelude::*;

struct Service;

impl Service {
    #[faas::handler]
    async fn ping(&self, _: serde_json::Value) -> Result<(), FunctionError> {
        Ok(())
    }
}

fn main() {}
