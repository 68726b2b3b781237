//! Progress lines on their way to Terraform, held back a moment and dropped once the provider
//! is asked to stop.
//!
//! Terraform 1.15.5 stops reading an invoke's events at the first progress line it receives
//! after an interrupt, and then crashes on the next event, which is always `Completed` ("range
//! function continued iteration"). Terraform marks itself stopped just before it sends
//! StopProvider, so a line sent in between would crash it. Each line therefore waits
//! [`HOLD`] before it is sent, and is dropped if the stop came meanwhile; `Completed` goes last.

use std::time::Duration;

use tf_provider::ActionProgress;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long a line waits before it is sent: far longer than StopProvider takes to arrive, and
/// short enough to read as live.
pub(super) const HOLD: Duration = Duration::from_millis(250);

/// The sending end: lines go in as they come, and reach Terraform [`HOLD`] later.
pub(super) struct HeldProgress {
    lines: mpsc::UnboundedSender<(Instant, String)>,
    forwarder: JoinHandle<()>,
}

impl HeldProgress {
    /// Lines to `progress`, dropped once `stop` fires.
    pub(super) fn new(progress: ActionProgress, stop: CancellationToken) -> Self {
        let (lines, mut queue) = mpsc::unbounded_channel::<(Instant, String)>();
        let forwarder = tokio::spawn(async move {
            while let Some((at, line)) = queue.recv().await {
                tokio::select! {
                    _ = stop.cancelled() => {}
                    _ = tokio::time::sleep_until(at + HOLD) => {}
                }
                if !stop.is_cancelled() {
                    progress.send(line);
                }
            }
        });
        HeldProgress { lines, forwarder }
    }

    /// A sink for [`zenlayer_api::Progress`].
    pub(super) fn sink(&self) -> impl Fn(String) + Send + Sync + 'static {
        let lines = self.lines.clone();
        move |line| {
            // The forwarder ends only after every sender is gone: this cannot fail.
            _ = lines.send((Instant::now(), line));
        }
    }

    /// Sends `last`, if any, after the others, and returns once every line is sent or dropped.
    pub(super) async fn finish(self, last: Option<String>) {
        if let Some(line) = last {
            _ = self.lines.send((Instant::now(), line));
        }
        drop(self.lines);
        // A forwarder that panicked has nothing left to send.
        _ = self.forwarder.await;
    }
}
