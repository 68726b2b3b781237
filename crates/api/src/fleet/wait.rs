//! Waiting for instances to reach a power state, by polling DescribeInstancesStatus in batches
//! with a growing interval.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tokio::time::Instant;

use super::status::{describe_all, Statuses};
use super::Operations;
use crate::{ApiError, Context, InstanceStatus, Interrupted};

/// The state a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitTarget {
    /// RUNNING.
    Running,
    /// STOPPED.
    Stopped,
    /// RUNNING or STOPPED: not in a transition.
    Settled,
    /// Anything but STOPPED: the instance is up or on its way up.
    LeftStopped,
    /// Any status but a terminal one: one look at every instance.
    Everything,
}

impl WaitTarget {
    /// What the instances are waited for, as progress lines say it; `None` for a single look.
    fn progress_words(self) -> Option<&'static str> {
        match self {
            WaitTarget::Running => Some("be RUNNING"),
            WaitTarget::Stopped => Some("be STOPPED"),
            WaitTarget::Settled => Some("settle in RUNNING or STOPPED"),
            WaitTarget::LeftStopped => Some("restart after the reset"),
            WaitTarget::Everything => None,
        }
    }

    fn reached(self, s: &InstanceStatus) -> bool {
        match self {
            WaitTarget::Running => *s == InstanceStatus::Running,
            WaitTarget::Stopped => *s == InstanceStatus::Stopped,
            WaitTarget::Settled => *s == InstanceStatus::Running || *s == InstanceStatus::Stopped,
            WaitTarget::LeftStopped => *s != InstanceStatus::Stopped && !s.is_terminal(),
            WaitTarget::Everything => !s.is_terminal(),
        }
    }
}

/// How to wait.
#[derive(Debug, Clone, Copy)]
pub(super) struct WaitSpec {
    pub target: WaitTarget,
    /// Delay before the first poll (zero to look at once).
    pub first_delay: Duration,
    /// Stop waiting at this moment even if the context's deadline is later (a grace period).
    pub until: Option<Instant>,
    /// Give up on an instance that has been STOPPED at every poll for this long.
    pub give_up_if_stopped_after: Option<Duration>,
    /// End the whole wait at the first instance in a terminal status, so that the operator
    /// learns of it within one poll instead of when the others are done.
    pub end_at_terminal: bool,
}

impl WaitSpec {
    pub(super) fn new(target: WaitTarget, first_delay: Duration) -> Self {
        WaitSpec {
            target,
            first_delay,
            until: None,
            give_up_if_stopped_after: None,
            end_at_terminal: false,
        }
    }
}

/// How a wait ended, instance by instance.
#[derive(Debug, Default, Clone)]
pub(crate) struct WaitOutcome {
    /// Instances that reached the target, with the status seen.
    pub reached: BTreeMap<String, InstanceStatus>,
    /// Instances found in a status they do not come back from.
    pub terminal: BTreeMap<String, InstanceStatus>,
    /// Instances that no longer exist.
    pub missing: BTreeSet<String>,
    /// Instances still short of the target when the wait ended, with their last status.
    pub pending: BTreeMap<String, Option<InstanceStatus>>,
    /// Instances given up on because they stayed STOPPED (see `give_up_if_stopped_after`).
    pub stayed_stopped: BTreeSet<String>,
    /// Why the wait ended early, if it did (deadline or stop request).
    pub interrupted: Option<Interrupted>,
    /// The status call that failed, if one did.
    pub error: Option<ApiError>,
    /// Whether the wait ended early because an instance turned terminal
    /// ([`WaitSpec::end_at_terminal`]).
    pub ended_at_terminal: bool,
    /// Polling rounds made.
    pub polls: u32,
}

/// One instance still being waited for.
struct Track {
    last: Option<InstanceStatus>,
    left_stopped: bool,
}

/// The instances still waited for, and how each ended so far.
struct Tracker {
    spec: WaitSpec,
    started: Instant,
    remaining: BTreeMap<String, Track>,
    out: WaitOutcome,
}

