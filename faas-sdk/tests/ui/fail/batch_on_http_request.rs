use faas::prelude::*;

#[faas::handler(batch)]
async fn on_request(req: HttpRequest) -> Result<String, FunctionError> {
    Ok(req.path().to_owned())
}

fn main() {}
