//! `hyper-echo`: the baseline of the `http_throughput` bench, a bare hyper
//! HTTP/1.1 server on `127.0.0.1:$PORT` (8080 by default) that answers
//! every request `200` with the request's body and `Content-Type`.
//!
//! It runs on the Tokio runtime `faas::main!` builds (multi-threaded, a
//! worker per core), with one task per connection, as `faas::server` does;
//! it has no body limit, request id, logging or graceful shutdown.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

async fn echo(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let content_type = request.headers().get(CONTENT_TYPE).cloned();
    let body = request.into_body().collect().await?.to_bytes();
    let mut response = Response::new(Full::new(body));
    if let Some(content_type) = content_type {
        response.headers_mut().insert(CONTENT_TYPE, content_type);
    }
    Ok(response)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(std::io::Error::other)?,
        Err(_) => 8080_u16,
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(echo))
                .await;
        });
    }
}