impl Tracker {
    fn new(ids: &[String], spec: WaitSpec) -> Self {
        let remaining = ids
            .iter()
            .map(|id| {
                let track = Track {
                    last: None,
                    left_stopped: false,
                };
                (id.clone(), track)
            })
            .collect();
        Tracker {
            spec,
            started: Instant::now(),
            remaining,
            out: WaitOutcome::default(),
        }
    }

    fn ids(&self) -> Vec<String> {
        self.remaining.keys().cloned().collect()
    }

    /// Takes one round of statuses: instances that reached the target, turned terminal or
    /// missing, or stayed STOPPED too long are settled; the others keep being waited for.
    fn observe(&mut self, statuses: &Statuses) {
        self.out.polls += 1;
        for id in self.ids() {
            let Some(status) = statuses.get(&id) else {
                self.remaining.remove(&id);
                self.out.missing.insert(id);
                continue;
            };
            let Some(track) = self.remaining.get_mut(&id) else {
                continue;
            };
            track.left_stopped |= *status != InstanceStatus::Stopped;
            track.last = Some(status.clone());
            let stayed_stopped = *status == InstanceStatus::Stopped
                && !track.left_stopped
                && self
                    .spec
                    .give_up_if_stopped_after
                    .is_some_and(|g| self.started.elapsed() >= g);
            if self.spec.target.reached(status) {
                self.remaining.remove(&id);
                self.out.reached.insert(id, status.clone());
            } else if status.is_terminal() {
                self.remaining.remove(&id);
                self.out.terminal.insert(id, status.clone());
            } else if stayed_stopped {
                self.remaining.remove(&id);
                self.out.stayed_stopped.insert(id);
            }
        }
    }

    /// The outcome, with the instances still pending and their last status.
    fn finish(mut self, ctx: &Context) -> WaitOutcome {
        if self.out.interrupted.is_none()
            && self.out.error.is_none()
            && !self.remaining.is_empty()
            && ctx.expired()
        {
            self.out.interrupted = Some(Interrupted::Deadline);
        }
        self.out.pending = self
            .remaining
            .into_iter()
            .map(|(id, t)| (id, t.last))
            .collect();
        self.out
    }
}

impl Operations {
    /// Polls `ids` until each reaches `spec.target`, turns out terminal or missing, or the wait
    /// ends (deadline, `spec.until`, stop request, a failed status call, or with
    /// `spec.end_at_terminal` the first terminal instance). The wait before the first poll is
    /// `spec.first_delay`; each later one is half as long again as the one before, starting
    /// from the polling interval, up to its maximum.
    pub(super) async fn wait_for(
        &self,
        ids: &[String],
        spec: WaitSpec,
        ctx: &Context,
    ) -> WaitOutcome {
        let mut tracker = Tracker::new(ids, spec);
        let progress = ctx
            .progress
            .as_ref()
            .zip(spec.target.progress_words())
            .map(|(p, words)| p.wait(words, ids.len()));
        let end = spec.until.map_or(ctx.deadline, |u| u.min(ctx.deadline));
        // In a rollout one instance's terminal status must not count the others of its batch
        // as failed: the window reports each in time. Its rounds may pace the polls.
        let in_rounds = ctx.rounds.is_some();
        let paced = ctx.rounds.as_ref().is_some_and(|r| r.paces_reads());
        let end_at_terminal = spec.end_at_terminal && !in_rounds;
        let mut delay = if paced {
            Duration::ZERO
        } else {
            spec.first_delay
        };
        while !tracker.remaining.is_empty() {
            if tracker.out.polls == 0 {
                // However long the interval, look at least once before the wait's end.
                delay = delay.min(end.saturating_duration_since(Instant::now()) / 2);
            }
            if let Err(why) = pause(delay, end, ctx).await {
                tracker.out.interrupted = Some(why);
                break;
            }
            let keys = tracker.ids();
            match self.read_statuses(&keys, ctx).await {
                Ok(statuses) => {
                    tracker.observe(&statuses);
                    if let Some(p) = &progress {
                        p.round(tracker.remaining.len());
                    }
                }
                Err(e) => {
                    tracker.out.error = Some(e);
                    break;
                }
            }
            if end_at_terminal && !tracker.out.terminal.is_empty() {
                tracker.out.ended_at_terminal = true;
                break;
            }
            if tracker.remaining.is_empty() || Instant::now() >= end {
                break;
            }
            if !paced {
                delay = self.next_poll_delay(delay);
            }
        }
        tracker.finish(ctx)
    }

