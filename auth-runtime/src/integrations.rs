//! Adopting a session in an existing HTTP stack with one line: a `reqwest-middleware`
//! middleware (feature `middleware`) and a `tower` layer (feature `tower`). Both are
//! adapters over the one protocol [`Session::send`] runs (`send.rs`): the same origin
//! checks, the same rejections (401, or the vendor's body test) answered by one
//! re-login and one replay, the same `TokenRejected` when the replay is rejected too.

use crate::provider::Provider;
use crate::send::{Failed, send_with_token};
#[cfg(feature = "tower")]
use crate::send::{Incoming, Outgoing};
use crate::session::Session;

/// Puts a session's token on every request of a `reqwest-middleware` client.
///
/// It is had only inside a client stack over the session's own client
/// ([`Session::http_client`]), which follows no redirect to another origin and sends no
/// `Referer`: reqwest keeps a custom token header, a query token (and its `Referer`)
/// and, on a 307 or 308, a body token across origins, so a middleware over a client of
/// your own could hand the token to whatever origin the vendor redirects to.
///
/// ```no_run
/// # fn f<P: auth_runtime::Provider>(session: auth_runtime::Session<P>) {
/// let client = auth_runtime::AuthMiddleware::client_builder(session)
///     // .with(...) your own middleware, run after the token is on the request
///     .build();
/// # }
/// ```
///
/// Requests to an origin that is not the vendor's, or over plain http off loopback,
/// fail before the token is put on them. A middleware of yours added after this one
/// sees the request with the token on it: it must not send it elsewhere.
#[cfg(feature = "middleware")]
pub struct AuthMiddleware<P: Provider> {
    session: Session<P>,
}

#[cfg(feature = "middleware")]
impl<P: Provider> AuthMiddleware<P> {
    /// A `reqwest-middleware` client builder over a clone of the session's own client
    /// ([`Session::http_client`]: proxies, certificates and the rest set with
    /// [`configure_client`](crate::SessionBuilder::configure_client)), with this
    /// middleware first.
    pub fn client_builder(session: Session<P>) -> reqwest_middleware::ClientBuilder {
        reqwest_middleware::ClientBuilder::new(session.http_client().clone())
            .with(AuthMiddleware { session })
    }
}

#[cfg(feature = "middleware")]
#[async_trait::async_trait]
impl<P: Provider> reqwest_middleware::Middleware for AuthMiddleware<P> {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        // Each send (the first, and a replay) gets the extensions as they came.
        let send = |request| {
            let next = next.clone();
            let mut extensions = extensions.clone();
            async move { next.run(request, &mut extensions).await }
        };
        send_with_token(&self.session, request, send)
            .await
            .map_err(|failed| match failed {
                Failed::Session(error) => reqwest_middleware::Error::middleware(error),
                Failed::Sending(error) => error,
            })
    }
}

/// A `tower` layer putting a session's token on every `http::Request` sent with the
/// session's own client: it wraps a [`SessionClient`] and nothing else, since a service
/// of your own could follow a redirect and hand the token (in a header, the query and
/// its `Referer`, or, on a 307, the body) to another origin after the layer has let the
/// request go:
///
/// ```no_run
/// # fn f<P: auth_runtime::Provider>(session: auth_runtime::Session<P>) {
/// use tower_layer::Layer as _;
/// let client = auth_runtime::SessionClient::new(&session);
/// let service = auth_runtime::AuthLayer::new(session).layer(client);
/// # }
/// ```
///
/// Layers of your own go outside it. The token goes in a header,
/// `Authorization: Bearer` or a query parameter; a vendor that wants it only in the
/// JSON body (no query fallback) needs [`Session::send`]. A rejection — HTTP 401, or
/// the vendor's rejection in a JSON body, for which the body is read and handed on as
/// [`AuthBody`] — is answered by one re-login and one replay (request bodies are
/// `Clone`); a replay rejected again is `TokenRejected`.
///
/// Request URIs must be absolute and on one of the vendor's origins (over https, or
/// http to a loopback host): any other request fails before the client sees it.
#[cfg(feature = "tower")]
pub struct AuthLayer<P: Provider> {
    session: Session<P>,
}

#[cfg(feature = "tower")]
impl<P: Provider> AuthLayer<P> {
    /// A layer authorizing requests with `session`.
    pub fn new(session: Session<P>) -> Self {
        AuthLayer { session }
    }
}

#[cfg(feature = "tower")]
impl<P: Provider> Clone for AuthLayer<P> {
    fn clone(&self) -> Self {
        AuthLayer {
            session: self.session.clone(),
        }
    }
}

