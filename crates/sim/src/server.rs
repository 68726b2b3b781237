//! Serving [`Sim`]: the routes, over a socket (plain HTTP or HTTPS, loopback only) or in
//! process. It runs on hyper directly (with an axum router for the routes) so that a fault can
//! close a connection without answering.

use std::net::SocketAddr;
use std::sync::Arc;

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

use crate::inspect;
use crate::state::Sim;
use crate::wire::{self, DropConnection};

impl Sim {
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
