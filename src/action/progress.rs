//! An invoke's progress lines: always in the provider's log, and streamed to Terraform where
//! that is safe, held back a moment and dropped once the provider is asked to stop.
//!
//! Terraform 1.14 and 1.15 stop reading an invoke's events at the first one they receive after
//! an interrupt, and crash at the next ("range function continued iteration"); 1.16 fixed
//! that. A line in flight when Ctrl-C lands can always be the first, so on those versions no
//! line is streamed: `Completed` is the only event, and it carries the last line. Elsewhere
//! each line waits [`HOLD`] before it is sent, and is dropped if the stop came meanwhile
//! (Terraform marks itself stopped just before it sends StopProvider).

use std::time::Duration;

use tf_provider::ActionProgress;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long a streamed line waits before it is sent: far longer than StopProvider takes to
/// arrive, and short enough to read as live.
pub(super) const HOLD: Duration = Duration::from_millis(250);

/// A line, and when it was written.
type Line = (Instant, String);

/// Where an invoke's lines go.
pub(super) struct ActionLines {
    /// The lines on their way to Terraform, and the task that forwards them, when they are
    /// streamed.
    streamed: Option<(mpsc::UnboundedSender<Line>, JoinHandle<()>)>,
}

impl ActionLines {
    /// Lines to the log, and to `progress` when `stream` (dropped once `stop` fires).
    pub(super) fn new(progress: ActionProgress, stop: CancellationToken, stream: bool) -> Self {
        if !stream {
            return ActionLines { streamed: None };
        }
        let (lines, mut queue) = mpsc::unbounded_channel::<Line>();
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
        ActionLines {
            streamed: Some((lines, forwarder)),
        }
    }

    /// A sink for [`zenlayer_api::Progress`].
    pub(super) fn sink(&self) -> impl Fn(String) + Send + Sync + 'static {
        let lines = self.streamed.as_ref().map(|(lines, _)| lines.clone());
        move |line| {
            tracing::info!(line = %line, "action progress");
            if let Some(lines) = &lines {
                // The forwarder ends only after every sender is gone: this cannot fail.
                _ = lines.send((Instant::now(), line));
            }
        }
    }

    /// Sends `last`, if any, after the others, and returns once every line is sent or dropped.
    /// Returns `last` when lines are not streamed, for the completion report to carry.
    pub(super) async fn finish(self, last: Option<String>) -> Option<String> {
        if let Some(line) = &last {
            tracing::info!(line = %line, "action progress");
        }
        let Some((lines, forwarder)) = self.streamed else {
            return last;
        };
        if let Some(line) = last {
            _ = lines.send((Instant::now(), line));
        }
        drop(lines);
        // A forwarder that panicked has nothing left to send.
        _ = forwarder.await;
        None
    }
}
