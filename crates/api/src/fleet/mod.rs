//! Operations over many instances, built on the API client: batching to the API's limit,
//! coalesced status reads, waiting for power states, and the password reset with its power-state
//! handling. Built on the client: no request is built here, and no Terraform type is known.

mod reset;
mod select;
mod status;
mod wait;
mod window;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::{Client, MAX_IDS_PER_CALL};

pub use reset::{
    Amount, AmountError, Cause, Failure, Halt, Limits, Outcome, ResetReport, ResetRequest,
    RolloutCounts, RolloutPlan, RolloutReport, Stage,
};
pub use select::{Selection, MAX_READS};
pub use status::{StatusReader, Statuses};
pub use window::ROLLOUT_TICK;

/// Tuning of the fleet operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetSettings {
    /// Instance ids per call, 1 to 100. Only lowered for accounts with tighter limits, or to
    /// measure the one-call-per-instance pattern.
    pub batch_size: usize,
    /// The first wait between status polls; later waits grow by half up to
    /// [`FleetSettings::max_poll_interval`].
    pub poll_interval: Duration,
    /// The longest wait between status polls.
    pub max_poll_interval: Duration,
    /// How long the platform is given to restart an instance after a reset before the provider
    /// starts it itself (with `shutdown_before_reset`), or stops waiting for it (without).
    pub restart_grace: Duration,
    /// The longest time concurrent status reads are collected into one call.
    pub coalesce_window: Duration,
    /// The same, before any shared call has shown how many reads arrive together: reads that
    /// Terraform starts together arrive within a millisecond or two, so a short first window
    /// catches them without delaying a lone read.
    pub first_coalesce_window: Duration,
    /// The most instances the operations of this provider take out of RUNNING at once, all
    /// together; `None` for no such bound.
    pub max_unavailable: Option<usize>,
}

/// The longest wait between status polls: the interval grows up to it.
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(15);

/// How long the last phase of a reset may take to bring back the instances it stopped and no
/// status read has seen RUNNING since (after a refusal, a failed start or status read, the
/// timeout or a stop request): time for their stop to finish, for StartInstances calls and
/// status reads tried again after failures, and for a boot to be seen RUNNING. It is added to
/// any operation's bound.
pub const POWER_RESTORE_BOUND: Duration = Duration::from_secs(180);

impl FleetSettings {
    /// Settings with the given batch size, first polling interval and restart grace period;
    /// the polling interval grows up to [`MAX_POLL_INTERVAL`], and status reads are coalesced
    /// for at most 100 ms (10 ms before the first shared call).
    pub fn new(batch_size: usize, poll_interval: Duration, restart_grace: Duration) -> Self {
        FleetSettings {
            batch_size: batch_size.clamp(1, MAX_IDS_PER_CALL),
            poll_interval,
            max_poll_interval: MAX_POLL_INTERVAL.max(poll_interval),
            restart_grace,
            coalesce_window: Duration::from_millis(100),
            first_coalesce_window: Duration::from_millis(10),
            max_unavailable: None,
        }
    }
}

/// The operations, sharing one client (and so one concurrency limit), one status reader, and
/// the provider's disruption budget.
#[derive(Debug)]
pub struct Operations {
    client: Arc<Client>,
    settings: FleetSettings,
    statuses: Arc<StatusReader>,
    /// A place for each instance out of RUNNING, when the provider bounds them.
    budget: Option<Arc<Semaphore>>,
    /// The rounds every rollout reads its instances in.
    tick_reads: Arc<window::TickReads>,
}

impl Operations {
    /// A fleet on `client`; `stop` is fired when the whole provider must stop.
    pub fn new(client: Arc<Client>, settings: FleetSettings, stop: CancellationToken) -> Self {
        let statuses = Arc::new(StatusReader::new(client.clone(), settings, stop.clone()));
        let tick_reads = window::TickReads::new(client.clone(), &settings, stop);
        Operations {
            client,
            settings,
            statuses,
            budget: settings
                .max_unavailable
                .map(|n| Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS)))),
            tick_reads,
        }
    }

    /// The longest one API call may take.
    pub fn request_timeout(&self) -> Duration {
        self.client.request_timeout()
    }

    /// How long reading the status of `n` instances may take while every call answers within
    /// one request timeout: a timeout for each round of `max_concurrency` concurrent calls,
    /// plus a second. It bounds plan-time checks, so that an endpoint that does not answer
    /// fails them promptly while a large fleet still gets the time its calls need.
    pub fn status_read_budget(&self, n: usize) -> Duration {
        let calls = n.div_ceil(self.settings.batch_size).max(1);
        let rounds = calls.div_ceil(self.client.max_concurrency());
        self.request_timeout()
            .saturating_mul(u32::try_from(rounds).unwrap_or(u32::MAX))
            .saturating_add(Duration::from_secs(1))
    }

    /// The provider's disruption budget: the most instances its operations take out of
    /// RUNNING at once, all together.
    pub fn max_unavailable(&self) -> Option<usize> {
        self.settings.max_unavailable
    }

    /// The coalescing status reader (for refreshes and plan-time existence checks).
    pub fn statuses(&self) -> &Arc<StatusReader> {
        &self.statuses
    }

    fn batches<'a>(&self, ids: &'a [String]) -> impl Iterator<Item = &'a [String]> {
        ids.chunks(self.settings.batch_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use zenlayer_sim::world::Settings;

    #[test]
    fn a_status_read_gets_one_request_timeout_per_round_of_concurrent_calls() {
        let sim = testing::sim(1, Settings::default());
        let grace = Duration::from_secs(120);
        let poll = Duration::from_secs(2);
        // The test client: 5 s request timeout, 4 calls at once.
        let fleet = |batch| testing::operations(&sim, FleetSettings::new(batch, poll, grace));
        let secs = |d: Duration| d.as_secs_f64();
        assert_eq!(secs(fleet(100).status_read_budget(0)), 6.0);
        assert_eq!(
            secs(fleet(100).status_read_budget(400)),
            6.0,
            "4 calls: one round"
        );
        assert_eq!(
            secs(fleet(100).status_read_budget(401)),
            11.0,
            "5 calls: two rounds"
        );
        // One id per call, as a cautious account might set it: 1,000 calls in 250 rounds.
        assert_eq!(secs(fleet(1).status_read_budget(1000)), 1251.0);
    }
}