    /// The statuses of `ids`: through the rollout's window when there is one, else read
    /// directly in batches.
    pub(super) async fn read_statuses(
        &self,
        ids: &[String],
        ctx: &Context,
    ) -> Result<Statuses, ApiError> {
        match &ctx.rounds {
            Some(rounds) => rounds.read(ids, ctx).await,
            None => describe_all(&self.client, ids, self.settings.batch_size, ctx).await,
        }
    }

    /// The wait after one of `previous`: the polling interval after a first look, else half as
    /// long again, up to the maximum.
    pub(super) fn next_poll_delay(&self, previous: Duration) -> Duration {
        let next = if previous.is_zero() {
            self.settings.poll_interval
        } else {
            previous.mul_f64(1.5)
        };
        next.min(self.settings.max_poll_interval)
    }
}

/// Waits `delay` (cut at `end`) before the next poll; fails on a stop request, or when the
/// context's deadline has passed.
async fn pause(delay: Duration, end: Instant, ctx: &Context) -> Result<(), Interrupted> {
    if delay.is_zero() {
        return Ok(());
    }
    let wake = crate::context::after(delay).min(end);
    tokio::select! {
        _ = ctx.cancel.cancelled() => return Err(Interrupted::Cancelled),
        _ = tokio::time::sleep_until(wake) => {}
    }
    if ctx.expired() {
        return Err(Interrupted::Deadline);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio_util::sync::CancellationToken;
    use zenlayer_protocol::action::DESCRIBE_INSTANCES_STATUS;
    use zenlayer_sim::world::Settings;

    use super::*;
    use crate::fleet::FleetSettings;
    use crate::testing::{self, ids};

    /// The simulator's times of the status calls, in milliseconds from the first.
    fn poll_times(sim: &zenlayer_sim::Sim) -> Vec<u64> {
        let calls = testing::calls(sim);
        let times: Vec<u64> = calls
            .iter()
            .filter(|c| c.action == DESCRIBE_INSTANCES_STATUS)
            .map(|c| c.at_ms)
            .collect();
        times.iter().map(|t| t - calls[0].at_ms).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn each_wait_between_polls_is_half_as_long_again_as_the_one_before() {
        let sim = testing::sim(1, Settings::default());
        sim.lock().modify("i1", Some("REBOOT"), None);
        let fleet = testing::operations(
            &sim,
            FleetSettings::new(100, Duration::from_secs(2), Duration::from_secs(30)),
        );
        let ctx = Context::with_timeout(Duration::from_secs(20), CancellationToken::new());
        let spec = WaitSpec::new(WaitTarget::Running, Duration::ZERO);
        let outcome = fleet.wait_for(&ids(1), spec, &ctx).await;
        assert_eq!(outcome.interrupted, Some(Interrupted::Deadline));
        // At once, then 2 s, 3 s, 4.5 s, 6.75 s later: 0, 2, 5, 9.5, 16.25 s.
        assert_eq!(poll_times(&sim), vec![0, 2000, 5000, 9500, 16250]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_that_ends_at_terminal_stops_at_the_first_one() {
        let sim = testing::sim(2, Settings::default());
        sim.lock().modify("i1", Some("REBOOT"), None);
        sim.lock().modify("i2", Some("RECYCLE"), None);
        let fleet = testing::operations(
            &sim,
            FleetSettings::new(100, Duration::from_secs(2), Duration::from_secs(30)),
        );
        let ctx = Context::with_timeout(Duration::from_secs(600), CancellationToken::new());
        let spec = WaitSpec {
            end_at_terminal: true,
            ..WaitSpec::new(WaitTarget::Running, Duration::ZERO)
        };
        let outcome = fleet.wait_for(&ids(2), spec, &ctx).await;
        assert!(outcome.ended_at_terminal);
        assert_eq!(outcome.polls, 1);
        assert!(outcome.terminal.contains_key("i2"));
        assert_eq!(
            outcome.pending.get("i1"),
            Some(&Some(InstanceStatus::Reboot))
        );
    }
}
