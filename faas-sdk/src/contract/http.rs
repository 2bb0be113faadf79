//! HTTP requests and responses, whichever gateway carried them.

use std::collections::HashMap;
use std::fmt;

use aws_lambda_events::encodings::Body as AwsBody;
use aws_lambda_events::event::alb::{AlbTargetGroupRequest, AlbTargetGroupResponse};
use aws_lambda_events::event::apigw::{
    ApiGatewayProxyRequest, ApiGatewayProxyResponse, ApiGatewayV2httpRequest,
    ApiGatewayV2httpResponse,
};
use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use aws_lambda_events::query_map::QueryMap;
use base64::Engine as _;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::contract::{Decoded, FromEvent, Unit, event_json};
use crate::error::FunctionError;
use crate::payload::{FromPayload, Payload};
use crate::reply::ReplyFormat;
use crate::wire::{DecodeError, Incoming, RawEvent, Source, parse_provider};

const EXPECTED: &str = "an HTTP request (API Gateway REST or HTTP API, Lambda Function URL, ALB)";
const HTTP_SOURCES: &[Source] = &[
    Source::ApiGatewayRest,
    Source::ApiGatewayHttp,
    Source::FunctionUrl,
    Source::Alb,
    Source::AzureFunctions,
];

/// An HTTP request, from any gateway.
///
/// Query parameters and headers keep every value; the body is already
/// base64-decoded; cookies are parsed whether they came in a `cookies` list
/// (HTTP API, Function URL) or a `Cookie` header.
///
/// ```
/// use faas::HttpRequest;
/// use faas::contract::FromEvent;
///
/// let event = serde_json::json!({
///     "version": "2.0",
///     "routeKey": "POST /orders",
///     "rawPath": "/orders",
///     "rawQueryString": "tag=a&tag=b",
///     "cookies": ["session=abc"],
///     "headers": {"content-type": "application/json"},
///     "requestContext": {"http": {"method": "POST", "path": "/orders"}},
///     "body": "eyJvcmRlcl9pZCI6Im8tMSJ9",
///     "isBase64Encoded": true
/// });
/// let req = HttpRequest::decode(event.into()).unwrap().into_units().remove(0);
/// assert_eq!(req.method(), "POST");
/// assert_eq!(req.path(), "/orders");
/// assert_eq!(req.query_all("tag").collect::<Vec<_>>(), ["a", "b"]);
/// assert_eq!(req.cookie("session"), Some("abc"));
/// assert_eq!(req.body(), br#"{"order_id":"o-1"}"#);
/// ```
#[derive(Clone)]
pub struct HttpRequest {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    cookies: Vec<(String, String)>,
    pub(crate) path_params: HashMap<String, String>,
    body: Bytes,
    shape: HttpShape,
    pub(crate) raw: RawEvent,
}

/// Which gateway format an HTTP exchange uses; responses are encoded back in
/// the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpShape {
    /// API Gateway REST API (payload 1.0): `multiValueHeaders` in the response.
    ApiGatewayRest,
    /// API Gateway HTTP API (payload 2.0): `Set-Cookie` goes to `cookies`.
    ApiGatewayHttp,
    /// Lambda Function URL: the 2.0 shape.
    FunctionUrl,
    /// ALB target group; `multi_value` when the target group has multi-value headers on.
    Alb {
        /// The request used `multiValueHeaders`, so the response must too.
        multi_value: bool,
    },
    /// An HTTP server adapter; the response is written as is.
    Native,
}

