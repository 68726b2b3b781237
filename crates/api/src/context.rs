//! [`Context`]: the deadline and the stop signal that bound every call of one operation, and
//! where it reports its progress.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;
use crate::progress::Progress;
use crate::InstanceStatus;

/// What an operation's status reads go through instead of straight to the API: a rollout's
/// window (`fleet::window`), which gathers them into rounds and watches who comes back.
pub(crate) trait StatusRounds: Send + Sync + std::fmt::Debug {
    /// The statuses of `ids` (an id that does not exist is absent), read in the next round.
    fn read<'a>(
        &'a self,
        ids: &'a [String],
        ctx: &'a Context,
    ) -> BoxFuture<'a, Result<HashMap<String, InstanceStatus>, ApiError>>;

    /// Whether its rounds set the pace of the polls (else the usual polling interval does).
    fn paces_reads(&self) -> bool;

    /// `ids` were stopped by a call answered now (accepted, or whose answer was lost).
    fn stopped(&self, ids: &[String]);

    /// `ids` were reset by a call answered now (accepted, or whose answer was lost): from now
    /// on, a read that sees one RUNNING sees it back.
    fn reset(&self, ids: &[String]);
}

/// The bounds of one operation: it must finish before `deadline`, and stop early when `cancel`
/// fires (Terraform asked the provider to stop).
#[derive(Debug, Clone)]
pub struct Context {
    /// The operation's bound, as given.
    pub timeout: Duration,
    /// When the operation's time is up.
    pub deadline: Instant,
    /// Fired when the operation must stop.
    pub cancel: CancellationToken,
    /// Who hears of the operation's progress, if anyone.
    pub progress: Option<Progress>,
    /// Where its status reads go in a rollout.
    pub(crate) rounds: Option<Arc<dyn StatusRounds>>,
}

impl Context {
    /// A context that ends `timeout` from now (or in a century, for a longer timeout).
    pub fn with_timeout(timeout: Duration, cancel: CancellationToken) -> Self {
        Context {
            timeout,
            deadline: after(timeout),
            cancel,
            progress: None,
            rounds: None,
        }
    }

    /// `ids` were stopped by a call answered now: a rollout's window hears of it.
    pub(crate) fn stopped(&self, ids: &[String]) {
        if let Some(rounds) = &self.rounds {
            rounds.stopped(ids);
        }
    }

    /// `ids` were reset by a call answered now: a rollout's window hears of it.
    pub(crate) fn reset(&self, ids: &[String]) {
        if let Some(rounds) = &self.rounds {
            rounds.reset(ids);
        }
    }

    /// The same bounds, reporting progress to `progress`.
    pub fn with_progress(self, progress: Progress) -> Self {
        Context {
            progress: Some(progress),
            ..self
        }
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Whether the deadline has passed.
    pub fn expired(&self) -> bool {
        self.remaining().is_zero()
    }

    /// Whether a stop was requested.
    pub fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Sleeps for `duration`, or less if the deadline comes first. Returns early with
    /// `Err(Interrupted)` on a stop request or when the deadline cuts the sleep short.
    pub async fn sleep(&self, duration: Duration) -> Result<(), Interrupted> {
        let wake = after(duration);
        let until = wake.min(self.deadline);
        tokio::select! {
            _ = self.cancel.cancelled() => Err(Interrupted::Cancelled),
            _ = tokio::time::sleep_until(until) => {
                if until < wake { Err(Interrupted::Deadline) } else { Ok(()) }
            }
        }
    }
}

/// The longest span [`after`] reaches: a deadline this far away is no deadline.
const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// The instant `span` from now, saturating at a century: adding a user's "500000000000y" to
/// an instant would overflow.
pub(crate) fn after(span: Duration) -> Instant {
    Instant::now() + span.min(CENTURY)
}

/// Why a wait ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupted {
    /// A stop was requested.
    Cancelled,
    /// The deadline passed.
    Deadline,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn sleep_is_cut_by_the_deadline_and_by_cancel() {
        let ctx = Context::with_timeout(Duration::from_secs(5), CancellationToken::new());
        assert_eq!(ctx.sleep(Duration::from_secs(1)).await, Ok(()));
        assert_eq!(
            ctx.sleep(Duration::from_secs(60)).await,
            Err(Interrupted::Deadline)
        );
        assert!(ctx.expired());

        let cancel = CancellationToken::new();
        let ctx = Context::with_timeout(Duration::from_secs(60), cancel.clone());
        cancel.cancel();
        assert_eq!(
            ctx.sleep(Duration::from_secs(1)).await,
            Err(Interrupted::Cancelled)
        );
        assert!(ctx.cancelled());
    }

    #[tokio::test(start_paused = true)]
    async fn extreme_timeouts_saturate_instead_of_overflowing() {
        let ctx = Context::with_timeout(Duration::MAX, CancellationToken::new());
        assert!(ctx.remaining() >= CENTURY - Duration::from_secs(1));
        assert_eq!(ctx.sleep(Duration::from_millis(5)).await, Ok(()));
        let ctx = Context::with_timeout(Duration::from_secs(1), CancellationToken::new());
        assert_eq!(
            ctx.sleep(Duration::MAX).await,
            Err(Interrupted::Deadline),
            "a huge sleep is cut by the deadline"
        );
    }
}
