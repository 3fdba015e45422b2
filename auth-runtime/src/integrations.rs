//! Adopting a session in an existing HTTP stack with one line: a `reqwest-middleware`
//! middleware (feature `middleware`) and a `tower` layer (feature `tower`). Both do
//! what [`Session::send`] does: put the token on, and on a 401 replace it once and
//! replay the request when it can be replayed.

use crate::provider::Provider;
use crate::session::Session;

/// Puts a session's token on every request of a `reqwest-middleware` client.
///
/// Build the stack on the session's own client, so that no redirect can carry the
/// token to another origin (reqwest keeps a custom token header, a query token and, on
/// a 307, a body token across origins):
///
/// ```no_run
/// # fn f(session: auth_runtime::Session<auth_runtime::vendors::OneBox>) {
/// let client = reqwest_middleware::ClientBuilder::new(session.http_client().clone())
///     .with(auth_runtime::AuthMiddleware::new(session))
///     .build();
/// # }
/// ```
///
/// A client of your own needs [`redirect_policy`](crate::redirect_policy) and
/// `.referer(false)`; one that follows a redirect away anyway makes the call fail
/// (after the fact: the middleware cannot stop the client from following). Requests to
/// an origin that is not the vendor's, or over plain http off loopback, fail before
/// the token is put on them.
#[cfg(feature = "middleware")]
pub struct AuthMiddleware<P: Provider> {
    session: Session<P>,
}

#[cfg(feature = "middleware")]
impl<P: Provider> AuthMiddleware<P> {
    /// A middleware authorizing requests with `session`.
    pub fn new(session: Session<P>) -> Self {
        AuthMiddleware { session }
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
        let authorized = self
            .session
            .authorize(request)
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        let origin = authorized.request.url().origin();
        let response = next.clone().run(authorized.request, extensions).await?;
        left_origin::<P>(&origin, &response)?;
        let (response, rejected) = self
            .session
            .inspect(response)
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        match authorized.replay {
            Some(replay) if rejected => {
                let request = self
                    .session
                    .reauthorize(replay, authorized.generation)
                    .await
                    .map_err(reqwest_middleware::Error::middleware)?;
                let response = next.run(request, extensions).await?;
                left_origin::<P>(&origin, &response)?;
                Ok(response)
            }
            _ => Ok(response),
        }
    }
}

/// Fails a response that arrived from another origin than the request went to: the
/// client under the middleware followed a redirect away from the vendor, with the
/// token (reqwest keeps custom headers, query and, on 307, the body). The token may
/// have left already; failing loudly points at the client to fix: build it on
/// [`Session::http_client`] or with [`redirect_policy`](crate::redirect_policy).
#[cfg(feature = "middleware")]
fn left_origin<P: Provider>(
    origin: &url::Origin,
    response: &reqwest::Response,
) -> reqwest_middleware::Result<()> {
    if response.url().origin() == *origin {
        return Ok(());
    }
    tracing::error!(
        vendor = P::VENDOR,
        "the client under AuthMiddleware followed a redirect to another origin with the \
         token; build it with auth_runtime::redirect_policy() or on Session::http_client()"
    );
    Err(reqwest_middleware::Error::middleware(
        crate::Error::InvalidRequest {
            vendor: P::VENDOR,
            reason: format!(
                "the client followed a redirect to {} with the token; build it with \
                 auth_runtime::redirect_policy()",
                response.url().origin().ascii_serialization()
            ),
        },
    ))
}

/// A `tower` layer putting a session's token on every `http::Request` of a service:
/// `ServiceBuilder::new().layer(AuthLayer::new(session)).service(client)`.
///
/// The token goes in a header, `Authorization: Bearer` or a query parameter; a vendor
/// that wants it only in the JSON body (no query fallback) needs [`Session::send`].
/// A 401 is retried once with a new token when the request body is `Clone`.
///
/// Request URIs must be absolute and on one of the vendor's origins (over https, or
/// http to a loopback host): any other request fails before the inner service sees
/// it. The inner service must not follow redirects to other origins; sending with a
/// clone of [`Session::http_client`] guarantees that.
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
impl<S, P: Provider> tower_layer::Layer<S> for AuthLayer<P> {
    type Service = AuthService<S, P>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            session: self.session.clone(),
        }
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
    R: Send + 'static,
{
    type Response = http::Response<R>;
    type Error = AuthServiceError<P::Error, S::Error>;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(AuthServiceError::Service)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The clone that was made ready is the one to call (tower's usual dance).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let session = self.session.clone();
        Box::pin(async move {
            let replay = clone_request(&request);
            let (request, generation) = authorize_http(&session, request)
                .await
                .map_err(AuthServiceError::Auth)?;
            let response = inner
                .call(request)
                .await
                .map_err(AuthServiceError::Service)?;
            let Some(replay) =
                replay.filter(|_| response.status() == http::StatusCode::UNAUTHORIZED)
            else {
                return Ok(response);
            };
            session.invalidate_generation(generation);
            let (request, _) = authorize_http(&session, replay)
                .await
                .map_err(AuthServiceError::Auth)?;
            futures::future::poll_fn(|cx| inner.poll_ready(cx))
                .await
                .map_err(AuthServiceError::Service)?;
            inner.call(request).await.map_err(AuthServiceError::Service)
        })
    }
}

#[cfg(feature = "tower")]
fn clone_request<B: Clone>(request: &http::Request<B>) -> Option<http::Request<B>> {
    let mut builder = http::Request::builder()
        .method(request.method().clone())
        .uri(request.uri().clone())
        .version(request.version());
    if let Some(headers) = builder.headers_mut() {
        headers.extend(
            request
                .headers()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    builder.body(request.body().clone()).ok()
}

/// Puts the current token on an `http::Request`; returns it with the token's generation.
#[cfg(feature = "tower")]
async fn authorize_http<P: Provider, B>(
    session: &Session<P>,
    mut request: http::Request<B>,
) -> Result<(http::Request<B>, u64), P::Error> {
    // Only an absolute URI says where the token would go.
    let url =
        url::Url::parse(&request.uri().to_string()).map_err(|_| crate::Error::InvalidRequest {
            vendor: P::VENDOR,
            reason: "the request URI must be absolute, so that its origin can be checked"
                .to_owned(),
        })?;
    session.check_destination(&url)?;
    let token = session.token().await?;
    crate::transport::apply_to_http(
        P::VENDOR,
        session.provider().placement(),
        &mut request,
        token.expose_secret(),
    )?;
    Ok((request, token.generation()))
}
