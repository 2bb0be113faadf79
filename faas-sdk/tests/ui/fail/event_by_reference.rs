use faas::prelude::*;

#[faas::handler]
async fn on_request(req: &HttpRequest) -> Result<String, FunctionError> {
    Ok(req.path().to_owned())
}

fn main() {}
