//! `faas-http-echo`: the faas side of the `http_throughput` bench, an HTTP
//! function that answers every request `200` with the request's body and
//! `Content-Type`, served by `faas::main!` like any user's function (the
//! bench runs it as the HTTP platform: `FAAS_PLATFORM=http`, `PORT`).

use faas::http::header::CONTENT_TYPE;
use faas::http::{HeaderValue, StatusCode};
use faas::prelude::*;

/// Echoes the request.
#[faas::handler]
async fn echo(request: HttpRequest) -> Result<HttpResponse, FunctionError> {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok(HttpResponse::new(StatusCode::OK).with_body(content_type, request.into_body()))
}

faas::main!(echo);
