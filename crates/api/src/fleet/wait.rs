//! Waiting for instances to reach a power state, by polling DescribeInstancesStatus in batches
//! with a growing interval.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tokio::time::Instant;

use super::status::{describe_all, Statuses};
use super::Fleet;
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
}

impl WaitTarget {
    fn reached(self, s: &InstanceStatus) -> bool {
        match self {
            WaitTarget::Running => *s == InstanceStatus::Running,
            WaitTarget::Stopped => *s == InstanceStatus::Stopped,
            WaitTarget::Settled => *s == InstanceStatus::Running || *s == InstanceStatus::Stopped,
            WaitTarget::LeftStopped => *s != InstanceStatus::Stopped && !s.is_terminal(),
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
}

impl WaitSpec {
    pub(super) fn new(target: WaitTarget, first_delay: Duration) -> Self {
        WaitSpec {
            target,
            first_delay,
            until: None,
            give_up_if_stopped_after: None,
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

impl Fleet {
    /// Polls `ids` until each reaches `spec.target`, turns out terminal or missing, or the wait
    /// ends (deadline, `spec.until`, stop request, or a failed status call).
    pub(super) async fn wait_for(
        &self,
        ids: &[String],
        spec: WaitSpec,
        ctx: &Context,
    ) -> WaitOutcome {
        let mut tracker = Tracker::new(ids, spec);
        let end = spec.until.map_or(ctx.deadline, |u| u.min(ctx.deadline));
        let mut interval = self.settings.poll_interval;
        let mut delay = spec.first_delay;
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
            match describe_all(&self.client, &keys, self.settings.batch_size, ctx).await {
                Ok(statuses) => tracker.observe(&statuses),
                Err(e) => {
                    tracker.out.error = Some(e);
                    break;
                }
            }
            if tracker.remaining.is_empty() || Instant::now() >= end {
                break;
            }
            delay = interval;
            interval = interval.mul_f64(1.5).min(self.settings.max_poll_interval);
        }
        tracker.finish(ctx)
    }
}

/// Waits `delay` (cut at `end`) before the next poll; fails on a stop request, or when the
/// context's deadline has passed.
async fn pause(delay: Duration, end: Instant, ctx: &Context) -> Result<(), Interrupted> {
    if delay.is_zero() {
        return Ok(());
    }
    let wake = (Instant::now() + delay).min(end);
    tokio::select! {
        _ = ctx.cancel.cancelled() => return Err(Interrupted::Cancelled),
        _ = tokio::time::sleep_until(wake) => {}
    }
    if ctx.expired() {
        return Err(Interrupted::Deadline);
    }
    Ok(())
}
