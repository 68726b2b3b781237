//! How the plugin process stops, the way Go providers do under go-plugin.
//!
//! - Terraform interrupts a run (Ctrl-C, or a pipeline being cancelled) by sending the
//!   `StopProvider` RPC, which the patched tf-provider hands to the provider (`Provider::stop`):
//!   it fires [`Stop::token`], which ends every wait at once (in-flight API calls finish, so
//!   that the state reflects what was really done).
//! - SIGINT is ignored: a terminal's Ctrl-C reaches the whole process group, and Terraform
//!   handles it for the provider (with `StopProvider`).
//! - SIGTERM stops the process: waits end, the resets in progress finish (each reports what
//!   was done), and the process exits.
//! - Terraform going away (it crashed or was killed, so this process lost its parent; or it
//!   shut the plugin's server down) is a stop too: the resets in progress, which run in tasks
//!   of their own ([`Stop::spawn_operation`]) so that a dropped RPC does not drop them, bring
//!   back what they stopped before the process exits.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// After the last operation ended, the time given to the gRPC server to send its answer.
const FLUSH: Duration = Duration::from_millis(100);
/// How often the process checks that Terraform, its parent, is still there.
const PARENT_CHECK: Duration = Duration::from_millis(500);

/// Why the provider is stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Terraform sent `StopProvider` (the user pressed Ctrl-C, or the run was cancelled).
    StopProvider,
    /// The process received SIGTERM.
    Terminated,
    /// Terraform went away mid-operation: it crashed, was killed, or closed the plugin.
    TerraformGone,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::StopProvider => "Terraform asked the provider to stop",
            StopReason::Terminated => "the provider process received SIGTERM",
            StopReason::TerraformGone => {
                "Terraform went away (it crashed, was killed or closed the provider)"
            }
        })
    }
}

/// The provider-wide stop signal, and the resets in progress.
#[derive(Clone, Default)]
pub struct Stop {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    token: CancellationToken,
    /// 0 while running, else the [`StopReason`] as 1 + its index.
    reason: AtomicU8,
    /// Resets running in tasks of their own.
    operations: AtomicUsize,
    idle: Notify,
    /// The longest one API call may take, which bounds how long SIGTERM waits for RPCs.
    call_bound_ms: AtomicU64,
}

impl fmt::Debug for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stop")
            .field("reason", &self.reason())
            .field("operations", &self.operations())
            .finish()
    }
}

impl Stop {
    /// A stop signal that has not fired, with no reset in progress.
    pub fn new() -> Self {
        let stop = Stop::default();
        stop.set_call_bound(Duration::from_secs(30));
        stop
    }

    /// The token every operation's context watches.
    pub fn token(&self) -> CancellationToken {
        self.inner.token.clone()
    }

    /// Why the provider is stopping, once it is.
    pub fn reason(&self) -> Option<StopReason> {
        match self.inner.reason.load(Ordering::SeqCst) {
            1 => Some(StopReason::StopProvider),
            2 => Some(StopReason::Terminated),
            3 => Some(StopReason::TerraformGone),
            _ => None,
        }
    }

    /// Fires the stop signal (the first reason is kept).
    pub fn fire(&self, reason: StopReason) {
        let code = match reason {
            StopReason::StopProvider => 1,
            StopReason::Terminated => 2,
            StopReason::TerraformGone => 3,
        };
        let _ = self
            .inner
            .reason
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
        tracing::warn!(reason = %reason, "stopping operations in progress");
        self.inner.token.cancel();
    }

    /// Resets running in tasks of their own.
    pub fn operations(&self) -> usize {
        self.inner.operations.load(Ordering::SeqCst)
    }

