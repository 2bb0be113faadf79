//! HTTP requests, whichever gateway carried them, and JSON bodies.

use std::collections::HashMap;
use std::fmt;

use bytes::Bytes;
use http::Method;
use http::header::{self, HeaderMap};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::FunctionError;
use crate::payload::{FromPayload, Payload};
use crate::wire::{HttpShape, Incoming, RawEvent, Source};

/// An HTTP request, from any gateway, with a body of type `B`.
///
/// `HttpRequest` (the body as [`Bytes`]) is the request as it arrived;
/// `HttpRequest<Json<T>>` is the same request with its body decoded into
/// `T`, validated against `T`'s schema and usable as an idempotency key, as
/// [`Json<T>`] is, but with the request's parts beside it:
///
/// ```
/// use faas::prelude::*;
///
/// #[derive(Deserialize)]
/// struct NewOrder { order_id: String }
///
/// #[faas::handler]
/// async fn create(req: HttpRequest<Json<NewOrder>>) -> Result<String, FunctionError> {
///     let tenant = req.header("x-tenant").unwrap_or("default");
///     Ok(format!("{tenant}: {}", req.body().order_id))
/// }
/// ```
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
/// // `<HttpRequest>` names the request with its default body type, `Bytes`.
/// let unit = <HttpRequest>::decode(event.into()).unwrap().into_units().remove(0);
/// let req = <HttpRequest>::from_unit(unit).unwrap();
/// assert_eq!(req.method(), "POST");
/// assert_eq!(req.path(), "/orders");
/// assert_eq!(req.query_all("tag").collect::<Vec<_>>(), ["a", "b"]);
/// assert_eq!(req.cookie("session"), Some("abc"));
/// assert_eq!(req.body(), br#"{"order_id":"o-1"}"#);
/// ```
///
/// It converts to and from [`http::Request`], so code written for `http`
/// types (axum, tower-http) and tests built with them work with it:
///
/// ```
/// let request = http::Request::post("/orders?dry_run=1")
///     .header("x-api-key", "k-1")
///     .body(bytes::Bytes::from_static(b"{}"))
///     .unwrap();
/// let req = faas::HttpRequest::from(request);
/// assert_eq!(req.query("dry_run"), Some("1"));
/// let back: http::Request<bytes::Bytes> = req.into();
/// assert_eq!(back.uri(), "/orders?dry_run=1");
/// assert_eq!(back.headers()["x-api-key"], "k-1");
/// ```
#[derive(Clone)]
pub struct HttpRequest<B = Bytes> {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    cookies: Vec<(String, String)>,
    path_params: HashMap<String, String>,
    shape: HttpShape,
    raw: RawEvent,
    body: B,
}

/// The path parameters a gateway's route matched (`/orders/{id}`), as an
/// extension of an [`http::Request`] converted from an [`HttpRequest`] (and
/// read back when converting the other way).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams(pub HashMap<String, String>);

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
            shape: HttpShape::Native,
            raw: RawEvent::new(body.clone(), Source::Direct),
            body,
        }
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
        std::str::from_utf8(&self.body).map_err(FunctionError::bad_input)
    }

    /// The body decoded as JSON into `T`; `bad_input` naming the failing
    /// field if it does not fit.
    pub fn json<T: DeserializeOwned + Send + 'static>(&self) -> Result<T, FunctionError> {
        T::from_payload(Payload::from_bytes(self.body.clone()))
    }
}

impl<T> HttpRequest<Json<T>> {
    /// The body, decoded.
    pub fn body(&self) -> &T {
        &self.body.0
    }

    /// Takes the body.
    pub fn into_body(self) -> T {
        self.body.0
    }
}

impl HttpRequest<Payload> {
    /// The body, not yet decoded (what layers see).
    pub fn body(&self) -> &Payload {
        &self.body
    }

    /// Takes the body.
    pub fn into_body(self) -> Payload {
        self.body
    }
}

impl<B> HttpRequest<B> {
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

    /// Every path parameter the gateway's route matched.
    pub fn path_params(&self) -> &HashMap<String, String> {
        &self.path_params
    }

    /// The same request with path parameter `name` set, as a gateway's
    /// route would set it (for tests that call a handler directly).
    ///
    /// ```
    /// let req = faas::HttpRequest::new(http::Method::GET, "/orders/42", http::HeaderMap::new(), "")
    ///     .with_path_param("id", "42");
    /// assert_eq!(req.path_param("id"), Some("42"));
    /// ```
    pub fn with_path_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.path_params.insert(name.into(), value.into());
        self
    }

    /// The gateway format the request came in.
    pub fn shape(&self) -> HttpShape {
        self.shape
    }

    /// The raw provider event.
    pub fn raw(&self) -> &RawEvent {
        &self.raw
    }

    /// The same request with its body replaced by `f(body)`.
    pub fn map_body<C>(self, f: impl FnOnce(B) -> C) -> HttpRequest<C> {
        match self.try_map_body(|body| Ok::<_, std::convert::Infallible>(f(body))) {
            Ok(request) => request,
            Err(never) => match never {},
        }
    }

    /// Like [`map_body`](Self::map_body), for a conversion that can fail.
    pub fn try_map_body<C, E>(
        self,
        f: impl FnOnce(B) -> Result<C, E>,
    ) -> Result<HttpRequest<C>, E> {
        let body = f(self.body)?;
        Ok(HttpRequest {
            body,
            method: self.method,
            path: self.path,
            query: self.query,
            headers: self.headers,
            cookies: self.cookies,
            path_params: self.path_params,
            shape: self.shape,
            raw: self.raw,
        })
    }

    /// Replaces the query (a gateway that decoded it already).
    pub(crate) fn with_query(mut self, query: Vec<(String, String)>) -> Self {
        self.query = query;
        self
    }

    /// Replaces the cookies (a gateway that lists them apart).
    pub(crate) fn with_cookies(mut self, cookies: Vec<(String, String)>) -> Self {
        self.cookies = cookies;
        self
    }

    /// Replaces the path parameters.
    pub(crate) fn with_path_params(mut self, params: HashMap<String, String>) -> Self {
        self.path_params = params;
        self
    }

    /// Sets the gateway format, and the raw event it came in.
    pub(crate) fn with_gateway(mut self, shape: HttpShape, raw: RawEvent) -> Self {
        self.shape = shape;
        self.raw = raw;
        self
    }
}

