//! API Gateway REST (v1) and HTTP API (v2), Lambda Function URLs and ALB
//! target groups → [`HttpRequest`].

use std::collections::HashMap;

use aws_lambda_events::event::alb::AlbTargetGroupRequest;
use aws_lambda_events::event::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use aws_lambda_events::query_map::QueryMap;
use base64::Engine as _;
use bytes::Bytes;
use http::Method;
use http::header::HeaderMap;

use crate::contract::{HttpRequest, parse_query, split_cookies};
use crate::wire::{DecodeError, HttpShape, RawEvent, Source, parse_provider};

/// The request of a gateway event in the format of `source` (one of the
/// four gateway sources).
pub(crate) fn http_request(
    bytes: &Bytes,
    source: Source,
    expected: &'static str,
) -> Result<HttpRequest, DecodeError> {
    let parts = match source {
        Source::ApiGatewayRest => from_rest(parse_provider(bytes, source, expected)?),
        Source::ApiGatewayHttp => from_http_api(parse_provider(bytes, source, expected)?),
        Source::FunctionUrl => from_function_url(parse_provider(bytes, source, expected)?),
        _ => from_alb(parse_provider(bytes, source, expected)?),
    };
    let body = decode_body(parts.body, parts.base64).map_err(|err| {
        DecodeError::field(
            expected,
            source,
            "/body",
            format!("isBase64Encoded is true but the body is not base64 ({err})"),
        )
    })?;
    let request = HttpRequest::new(parts.method, &parts.path, parts.headers, body)
        .with_query(parts.query)
        .with_path_params(parts.path_params)
        .with_gateway(parts.shape, RawEvent::new(bytes.clone(), source));
    Ok(match parts.cookies {
        Some(cookies) => request.with_cookies(cookies),
        None => request,
    })
}

/// The fields every gateway format boils down to.
struct Parts {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    /// Cookies listed apart from the headers (HTTP API, Function URL).
    cookies: Option<Vec<(String, String)>>,
    path_params: HashMap<String, String>,
    body: Option<String>,
    base64: bool,
    shape: HttpShape,
}

fn from_rest(event: ApiGatewayProxyRequest) -> Parts {
    // API Gateway has already decoded the query.
    let query = all_query_values(
        &event.query_string_parameters,
        &event.multi_value_query_string_parameters,
    )
    .iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Parts {
        method: event.http_method,
        path: event
            .path
            .or(event.request_context.path)
            .unwrap_or_default(),
        query,
        headers: prefer_multi_value(event.headers, event.multi_value_headers),
        cookies: None,
        path_params: event.path_parameters,
        body: event.body,
        base64: event.is_base64_encoded,
        shape: HttpShape::ApiGatewayRest,
    }
}

fn from_http_api(event: ApiGatewayV2httpRequest) -> Parts {
    // The raw query string keeps repeated keys that the parsed map joins with commas.
    let query = match &event.raw_query_string {
        Some(raw) => parse_query(raw),
        None => event
            .query_string_parameters
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    };
    Parts {
        method: event.request_context.http.method,
        path: event
            .raw_path
            .or(event.request_context.http.path)
            .unwrap_or_default(),
        query,
        headers: event.headers,
        cookies: Some(cookies_from_list(event.cookies.as_deref())),
        path_params: event.path_parameters,
        body: event.body,
        base64: event.is_base64_encoded,
        shape: HttpShape::ApiGatewayHttp,
    }
}

fn from_function_url(event: LambdaFunctionUrlRequest) -> Parts {
    let method = event
        .request_context
        .http
        .method
        .as_deref()
        .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
        .unwrap_or(Method::GET);
    Parts {
        method,
        path: event
            .raw_path
            .or(event.request_context.http.path)
            .unwrap_or_default(),
        query: parse_query(event.raw_query_string.as_deref().unwrap_or("")),
        headers: event.headers,
        cookies: Some(cookies_from_list(event.cookies.as_deref())),
        path_params: HashMap::new(),
        body: event.body,
        base64: event.is_base64_encoded,
        shape: HttpShape::FunctionUrl,
    }
}

fn from_alb(event: AlbTargetGroupRequest) -> Parts {
    // An ALB passes the query string through undecoded.
    let multi_value = !event.multi_value_headers.is_empty();
    let query = all_query_values(
        &event.query_string_parameters,
        &event.multi_value_query_string_parameters,
    )
    .iter()
    .map(|(k, v)| (decode_query_component(k), decode_query_component(v)))
    .collect();
    Parts {
        method: event.http_method,
        path: event.path.unwrap_or_default(),
        query,
        headers: prefer_multi_value(event.headers, event.multi_value_headers),
        cookies: None,
        path_params: HashMap::new(),
        body: event.body,
        base64: event.is_base64_encoded,
        shape: HttpShape::Alb { multi_value },
    }
}

/// The multi-value query map has every value; it is empty when the gateway
/// sent only the single-value one.
fn all_query_values<'a>(single: &'a QueryMap, multi: &'a QueryMap) -> &'a QueryMap {
    if multi.is_empty() { single } else { multi }
}

fn prefer_multi_value(single: HeaderMap, multi: HeaderMap) -> HeaderMap {
    if multi.is_empty() { single } else { multi }
}

fn decode_body(body: Option<String>, base64: bool) -> Result<Bytes, base64::DecodeError> {
    match body {
        None => Ok(Bytes::new()),
        Some(text) if base64 => base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Bytes::from),
        Some(text) => Ok(Bytes::from(text)),
    }
}

fn decode_query_component(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn cookies_from_list(list: Option<&[String]>) -> Vec<(String, String)> {
    list.unwrap_or_default()
        .iter()
        .flat_map(|cookie| split_cookies(cookie))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: &str = "an HTTP request";

    fn decode(event: serde_json::Value) -> Result<HttpRequest, DecodeError> {
        let bytes = Bytes::from(event.to_string());
        http_request(&bytes, Source::detect(&bytes), EXPECTED)
    }

    #[test]
    fn alb_queries_are_percent_decoded_and_the_header_style_is_kept() {
        let req = decode(serde_json::json!({
            "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:tg"}},
            "httpMethod": "GET",
            "path": "/search",
            "multiValueQueryStringParameters": {"q": ["rust%20sdk", "a+b"]},
            "multiValueHeaders": {"cookie": ["a=1; b=2"], "accept": ["text/html", "application/json"]},
            "body": "",
            "isBase64Encoded": false
        }))
        .expect("decodes");
        assert_eq!(req.query_all("q").collect::<Vec<_>>(), ["rust sdk", "a b"]);
        assert_eq!(req.headers().get_all("accept").iter().count(), 2);
        assert_eq!(req.cookie("b"), Some("2"));
        assert_eq!(req.shape(), HttpShape::Alb { multi_value: true });
    }

    #[test]
    fn invalid_base64_bodies_are_a_decode_error_at_body() {
        let err = decode(serde_json::json!({
            "version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST"}},
            "body": "***", "isBase64Encoded": true
        }))
        .unwrap_err();
        assert_eq!(err.pointer(), "/body");
        assert!(
            err.to_string().contains("isBase64Encoded is true but"),
            "{err}"
        );
    }
}
