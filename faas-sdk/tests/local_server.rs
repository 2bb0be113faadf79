//! The local development server over real HTTP: status codes and problem
//! documents per error kind, the body limit, routing of event functions,
//! panics, and concurrent requests.

use std::sync::Arc;
use std::time::Duration;

use faas::prelude::*;
use faas::{ErrorKind, Function};
use faas_testkit::local::{LocalServer, send};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Fails with the kind named in `?kind=`, panics on `?kind=panic`.
#[faas::handler]
async fn fail_as_asked(req: HttpRequest) -> Result<String, FunctionError> {
    let kind = req.query("kind").unwrap_or("none");
    if kind == "panic" {
        panic!("asked to panic");
    }
    match ErrorKind::ALL.into_iter().find(|k| k.as_str() == kind) {
        Some(kind) => Err(FunctionError::new(kind, format!("failed as {kind}"))),
        None => Ok(format!("{} {}", req.method(), req.path())),
    }
}

#[derive(Deserialize)]
struct Ping {
    n: u32,
}

#[faas::handler]
async fn event_function(ping: Ping) -> Result<u32, FunctionError> {
    Ok(ping.n + 1)
}

async fn serve<H: faas::Handler<State = ()>>(handler: H) -> LocalServer {
    LocalServer::start(Function::builder(handler).build().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn every_error_kind_is_a_problem_document_with_its_status() {
    let server = serve(fail_as_asked {}).await;
    for kind in ErrorKind::ALL {
        let reply = send(server.addr(), "GET", &format!("/x?kind={kind}"), &[], b"")
            .await
            .unwrap();
        assert_eq!(reply.status, kind.http_status(), "{kind}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{kind}"
        );
        let problem = reply.json();
        assert_eq!(problem["kind"], kind.as_str());
        assert_eq!(problem["status"], kind.http_status());
        assert_eq!(problem["request_id"], reply.header("x-request-id").unwrap());
        let retry_after = reply.header("retry-after");
        assert_eq!(
            retry_after.is_some(),
            kind.is_retryable(),
            "{kind}: {retry_after:?}"
        );
        if kind == ErrorKind::Internal {
            assert!(
                !problem["detail"].as_str().unwrap().contains("failed as"),
                "internal details stay in the logs"
            );
        } else {
            assert_eq!(problem["detail"], format!("failed as {kind}"));
        }
    }
    let codes: Vec<u16> = ErrorKind::ALL
        .into_iter()
        .map(ErrorKind::http_status)
        .collect();
    assert_eq!(codes, [400, 401, 403, 404, 409, 409, 429, 503, 422, 500]);
    server.stop().await;
}

#[tokio::test]
async fn an_http_function_answers_any_method_and_path() {
    let server = serve(fail_as_asked {}).await;
    let reply = send(server.addr(), "DELETE", "/orders/7?x=1", &[], b"")
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!("DELETE /orders/7"));
    server.stop().await;
}

#[tokio::test]
async fn a_panic_is_a_500_and_the_server_keeps_serving() {
    let server = serve(fail_as_asked {}).await;
    let reply = send(server.addr(), "GET", "/?kind=panic", &[], b"")
        .await
        .unwrap();
    assert_eq!(reply.status, 500);
    assert_eq!(reply.json()["kind"], "internal");
    let reply = send(server.addr(), "GET", "/", &[], b"").await.unwrap();
    assert_eq!(reply.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_whether_declared_or_streamed() {
    let function = Function::builder(event_function {}).build().unwrap();
    let server = LocalServer::start_with_limit(function, 1024).await.unwrap();
    let big = vec![b' '; 2048];
    let reply = send(server.addr(), "POST", "/", &[], &big).await.unwrap();
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("1024 bytes")
    );

    // Chunked: no length up front, so the limit applies while reading.
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let mut request =
        b"POST / HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    for _ in 0..4 {
        request.extend_from_slice(b"200\r\n");
        request.extend_from_slice(&[b' '; 0x200]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    stream.write_all(&request).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    assert!(
        response.starts_with(b"HTTP/1.1 413"),
        "{}",
        String::from_utf8_lossy(&response)
    );

    let reply = send(server.addr(), "POST", "/", &[], br#"{"n": 1}"#)
        .await
        .unwrap();
    assert_eq!(reply.status, 200, "a body under the limit still works");
    assert_eq!(reply.json(), json!(2));
    server.stop().await;
}

#[tokio::test]
async fn an_event_function_takes_post_to_root_only() {
    let server = serve(event_function {}).await;
    let reply = send(server.addr(), "POST", "/", &[], br#"{"n": 41}"#)
        .await
        .unwrap();
    assert_eq!((reply.status, reply.json()), (200, json!(42)));
    let reply = send(server.addr(), "POST", "/other", &[], br#"{"n": 41}"#)
        .await
        .unwrap();
    assert_eq!(reply.status, 404);
    let reply = send(server.addr(), "PUT", "/", &[], br#"{"n": 41}"#)
        .await
        .unwrap();
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    let reply = send(server.addr(), "POST", "/", &[], br#"{"n": "x"}"#)
        .await
        .unwrap();
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["violations"][0]["pointer"], "/n");
    server.stop().await;
}

/// Holds every request until two are in flight at once.
struct Rendezvous(tokio::sync::Barrier);

#[faas::handler]
async fn meet(_req: HttpRequest, both: &Arc<Rendezvous>) -> Result<&'static str, FunctionError> {
    both.0.wait().await;
    Ok("met")
}

#[tokio::test]
async fn requests_are_served_concurrently() {
    let state = Arc::new(Rendezvous(tokio::sync::Barrier::new(2)));
    let function = Function::builder_with_state(meet {}, state)
        .build()
        .unwrap();
    let server = LocalServer::start(function).await.unwrap();
    let addr = server.addr();
    // Served one at a time, the first request would wait forever for the second.
    let both = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(
            send(addr, "GET", "/a", &[], b""),
            send(addr, "GET", "/b", &[], b"")
        )
    })
    .await
    .expect("both requests finish");
    assert_eq!(both.0.unwrap().status, 200);
    assert_eq!(both.1.unwrap().status, 200);
    server.stop().await;
}
