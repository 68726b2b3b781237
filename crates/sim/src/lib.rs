//! `zenlayer-sim`: a local stand-in for the Zenlayer VM API, for demos, tests, and dry runs.
//!
//! - `settings`: timings, the power rule, how filters are treated (changeable at run time).
//! - [`world`]: instances and their moving statuses, the call log.
//! - `wire`: `POST /api/v2/vm` in the API's wire format, with signature verification
//!   (`verify`, the simulator's own implementation, written apart from the client's).
//! - [`faults`]: latency, throttling, 5xx, dropped connections, bodies that are not JSON.
//! - `inspect`: `/_sim/...`, the inspection interface for tests.
//! - [`cli`]: the `zenlayer-sim` command.
//!
//! The server runs on hyper directly (with an axum router for the routes) so that a fault can
//! close a connection without answering. [`Sim::handle_in_process`] answers a request without
//! a socket, for tests that run the client against the simulator on a paused clock.

pub mod attributes;
pub mod cli;
pub mod faults;
mod inspect;
mod settings;
mod verify;
mod wire;
pub mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tower::ServiceExt;
use zenlayer_protocol::VM_SERVICE_PATH;

use faults::FaultPlan;
use world::{Settings, World};

/// Marks a response that must not be sent: the connection is closed instead.
#[derive(Clone, Copy)]
pub(crate) struct DropConnection;

/// The access key the simulator accepts.
#[derive(Clone)]
pub struct SimCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The access key password (the HMAC key).
    pub access_key_password: String,
}

impl std::fmt::Debug for SimCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// The simulator's shared state.
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Inner>,
}

struct Inner {
    world: Mutex<World>,
    faults: Mutex<FaultPlan>,
    credentials: SimCredentials,
}

impl Sim {
    /// A simulator that accepts `credentials`, with `settings`.
    pub fn new(credentials: SimCredentials, settings: Settings) -> Self {
        Sim {
            inner: Arc::new(Inner {
                world: Mutex::new(World::new(settings)),
                faults: Mutex::new(FaultPlan::default()),
                credentials,
            }),
        }
    }

    /// The world, locked. A poisoned lock is recovered: the data is still consistent enough
    /// for a simulator.
    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.inner.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The fault plan, locked.
    pub fn faults(&self) -> MutexGuard<'_, FaultPlan> {
        self.inner.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn credentials(&self) -> &SimCredentials {
        &self.inner.credentials
    }

    fn router(&self) -> Router {
        Router::new()
            .route(VM_SERVICE_PATH, post(wire::handle))
            .merge(inspect::routes())
            .with_state(self.clone())
    }

    /// Answers one request without a network: `None` when the simulator would close the
    /// connection without answering (a dropped-connection fault).
    pub async fn handle_in_process(
        &self,
        request: http::Request<Bytes>,
    ) -> Option<http::Response<Bytes>> {
        let response = match self.router().oneshot(request.map(Body::from)).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        if response.extensions().get::<DropConnection>().is_some() {
            return None;
        }
        let (parts, body) = response.into_parts();
        // The simulator's bodies are in memory: collecting them cannot fail.
        let bytes = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        Some(http::Response::from_parts(parts, bytes))
    }

    /// Serves on `listener` until the process ends: plain HTTP, or HTTPS with `tls`.
    pub async fn serve(
        self,
        listener: TcpListener,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> std::io::Result<()> {
        let router = self.router();
        loop {
            let (stream, _) = listener.accept().await?;
            let router = router.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    // A failed handshake (a client that does not trust the certificate) just
                    // ends that connection.
                    Some(tls) => {
                        if let Ok(stream) = tls.accept(stream).await {
                            serve_connection(router, stream).await;
                        }
                    }
                    None => serve_connection(router, stream).await,
                }
            });
        }
    }
}

/// Serves one connection with `router`; a `drop` fault closes it without an answer.
async fn serve_connection<S>(router: Router, stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let router = router.clone();
        async move {
            let response = match router.oneshot(request).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            if response.extensions().get::<DropConnection>().is_some() {
                // An error from the service makes hyper close the connection without
                // writing an answer.
                return Err(DroppedOnPurpose);
            }
            Ok::<_, DroppedOnPurpose>(response)
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// A TLS acceptor for the certificate chain and key in the PEM files `cert` and `key`.
pub fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    use anyhow::Context as _;
    use tokio_rustls::rustls;
    let read = |path: &std::path::Path| {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let chain = rustls_pemfile::certs(&mut read(cert)?.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{} is not a PEM certificate chain", cert.display()))?;
    let key = rustls_pemfile::private_key(&mut read(key)?.as_slice())
        .with_context(|| format!("{} is not a PEM private key", key.display()))?
        .with_context(|| format!("no private key in {}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate does not match the key")?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The error that closes a connection for a `drop` fault.
#[derive(Debug)]
struct DroppedOnPurpose;

impl std::fmt::Display for DroppedOnPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a simulated fault")
    }
}

impl std::error::Error for DroppedOnPurpose {}

/// Binds `addr`, refusing anything but a loopback address.
pub async fn bind_loopback(addr: SocketAddr) -> std::io::Result<TcpListener> {
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("zenlayer-sim listens on loopback only; {addr} is not a loopback address"),
        ));
    }
    TcpListener::bind(addr).await
}
