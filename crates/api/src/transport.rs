//! [`Transport`]: one HTTP exchange, kept apart from signing, retries and decoding so that the
//! client's logic can be exercised without a network. [`HttpTransport`] is the real one
//! (reqwest over rustls); tests answer in-process from the simulator.

use async_trait::async_trait;
use bytes::Bytes;
use std::time::Duration;

/// Why an exchange produced no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", .kind.describe())]
pub struct TransportError {
    /// At which step it failed.
    pub kind: TransportErrorKind,
    /// What the HTTP stack reported, down to the root cause.
    pub detail: String,
}

/// The step an exchange failed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No connection could be made.
    Connect,
    /// The connection closed before a complete answer arrived.
    Broken,
    /// Anything else the HTTP stack reported.
    Other,
}

impl TransportErrorKind {
    fn describe(self) -> &'static str {
        match self {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Broken => "the connection broke before a complete answer arrived",
            TransportErrorKind::Other => "the connection failed",
        }
    }
}

impl TransportError {
    /// An error of `kind`.
    pub fn new(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        TransportError {
            kind,
            detail: detail.into(),
        }
    }
}

/// Sends one request and returns the whole answer. Timeouts are the caller's: it drops the
/// future when its time is up.
#[async_trait]
pub trait Transport: Send + Sync {
    /// POSTs `request` and returns the answer, whatever its status.
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError>;
}

/// HTTPS (and HTTP to loopback) with reqwest over rustls.
pub struct HttpTransport {
    http: reqwest::Client,
}

/// The HTTP stack could not be set up (the TLS configuration failed).
#[derive(Debug, thiserror::Error)]
#[error("could not set up the HTTP client: {0}")]
pub struct TransportSetupError(String);

impl HttpTransport {
    /// A transport whose connections must be made within `connect_timeout`.
    pub fn new(connect_timeout: Duration) -> Result<Self, TransportSetupError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "terraform-provider-zenlayer/",
                env!("CARGO_PKG_VERSION")
            ))
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| TransportSetupError(e.to_string()))?;
        Ok(HttpTransport { http })
    }
}

#[async_trait]
impl Transport for HttpTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let request = reqwest::Request::try_from(request.map(reqwest::Body::from))
            .map_err(|e| describe(&e))?;
        let response = self.http.execute(request).await.map_err(|e| describe(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| describe(&e))?;
        let mut answer = http::Response::new(body);
        *answer.status_mut() = status;
        *answer.headers_mut() = headers;
        Ok(answer)
    }
}

/// A transport error with the root cause reqwest wraps.
fn describe(e: &reqwest::Error) -> TransportError {
    let kind = if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_body() || e.is_decode() || e.is_request() {
        TransportErrorKind::Broken
    } else {
        TransportErrorKind::Other
    };
    let mut root = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        root = s.to_string();
        source = s.source();
    }
    TransportError::new(kind, root)
}
