//! The provider-wide stop signal.
//!
//! Terraform interrupts a run (Ctrl-C, or a pipeline being cancelled) in two ways: it sends the
//! provider the `StopProvider` RPC, and a terminal's Ctrl-C also delivers SIGINT to the whole
//! process group. Either fires [`token`], which ends every wait promptly; in-flight API calls
//! are allowed to finish so that the state reflects what was really done.
//!
//! `tf-provider` handles `StopProvider` itself and does not tell the provider. Its gRPC server
//! does trace every request in a span that carries the request's URI, so [`StopRequestLayer`]
//! watches for the span of `/tfplugin6.Provider/StopProvider`.

use std::fmt;
use std::sync::OnceLock;

use tokio_util::sync::CancellationToken;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer};

static STOP: OnceLock<CancellationToken> = OnceLock::new();

/// The token fired when the provider must stop.
pub fn token() -> CancellationToken {
    STOP.get_or_init(CancellationToken::new).clone()
}

/// Fires [`token`] on SIGINT or SIGTERM. Must be called inside the Tokio runtime.
pub fn watch_signals() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        for kind in [SignalKind::interrupt(), SignalKind::terminate()] {
            if let Ok(mut stream) = signal(kind) {
                tokio::spawn(async move {
                    while stream.recv().await.is_some() {
                        tracing::warn!(
                            signal = kind.as_raw_value(),
                            "signal received; stopping operations in progress"
                        );
                        token().cancel();
                    }
                });
            }
        }
    }
    #[cfg(not(unix))]
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            token().cancel();
        }
    });
}

/// A tracing layer that fires [`token`] when the gRPC server opens the span of a
/// `StopProvider` request.
#[derive(Debug, Default, Clone, Copy)]
pub struct StopRequestLayer;

/// The gRPC method Terraform calls to interrupt a provider.
const STOP_METHOD: &str = "/tfplugin6.Provider/StopProvider";

struct UriVisitor {
    is_stop: bool,
}

impl Visit for UriVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "uri" && format!("{value:?}").ends_with(STOP_METHOD) {
            self.is_stop = true;
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "uri" && value.ends_with(STOP_METHOD) {
            self.is_stop = true;
        }
    }
}

impl<S: Subscriber> Layer<S> for StopRequestLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let mut visitor = UriVisitor { is_stop: false };
        attrs.record(&mut visitor);
        if visitor.is_stop {
            tracing::warn!("Terraform asked the provider to stop; stopping operations in progress");
            token().cancel();
        }
    }
}