impl HttpRequest {
    /// A request received by an HTTP server: `target` is the path with an
    /// optional `?query`.
    ///
    /// ```
    /// use faas::HttpRequest;
    /// let req = HttpRequest::new(http::Method::GET, "/search?q=rust%20sdk", http::HeaderMap::new(), "");
    /// assert_eq!(req.path(), "/search");
    /// assert_eq!(req.query("q"), Some("rust sdk"));
    /// ```
    pub fn new(
        method: Method,
        target: &str,
        headers: HeaderMap,
        body: impl Into<Bytes>,
    ) -> HttpRequest {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let body = body.into();
        HttpRequest {
            method,
            path: path.to_owned(),
            query: parse_query(query),
            cookies: cookies_from_header(&headers),
            headers,
            path_params: HashMap::new(),
            raw: RawEvent::new(body.clone(), Source::Direct),
            body,
            shape: HttpShape::Native,
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path, as the client sent it (without the query).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The first value of query parameter `name`, decoded.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of query parameter `name`, in order.
    pub fn query_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// All query parameters, in order, decoded.
    pub fn query_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The headers, every value kept.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of header `name`, if it is visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// All cookies, in order.
    pub fn cookies(&self) -> impl Iterator<Item = (&str, &str)> {
        self.cookies.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A path parameter matched by the gateway's route (`/orders/{id}`).
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params.get(name).map(String::as_str)
    }

    /// The body, base64-decoded if the gateway encoded it.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Takes the body.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The body as UTF-8 text; `bad_input` if it is not.
    pub fn body_text(&self) -> Result<&str, FunctionError> {
        Ok(std::str::from_utf8(&self.body)?)
    }

    /// The body decoded as JSON into `T`; `bad_input` naming the failing
    /// field if it does not fit.
    pub fn json<T: DeserializeOwned + Send + 'static>(&self) -> Result<T, FunctionError> {
        T::from_payload(Payload::from_bytes(self.body.clone()))
    }

    /// The gateway format the request came in.
    pub fn shape(&self) -> HttpShape {
        self.shape
    }

    /// The raw provider event.
    pub fn raw(&self) -> &RawEvent {
        &self.raw
    }

    fn from_event(bytes: &Bytes, source: Source) -> Result<HttpRequest, DecodeError> {
        let raw = RawEvent::new(bytes.clone(), source);
        let parts = match source {
            Source::AzureFunctions => return crate::contract::azure::http_request(bytes, EXPECTED),
            Source::ApiGatewayRest => from_rest(parse_provider(bytes, source, EXPECTED)?),
            Source::ApiGatewayHttp => from_http_api(parse_provider(bytes, source, EXPECTED)?),
            Source::FunctionUrl => from_function_url(parse_provider(bytes, source, EXPECTED)?),
            _ => from_alb(parse_provider(bytes, source, EXPECTED)?),
        };
        let body = decode_body(parts.body, parts.base64).map_err(|err| {
            DecodeError::field(
                EXPECTED,
                source,
                "/body",
                format!("isBase64Encoded is true but the body is not base64 ({err})"),
            )
        })?;
        Ok(HttpRequest {
            method: parts.method,
            path: parts.path,
            query: parts.query,
            cookies: parts.cookies,
            headers: parts.headers,
            path_params: parts.path_params,
            body,
            shape: parts.shape,
            raw,
        })
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("path_params", &self.path_params)
            .field("body_len", &self.body.len())
            .field("shape", &self.shape)
            .finish()
    }
}

/// The fields every gateway format boils down to.
struct Parts {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    cookies: Vec<(String, String)>,
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
    let headers = prefer_multi_value(event.headers, event.multi_value_headers);
    Parts {
        method: event.http_method,
        path: event
            .path
            .or(event.request_context.path)
            .unwrap_or_default(),
        query,
        cookies: cookies_from_header(&headers),
        headers,
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
        cookies: cookies_from_list(event.cookies.as_deref()),
        headers: event.headers,
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
        cookies: cookies_from_list(event.cookies.as_deref()),
        headers: event.headers,
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
    let headers = prefer_multi_value(event.headers, event.multi_value_headers);
    Parts {
        method: event.http_method,
        path: event.path.unwrap_or_default(),
        query,
        cookies: cookies_from_header(&headers),
        headers,
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

fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
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

fn cookies_from_header(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(split_cookies)
        .collect()
}

fn split_cookies(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.split(';').filter_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        Some((
            name.trim().to_owned(),
            value.trim().trim_matches('"').to_owned(),
        ))
    })
}

impl Unit for HttpRequest {
    fn correlation_id(&self) -> Option<&str> {
        correlation_header(&self.headers)
    }
}

fn correlation_header(headers: &HeaderMap) -> Option<&str> {
    ["x-correlation-id", "x-request-id"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
}

impl FromEvent for HttpRequest {
    type Unit = HttpRequest;
    type Payload = ();
    const SERVES_HTTP: bool = true;

    fn decode(incoming: Incoming) -> Result<Decoded<HttpRequest>, DecodeError> {
        let request = match incoming {
            Incoming::Http(request) => *request,
            incoming => {
                let (bytes, source) = event_json(incoming, EXPECTED, HTTP_SOURCES)?;
                HttpRequest::from_event(&bytes, source)?
            }
        };
        let shape = request.shape;
        Ok(Decoded::single(request, ReplyFormat::Http(shape)))
    }

    fn from_unit(unit: HttpRequest) -> Result<Self, FunctionError> {
        Ok(unit)
    }
}

/// The JSON body of an HTTP request, decoded into `T`; also a JSON reply.
///
/// As an event, `Json<T>` reads the body of a request from any gateway and
/// answers over HTTP: the handler's `Ok` value becomes a `200` JSON response
/// (or return an [`HttpResponse`] to pick the status), an error becomes an
/// `application/problem+json` response with the error kind's status.
///
/// ```
/// use faas::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Greeting { name: String }
///
/// #[faas::handler]
/// async fn greet(Json(greeting): Json<Greeting>) -> Result<Json<String>, FunctionError> {
///     Ok(Json(format!("hello, {}", greeting.name)))
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Serialize> Serialize for Json<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// The body of an HTTP request, kept with the request's correlation id.
#[derive(Debug)]
pub struct JsonBody {
    payload: Payload,
    correlation_id: Option<String>,
}

impl Unit for JsonBody {
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        visit(None, &self.payload)
    }

    fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }
}

impl<T: DeserializeOwned + Send + 'static> FromEvent for Json<T> {
    type Unit = JsonBody;
    type Payload = T;
    const SERVES_HTTP: bool = true;