    /// Runs `operation` in a task of its own, counted until it ends: an RPC that is dropped
    /// (Terraform closed its connection) does not drop the reset, whose last phase brings
    /// power back, and the process waits for it before it exits.
    pub(crate) fn spawn_operation<T: Send + 'static>(
        &self,
        operation: impl std::future::Future<Output = T> + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        self.inner.operations.fetch_add(1, Ordering::SeqCst);
        let stop = self.clone();
        tokio::spawn(async move {
            let _counted = OperationEnds(stop);
            operation.await
        })
    }

    /// Fires the stop for `reason` and waits, within the call bound, for the operations in
    /// progress to end (an operation's last phase brings power back).
    pub async fn stop_and_drain(&self, reason: StopReason) {
        self.fire(reason);
        let bound = Duration::from_millis(self.inner.call_bound_ms.load(Ordering::SeqCst)) + FLUSH;
        if tokio::time::timeout(bound, self.drained()).await.is_err() {
            tracing::warn!(
                operations = self.operations(),
                "resets still running after the stop; exiting anyway"
            );
        }
        tokio::time::sleep(FLUSH).await;
    }

    /// Resolves once this process has lost its parent (Terraform crashed or was killed: the
    /// process is adopted by another). Checked every half second; never resolves where there
    /// is no such notion.
    pub fn parent_gone(&self) -> impl std::future::Future<Output = ()> + 'static {
        async move {
            #[cfg(unix)]
            {
                let parent = std::os::unix::process::parent_id();
                loop {
                    tokio::time::sleep(PARENT_CHECK).await;
                    if std::os::unix::process::parent_id() != parent {
                        tracing::warn!(parent, "Terraform went away");
                        return;
                    }
                }
            }
            #[cfg(not(unix))]
            std::future::pending::<()>().await
        }
    }

    /// Bounds how long SIGTERM waits for the resets in progress: their last phase and one API
    /// call (the waits themselves end at once).
    pub fn set_call_bound(&self, bound: Duration) {
        self.inner
            .call_bound_ms
            .store(bound.as_millis() as u64, Ordering::SeqCst);
    }

    /// Ignores SIGINT (Ctrl-C on Windows), as go-plugin providers do: Terraform handles
    /// Ctrl-C for the provider.
    pub fn ignore_interrupts(&self) -> std::io::Result<()> {
        #[cfg(unix)]
        let mut interrupts =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        // While a listener is registered, Windows does not end the process on Ctrl-C.
        #[cfg(windows)]
        let mut interrupts = tokio::signal::windows::ctrl_c()?;
        #[cfg(any(unix, windows))]
        tokio::spawn(async move {
            while interrupts.recv().await.is_some() {
                tracing::debug!("interrupt ignored: Terraform stops the provider itself");
            }
        });
        Ok(())
    }

    /// Resolves once SIGTERM arrived and the resets in progress have ended (or their bound has
    /// passed): the process may then exit. Windows has no SIGTERM: there
    /// Terraform ends the plugin process itself, and this never resolves.
    pub fn terminated(&self) -> std::io::Result<impl std::future::Future<Output = ()> + 'static> {
        #[cfg(unix)]
        let mut terms = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let stop = self.clone();
        Ok(async move {
            #[cfg(unix)]
            terms.recv().await;
            #[cfg(not(unix))]
            std::future::pending::<()>().await;
            stop.stop_and_drain(StopReason::Terminated).await;
        })
    }

    /// Resolves when no operation is in progress.
    async fn drained(&self) {
        loop {
            let idle = self.inner.idle.notified();
            if self.operations() == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// Counts an operation as ended when its task ends (or is dropped).
struct OperationEnds(Stop);

impl Drop for OperationEnds {
    fn drop(&mut self) {
        if self.0.inner.operations.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.inner.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_is_kept() {
        let stop = Stop::new();
        stop.fire(StopReason::Terminated);
        stop.fire(StopReason::StopProvider);
        assert_eq!(stop.reason(), Some(StopReason::Terminated));
        assert!(stop
            .reason()
            .is_some_and(|r| r.to_string().contains("SIGTERM")));
    }
}