#[cfg(feature = "tower")]
impl<P: Provider> tower_layer::Layer<SessionClient> for AuthLayer<P> {
    type Service = AuthService<SessionClient, P>;

    fn layer(&self, inner: SessionClient) -> Self::Service {
        AuthService {
            inner,
            session: self.session.clone(),
        }
    }
}

/// A session's own HTTP client ([`Session::http_client`]) as a `tower` service: the
/// one [`AuthLayer`] wraps. It follows redirects only within an origin, sends no
/// `Referer`, and carries what
/// [`configure_client`](crate::SessionBuilder::configure_client) set (proxies,
/// certificates). A request body is anything reqwest takes as a body (`String`,
/// `Vec<u8>`, `Bytes`); the response body is reqwest's.
#[cfg(feature = "tower")]
#[derive(Clone, Debug)]
pub struct SessionClient {
    client: reqwest::Client,
}

#[cfg(feature = "tower")]
impl SessionClient {
    /// The client of `session`, as a service.
    pub fn new<P: Provider>(session: &Session<P>) -> Self {
        SessionClient {
            client: session.http_client().clone(),
        }
    }
}

#[cfg(feature = "tower")]
impl<B: Into<reqwest::Body>> tower_service::Service<http::Request<B>> for SessionClient {
    type Response = http::Response<reqwest::Body>;
    type Error = reqwest::Error;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let client = self.client.clone();
        let request = reqwest::Request::try_from(request);
        Box::pin(async move {
            let response = client.execute(request?).await?;
            Ok(http::Response::from(response))
        })
    }
}

/// The service made by [`AuthLayer`].
#[cfg(feature = "tower")]
pub struct AuthService<S, P: Provider> {
    inner: S,
    session: Session<P>,
}

#[cfg(feature = "tower")]
impl<S: Clone, P: Provider> Clone for AuthService<S, P> {
    fn clone(&self) -> Self {
        AuthService {
            inner: self.inner.clone(),
            session: self.session.clone(),
        }
    }
}

/// Why an [`AuthService`] call failed: the session, or the wrapped service.
#[cfg(feature = "tower")]
#[derive(Debug, thiserror::Error)]
pub enum AuthServiceError<A, S> {
    /// Getting or applying the token failed.
    #[error(transparent)]
    Auth(A),
    /// The wrapped service failed.
    #[error(transparent)]
    Service(S),
}

#[cfg(feature = "tower")]
impl<S, P, B, R> tower_service::Service<http::Request<B>> for AuthService<S, P>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<R>>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    S::Error: Send,
    P: Provider,
    B: Clone + Send + 'static,
    R: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    R::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = http::Response<AuthBody<R>>;
    type Error = AuthServiceError<P::Error, S::Error>;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(AuthServiceError::Service)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The clone that was made ready is the one to call first (tower's usual
        // dance); a replay readies a clone of its own.
        let clone = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, clone);
        let session = self.session.clone();
        Box::pin(async move {
            let spare = ready.clone();
            let mut ready = Some(ready);
            let send = move |request| {
                let first = ready.take();
                let is_first = first.is_some();
                let mut service = first.unwrap_or_else(|| spare.clone());
                async move {
                    if !is_first {
                        futures::future::poll_fn(|cx| service.poll_ready(cx)).await?;
                    }
                    let response = service.call(request).await?;
                    Ok(response.map(AuthBody::passed))
                }
            };
            send_with_token(&session, request, send)
                .await
                .map_err(|failed| match failed {
                    Failed::Session(error) => AuthServiceError::Auth(error),
                    Failed::Sending(error) => AuthServiceError::Service(error),
                })
        })
    }
}

