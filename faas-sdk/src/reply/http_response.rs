//! HTTP responses, and how each gateway wants one encoded.

use aws_lambda_events::encodings::Body as AwsBody;
use aws_lambda_events::event::alb::AlbTargetGroupResponse;
use aws_lambda_events::event::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use bytes::Bytes;
use http::StatusCode;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use crate::error::FunctionError;
use crate::wire::HttpShape;

/// An HTTP response.
///
/// ```
/// use faas::HttpResponse;
/// use http::StatusCode;
///
/// #[derive(serde::Serialize)]
/// struct Receipt { order_id: String }
///
/// let res = HttpResponse::json(StatusCode::CREATED, &Receipt { order_id: "o-1".into() })
///     .unwrap()
///     .with_header(http::header::LOCATION, http::HeaderValue::from_static("/orders/o-1"));
/// assert_eq!(res.status(), StatusCode::CREATED);
/// assert_eq!(res.body(), br#"{"order_id":"o-1"}"#);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl HttpResponse {
    /// An empty response with `status`.
    pub fn new(status: StatusCode) -> HttpResponse {
        HttpResponse {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// A JSON response.
    pub fn json<T: Serialize + ?Sized>(
        status: StatusCode,
        value: &T,
    ) -> Result<HttpResponse, FunctionError> {
        let body = serde_json::to_vec(value).map_err(FunctionError::internal)?;
        Ok(HttpResponse::new(status).with_body(HeaderValue::from_static("application/json"), body))
    }

    /// A plain-text response.
    ///
    /// ```
    /// let res = faas::HttpResponse::text(http::StatusCode::OK, "pong");
    /// assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    /// ```
    pub fn text(status: StatusCode, text: impl Into<String>) -> HttpResponse {
        HttpResponse::new(status).with_body(
            HeaderValue::from_static("text/plain; charset=utf-8"),
            text.into(),
        )
    }

    /// Sets the body and its `Content-Type`.
    pub fn with_body(mut self, content_type: HeaderValue, body: impl Into<Bytes>) -> HttpResponse {
        self.headers.insert(header::CONTENT_TYPE, content_type);
        self.body = body.into();
        self
    }

    /// Adds a header value (keeping earlier values of the same header).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> HttpResponse {
        self.headers.append(name, value);
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, to change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Splits the response into status, headers and body.
    pub fn into_parts(self) -> (StatusCode, HeaderMap, Bytes) {
        (self.status, self.headers, self.body)
    }

    /// A response of these parts, as [`into_parts`](Self::into_parts) gives them.
    ///
    /// ```
    /// let res = faas::HttpResponse::text(http::StatusCode::OK, "pong");
    /// let (status, headers, body) = res.clone().into_parts();
    /// assert_eq!(faas::HttpResponse::from_parts(status, headers, body), res);
    /// ```
    pub fn from_parts(status: StatusCode, headers: HeaderMap, body: Bytes) -> HttpResponse {
        HttpResponse {
            status,
            headers,
            body,
        }
    }

    /// Encodes the response in the JSON shape the gateway expects.
    pub(crate) fn encode(self, shape: HttpShape) -> Result<Vec<u8>, FunctionError> {
        let status = i64::from(self.status.as_u16());
        let textual = self
            .headers
            .get(header::CONTENT_TYPE)
            .is_none_or(|content_type| is_textual(content_type.as_bytes()));
        let (body, is_base64_encoded) = aws_body(self.body, textual);
        let mut headers = self.headers;
        let encoded = match shape {
            HttpShape::ApiGatewayRest => {
                // API Gateway takes every value from `multiValueHeaders` alone.
                let mut res = ApiGatewayProxyResponse::default();
                res.status_code = status;
                res.multi_value_headers = headers;
                res.body = body;
                res.is_base64_encoded = is_base64_encoded;
                serde_json::to_vec(&res)
            }
            HttpShape::ApiGatewayHttp | HttpShape::FunctionUrl | HttpShape::Native => {
                let mut res = ApiGatewayV2httpResponse::default();
                res.status_code = status;
                res.cookies = take_cookies(&mut headers);
                res.headers = join_repeated_values(headers);
                res.body = body;
                res.is_base64_encoded = is_base64_encoded;
                serde_json::to_vec(&res)
            }
            HttpShape::Alb { multi_value } => {
                let mut res = AlbTargetGroupResponse::default();
                res.status_code = status;
                res.status_description = Some(format!(
                    "{} {}",
                    self.status.as_u16(),
                    self.status.canonical_reason().unwrap_or("Unknown")
                ));
                if multi_value {
                    res.multi_value_headers = headers;
                } else {
                    res.headers = headers;
                }
                res.body = body;
                res.is_base64_encoded = is_base64_encoded;
                serde_json::to_vec(&res)
            }
        };
        encoded.map_err(FunctionError::internal)
    }
}

/// The body as gateways carry it: text when it is UTF-8 of a textual content
/// type, base64 otherwise (`true` in the second field).
fn aws_body(body: Bytes, textual: bool) -> (Option<AwsBody>, bool) {
    if body.is_empty() {
        return (None, false);
    }
    // Taking the bytes out of a uniquely owned `Bytes` does not copy them.
    let bytes = Vec::from(body);
    if !textual {
        return (Some(AwsBody::Binary(bytes)), true);
    }
    match String::from_utf8(bytes) {
        Ok(text) => (Some(AwsBody::Text(text)), false),
        Err(err) => (Some(AwsBody::Binary(err.into_bytes())), true),
    }
}

/// Whether a `Content-Type` names text (`text/*`, JSON, XML, JavaScript, forms).
fn is_textual(content_type: &[u8]) -> bool {
    let mime = content_type
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    let starts = |prefix: &[u8]| {
        mime.len() >= prefix.len() && mime[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    let ends = |suffix: &[u8]| {
        mime.len() >= suffix.len() && mime[mime.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    starts(b"text/")
        || ends(b"json")
        || ends(b"xml")
        || mime.eq_ignore_ascii_case(b"application/javascript")
        || mime.eq_ignore_ascii_case(b"application/x-www-form-urlencoded")
}

/// Removes the `Set-Cookie` values, which HTTP API responses list apart.
fn take_cookies(headers: &mut HeaderMap) -> Vec<String> {
    match headers.entry(header::SET_COOKIE) {
        http::header::Entry::Occupied(entry) => entry
            .remove_entry_mult()
            .1
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect(),
        http::header::Entry::Vacant(_) => Vec::new(),
    }
}

/// HTTP API responses carry one value per header: repeated values are
/// joined with commas. Most responses repeat none and pass through as is.
fn join_repeated_values(headers: HeaderMap) -> HeaderMap {
    if headers.len() == headers.keys_len() {
        return headers;
    }
    let mut joined = HeaderMap::with_capacity(headers.keys_len());
    for name in headers.keys() {
        let values: Vec<&[u8]> = headers
            .get_all(name)
            .iter()
            .map(HeaderValue::as_bytes)
            .collect();
        if let Ok(value) = HeaderValue::from_bytes(&values.join(&b", "[..])) {
            joined.insert(name.clone(), value);
        }
    }
    joined
}

/// A response built with `http` types (axum, tower-http, a test).
///
/// ```
/// let response = http::Response::builder().status(202).header("x-job", "j-1").body(bytes::Bytes::new()).unwrap();
/// let res = faas::HttpResponse::from(response);
/// assert_eq!(res.status(), 202);
/// let back: http::Response<bytes::Bytes> = res.into();
/// assert_eq!(back.headers()["x-job"], "j-1");
/// ```
impl From<http::Response<Bytes>> for HttpResponse {
    fn from(response: http::Response<Bytes>) -> Self {
        let (parts, body) = response.into_parts();
        HttpResponse::from_parts(parts.status, parts.headers, body)
    }
}

impl From<HttpResponse> for http::Response<Bytes> {
    fn from(response: HttpResponse) -> Self {
        let (status, headers, body) = response.into_parts();
        let mut converted = http::Response::new(body);
        *converted.status_mut() = status;
        *converted.headers_mut() = headers;
        converted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_api_responses_move_set_cookie_to_cookies_and_join_other_values() {
        let res = HttpResponse::text(StatusCode::OK, "ok")
            .with_header(header::SET_COOKIE, HeaderValue::from_static("a=1"))
            .with_header(header::SET_COOKIE, HeaderValue::from_static("b=2"))
            .with_header(header::VARY, HeaderValue::from_static("accept"))
            .with_header(header::VARY, HeaderValue::from_static("origin"));
        let json: serde_json::Value =
            serde_json::from_slice(&res.encode(HttpShape::ApiGatewayHttp).unwrap()).unwrap();
        assert_eq!(json["cookies"], serde_json::json!(["a=1", "b=2"]));
        assert_eq!(json["headers"]["vary"], "accept, origin");
        assert!(json["headers"].get("set-cookie").is_none());
        assert_eq!(json["isBase64Encoded"], false);
    }

    #[test]
    fn binary_bodies_are_base64_encoded() {
        let res = HttpResponse::new(StatusCode::OK).with_body(
            HeaderValue::from_static("image/png"),
            vec![0x89, b'P', b'N', b'G'],
        );
        let json: serde_json::Value =
            serde_json::from_slice(&res.encode(HttpShape::ApiGatewayRest).unwrap()).unwrap();
        assert_eq!(json["isBase64Encoded"], true);
        assert_eq!(json["body"], "iVBORw==");
        assert_eq!(
            json["multiValueHeaders"]["content-type"],
            serde_json::json!(["image/png"])
        );
    }

    #[test]
    fn alb_responses_carry_a_status_description_in_the_request_header_style() {
        let res = HttpResponse::new(StatusCode::NOT_FOUND);
        let single: serde_json::Value = serde_json::from_slice(
            &res.clone()
                .encode(HttpShape::Alb { multi_value: false })
                .unwrap(),
        )
        .unwrap();
        assert_eq!(single["statusDescription"], "404 Not Found");
        let res = res.with_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        let multi: serde_json::Value =
            serde_json::from_slice(&res.encode(HttpShape::Alb { multi_value: true }).unwrap())
                .unwrap();
        assert_eq!(
            multi["multiValueHeaders"]["cache-control"],
            serde_json::json!(["no-store"])
        );
    }
}