impl<B> fmt::Debug for HttpRequest<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("path_params", &self.path_params)
            .field("shape", &self.shape)
            .finish_non_exhaustive()
    }
}

/// A request as an HTTP server (or a test) builds it; `PathParams` in its
/// extensions become the path parameters.
impl From<http::Request<Bytes>> for HttpRequest {
    fn from(request: http::Request<Bytes>) -> Self {
        let (mut parts, body) = request.into_parts();
        let target = parts
            .uri
            .path_and_query()
            .map_or("/", |target| target.as_str());
        let mut converted = HttpRequest::new(parts.method, target, parts.headers, body);
        if let Some(PathParams(params)) = parts.extensions.remove::<PathParams>() {
            converted.path_params = params;
        }
        converted
    }
}

/// The request as an [`http::Request`]: the path and query (re-encoded), the
/// headers (cookies a gateway listed apart become a `Cookie` header), the
/// body, and the path parameters as a [`PathParams`] extension.
impl<B> From<HttpRequest<B>> for http::Request<B> {
    fn from(request: HttpRequest<B>) -> Self {
        let mut target = request.path.clone();
        if target.is_empty() {
            target.push('/');
        }
        if !request.query.is_empty() {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (key, value) in &request.query {
                query.append_pair(key, value);
            }
            target.push('?');
            target.push_str(&query.finish());
        }
        let mut headers = request.headers;
        if !request.cookies.is_empty() && !headers.contains_key(header::COOKIE) {
            let joined: Vec<String> = request
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            if let Ok(value) = http::HeaderValue::from_str(&joined.join("; ")) {
                headers.insert(header::COOKIE, value);
            }
        }
        let mut converted = http::Request::new(request.body);
        *converted.method_mut() = request.method;
        // A path that is not a valid URI (a gateway passes it through) keeps `/`.
        if let Ok(uri) = target.parse() {
            *converted.uri_mut() = uri;
        }
        *converted.headers_mut() = headers;
        if !request.path_params.is_empty() {
            converted
                .extensions_mut()
                .insert(PathParams(request.path_params));
        }
        converted
    }
}

impl From<HttpRequest> for Incoming {
    fn from(request: HttpRequest) -> Self {
        Incoming::from(http::Request::from(request))
    }
}

pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(crate) fn cookies_from_header(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(split_cookies)
        .collect()
}

pub(crate) fn split_cookies(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.split(';').filter_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        Some((
            name.trim().to_owned(),
            value.trim().trim_matches('"').to_owned(),
        ))
    })
}

/// The JSON body of an HTTP request, decoded into `T`; also a JSON reply.
///
/// As an event, `Json<T>` reads the body of a request from any gateway and
/// answers over HTTP: the handler's `Ok` value becomes a `200` JSON response
/// (or return an [`HttpResponse`](crate::HttpResponse) to pick the status),
/// an error becomes an `application/problem+json` response with the error
/// kind's status. Take `HttpRequest<Json<T>>` to see the request's headers,
/// path and query as well.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_through_http_types_with_its_path_params() {
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", http::HeaderValue::from_static("k"));
        let req = HttpRequest::new(Method::PUT, "/orders/42?tag=a%20b&tag=c", headers, "{}")
            .with_path_param("id", "42");
        let request = http::Request::<Bytes>::from(req.clone());
        assert_eq!(request.method(), Method::PUT);
        assert_eq!(request.uri(), "/orders/42?tag=a+b&tag=c");
        assert_eq!(
            request.extensions().get::<PathParams>().map(|p| p.0.len()),
            Some(1)
        );
        let back = HttpRequest::from(request);
        assert_eq!(back.query_all("tag").collect::<Vec<_>>(), ["a b", "c"]);
        assert_eq!(back.path_param("id"), Some("42"));
        assert_eq!(back.header("x-api-key"), Some("k"));
        assert_eq!(back.body(), b"{}");
    }

    #[test]
    fn listed_cookies_become_a_cookie_header() {
        let req = HttpRequest::new(Method::GET, "/", HeaderMap::new(), "")
            .with_cookies(vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
        let request = http::Request::<Bytes>::from(req);
        assert_eq!(request.headers()[header::COOKIE], "a=1; b=2");
    }
}