    fn decode(incoming: Incoming) -> Result<Decoded<JsonBody>, DecodeError> {
        let decoded = HttpRequest::decode(incoming)?;
        let reply = decoded.reply;
        let request = decoded.units.into_iter().next().map(|request| JsonBody {
            correlation_id: correlation_header(&request.headers).map(str::to_owned),
            payload: Payload::from_bytes(request.body),
        });
        Ok(Decoded {
            units: request.into_iter().collect(),
            reply,
            ordered: false,
        })
    }

    fn from_unit(unit: JsonBody) -> Result<Self, FunctionError> {
        T::from_payload(unit.payload).map(Json)
    }
}

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

impl From<http::header::InvalidHeaderValue> for FunctionError {
    fn from(err: http::header::InvalidHeaderValue) -> Self {
        FunctionError::internal(err)
    }
}

impl From<http::header::InvalidHeaderName> for FunctionError {
    fn from(err: http::header::InvalidHeaderName) -> Self {
        FunctionError::internal(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(event: serde_json::Value) -> HttpRequest {
        let mut decoded = HttpRequest::decode(event.into()).expect("decodes");
        decoded.units.remove(0)
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
        }));
        assert_eq!(req.query_all("q").collect::<Vec<_>>(), ["rust sdk", "a b"]);
        assert_eq!(req.headers().get_all("accept").iter().count(), 2);
        assert_eq!(req.cookie("b"), Some("2"));
        assert_eq!(req.shape(), HttpShape::Alb { multi_value: true });
    }

    #[test]
    fn invalid_base64_bodies_are_a_decode_error_at_body() {
        let err = HttpRequest::decode(
            serde_json::json!({
                "version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST"}},
                "body": "***", "isBase64Encoded": true
            })
            .into(),
        )
        .unwrap_err();
        assert_eq!(err.pointer(), "/body");
        assert!(
            err.to_string().contains("isBase64Encoded is true but"),
            "{err}"
        );
    }

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
