//! `zenlayer-sim`: a local stand-in for the Zenlayer VM API, for demos, tests, and dry runs.
//!
//! - [`world`]: instances and their moving statuses, the power rule, the call log.
//! - [`wire`]: `POST /api/v2/vm` in the API's wire format, with signature verification.
//! - [`faults`]: latency, throttling, 5xx, dropped connections, bodies that are not JSON.
//! - [`inspect`]: `/_sim/...`, the inspection interface for tests.
//!
//! The server runs on hyper directly (with an axum router for the routes) so that a fault can
//! close a connection without answering.

pub mod faults;
mod inspect;
mod wire;
pub mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::routing::post;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::api::Credentials;
use faults::FaultPlan;
use world::{Settings, World};

/// Marks a response that must not be sent: the connection is closed instead.
#[derive(Clone, Copy)]
pub(crate) struct DropConnection;

/// The simulator's shared state.
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Inner>,
}

struct Inner {
    world: Mutex<World>,
    faults: Mutex<FaultPlan>,
    credentials: Credentials,
}

impl Sim {
    /// A simulator that accepts `credentials`, with `settings`.
    pub fn new(credentials: Credentials, settings: Settings) -> Self {
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

    fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    fn router(&self) -> Router {
        Router::new()
            .route("/api/v2/vm", post(wire::handle))
            .merge(inspect::routes())
            .with_state(self.clone())
    }

    /// Serves on `listener` until the process ends.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        let router = self.router();
        loop {
            let (stream, _) = listener.accept().await?;
            let router = router.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                        let router = router.clone();
                        async move {
                            let response = match router.oneshot(request).await {
                                Ok(r) => r,
                                Err(never) => match never {},
                            };
                            if response.extensions().get::<DropConnection>().is_some() {
                                // An error from the service makes hyper close the connection
                                // without writing an answer.
                                return Err(DroppedOnPurpose);
                            }
                            Ok::<_, DroppedOnPurpose>(response)
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }
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
