//! [`Transport`]: one HTTP exchange, kept apart from signing, retries and decoding so that the
//! client's logic can be exercised without a network. [`HttpTransport`] is the real one
//! (reqwest over rustls); tests answer in-process from the simulator.

use async_trait::async_trait;
use bytes::Bytes;
use std::time::Duration;

/// Why an exchange produced no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", .step.describe())]
pub struct TransportError {
    /// At which step it failed.
    pub step: TransportStep,
    /// What the HTTP stack reported, down to the root cause.
    pub detail: String,
}

/// Where an exchange that produced no answer stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportStep {
    /// No connection could be made: nothing was sent.
    Connect,
    /// The TLS handshake failed (not TLS at that port, or an untrusted certificate): nothing
    /// was sent, and sending again will not help.
    Tls,
    /// The request may have gone out, and the connection broke before the answer was
    /// complete.
    Broken,
    /// The request went out and no complete answer came within the request timeout (the
    /// client's bound; a transport never reports it).
    TimedOut,
}

impl TransportStep {
    /// What failed, in a few words ("could not connect").
    pub fn describe(self) -> &'static str {
        match self {
            TransportStep::Connect => "could not connect",
            TransportStep::Tls => "the TLS handshake failed",
            TransportStep::Broken => "the connection broke before a complete answer arrived",
            TransportStep::TimedOut => "no complete answer arrived in time",
        }
    }
}

impl TransportError {
    /// An error at `step`.
    pub fn new(step: TransportStep, detail: impl Into<String>) -> Self {
        TransportError {
            step,
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
    /// A transport whose connections must be made within `connect_timeout`. It trusts the
    /// certificate authorities the machine trusts: its certificate store, or the PEM file
    /// `SSL_CERT_FILE` and the directory `SSL_CERT_DIR` name, as Go programs do; the roots
    /// built into the provider serve only where the machine has no store at all.
    pub fn new(connect_timeout: Duration) -> Result<Self, TransportSetupError> {
        let machine_roots = rustls_native_certs::load_native_certs().certs.len();
        tracing::debug!(
            machine_roots,
            built_in_roots = machine_roots == 0,
            "certificate authorities trusted"
        );
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "terraform-provider-zenlayer/",
                env!("CARGO_PKG_VERSION")
            ))
            .tls_built_in_native_certs(true)
            .tls_built_in_webpki_certs(machine_roots == 0)
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

/// What is wrong with the certificate files the environment names (`SSL_CERT_FILE`,
/// `SSL_CERT_DIR`), one sentence each: a file that is missing, unreadable or holds no PEM
/// certificate is otherwise skipped without a word, and the machine's store (or the built-in
/// roots) trusted instead.
pub fn certificate_file_problems() -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(file) = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
        let path = std::path::Path::new(&file);
        let why = match std::fs::read(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Some("does not exist".to_string())
            }
            Err(e) => Some(format!("cannot be read ({e})")),
            Ok(bytes) if !contains(&bytes, b"-----BEGIN CERTIFICATE-----") => {
                Some("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_string())
            }
            Ok(_) => None,
        };
        problems
            .extend(why.map(|why| format!("SSL_CERT_FILE names {}, which {why}", path.display())));
    }
    if let Some(dir) = std::env::var_os("SSL_CERT_DIR").filter(|v| !v.is_empty()) {
        for part in std::env::split_paths(&dir) {
            if !part.is_dir() {
                problems.push(format!(
                    "SSL_CERT_DIR names {}, which is not a directory",
                    part.display()
                ));
            }
        }
    }
    problems
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether `error` is rustls's report of a failed handshake: an I/O error of kind InvalidData,
/// possibly wrapped in another I/O error (whose `source` skips the wrapped error itself).
fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let Some(io) = error.downcast_ref::<std::io::Error>() else {
        return false;
    };
    io.kind() == std::io::ErrorKind::InvalidData
        || io
            .get_ref()
            .is_some_and(|inner| is_tls_failure(inner as &(dyn std::error::Error + 'static)))
}

/// A transport error with the root cause reqwest wraps.
fn describe(e: &reqwest::Error) -> TransportError {
    let mut root = e.to_string();
    let mut tls = false;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        root = s.to_string();
        tls |= is_tls_failure(s);
        source = s.source();
    }
    // Anything but a failed connection may have sent the request.
    let step = if e.is_connect() && tls {
        TransportStep::Tls
    } else if e.is_connect() {
        TransportStep::Connect
    } else {
        TransportStep::Broken
    };
    TransportError::new(step, root)
}