#[cfg(feature = "tower")]
impl<B: Clone + 'static> Outgoing for http::Request<B> {
    fn destination(&self, vendor: &'static str) -> Result<url::Url, crate::Error> {
        // Only an absolute URI says where the token would go.
        url::Url::parse(&self.uri().to_string()).map_err(|_| crate::Error::InvalidRequest {
            vendor,
            reason: "the request URI must be absolute, so that its origin can be checked"
                .to_owned(),
        })
    }

    fn retarget(&mut self, vendor: &'static str, url: url::Url) -> Result<(), crate::Error> {
        *self.uri_mut() = url
            .as_str()
            .parse()
            .map_err(|_| crate::Error::InvalidRequest {
                vendor,
                reason: "the API base and path make no request URI".to_owned(),
            })?;
        Ok(())
    }

    fn duplicate(&self) -> Option<Self> {
        let mut builder = http::Request::builder()
            .method(self.method().clone())
            .uri(self.uri().clone())
            .version(self.version());
        if let Some(headers) = builder.headers_mut() {
            headers.extend(self.headers().iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        builder.body(self.body().clone()).ok()
    }

    fn carry(
        &mut self,
        vendor: &'static str,
        placement: &crate::Placement,
        token: &str,
    ) -> Result<(), crate::Error> {
        crate::transport::apply_to_http(vendor, placement, self, token)
    }

    fn sign<E: From<crate::Error>>(
        &mut self,
        vendor: &'static str,
        token: &str,
        hook: impl FnOnce(&mut crate::ApiRequest<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        // The URI as it will be sent (the token in its query, where it goes there).
        let url = self.destination(vendor)?;
        // The headers are lent to the hook beside the rest of the request.
        let mut headers = std::mem::take(self.headers_mut());
        let signed = hook(&mut crate::send::ApiRequest::of(
            self.method(),
            &url,
            &mut headers,
            in_memory(self.body()),
            token,
        ));
        *self.headers_mut() = headers;
        signed
    }
}

/// A request body's bytes, when it is one of the types that hold them in memory.
#[cfg(feature = "tower")]
fn in_memory<B: 'static>(body: &B) -> Option<&[u8]> {
    let body: &dyn std::any::Any = body;
    if let Some(bytes) = body.downcast_ref::<bytes::Bytes>() {
        return Some(bytes);
    }
    if let Some(bytes) = body.downcast_ref::<Vec<u8>>() {
        return Some(bytes);
    }
    body.downcast_ref::<String>().map(String::as_bytes)
}

/// The body of an [`AuthService`] response: the inner service's own, or — when the
/// session read it to look for the vendor's rejection of the token (CRM.COM answers
/// HTTP 200 with `INVALID_TOKEN`) — the bytes it read.
#[cfg(feature = "tower")]
pub struct AuthBody<B> {
    kind: BodyKind<B>,
}

#[cfg(feature = "tower")]
enum BodyKind<B> {
    Passed(std::pin::Pin<Box<B>>),
    Read(Option<bytes::Bytes>),
}

#[cfg(feature = "tower")]
impl<B> AuthBody<B> {
    fn passed(body: B) -> Self {
        AuthBody {
            kind: BodyKind::Passed(Box::pin(body)),
        }
    }
}

#[cfg(feature = "tower")]
impl<B> std::fmt::Debug for AuthBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.kind {
            BodyKind::Passed(_) => "AuthBody(passed)",
            BodyKind::Read(_) => "AuthBody(read)",
        })
    }
}

#[cfg(feature = "tower")]
impl<B: http_body::Body<Data = bytes::Bytes>> http_body::Body for AuthBody<B> {
    type Data = bytes::Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match &mut self.get_mut().kind {
            BodyKind::Passed(body) => body.as_mut().poll_frame(cx),
            BodyKind::Read(bytes) => {
                std::task::Poll::Ready(bytes.take().map(|b| Ok(http_body::Frame::data(b))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            BodyKind::Passed(body) => body.is_end_stream(),
            BodyKind::Read(bytes) => bytes.is_none(),
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match &self.kind {
            BodyKind::Passed(body) => body.size_hint(),
            BodyKind::Read(bytes) => {
                http_body::SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
        }
    }
}

#[cfg(feature = "tower")]
impl<B> Incoming for http::Response<AuthBody<B>>
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn status(&self) -> u16 {
        self.status().as_u16()
    }

    fn headers(&self) -> &http::HeaderMap {
        self.headers()
    }

    async fn buffer(
        self,
        vendor: &'static str,
        limit: usize,
    ) -> Result<(Self, bytes::Bytes), crate::Error> {
        use http_body_util::BodyExt as _;
        let (parts, body) = self.into_parts();
        let collected = http_body_util::Limited::new(body, limit)
            .collect()
            .await
            .map_err(|error| {
                if error.is::<http_body_util::LengthLimitError>() {
                    crate::Error::BodyTooLarge {
                        vendor,
                        stage: crate::Stage::Api,
                        limit,
                    }
                } else {
                    crate::Error::InvalidRequest {
                        vendor,
                        reason: format!("the response body could not be read: {error}"),
                    }
                }
            })?;
        let bytes = collected.to_bytes();
        let body = AuthBody {
            kind: BodyKind::Read(Some(bytes.clone())),
        };
        Ok((http::Response::from_parts(parts, body), bytes))
    }
}
