//! An `HttpRequest` answered with an `HttpResponse`.
use faas::http::StatusCode;
use faas::prelude::*;

#[faas::handler]
async fn route(req: HttpRequest) -> Result<HttpResponse, FunctionError> {
    let status = if req.path() == "/" {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(HttpResponse::new(status))
}

fn main() {
    let function = faas::Function::builder(route {}).build().unwrap();
    assert!(function.serves_http());
}
