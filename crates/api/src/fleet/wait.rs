//! Waiting for instances to reach a power state, by polling DescribeInstancesStatus in batches
//! with a growing interval.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tokio::time::Instant;

use super::status::describe_all;
use super::Fleet;
use crate::{ApiError, Context, InstanceStatus, Interrupted};

/// The state a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitTarget {
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
pub struct WaitOutcome {
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

impl Fleet {
    /// Polls `ids` until each reaches `spec.target`, turns out terminal or missing, or the wait
    /// ends (deadline, `spec.until`, stop request, or a failed status call).
    pub(super) async fn wait_for(
        &self,
        ids: &[String],
        spec: WaitSpec,
        ctx: &Context,
    ) -> WaitOutcome {
        struct Track {
            last: Option<InstanceStatus>,
            left_stopped: bool,
        }
        let mut out = WaitOutcome::default();
        let mut remaining: BTreeMap<String, Track> = ids
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    Track {
                        last: None,
                        left_stopped: false,
                    },
                )
            })
            .collect();
        let started = Instant::now();
        let end = spec.until.map_or(ctx.deadline, |u| u.min(ctx.deadline));
        let mut interval = self.settings.poll_interval;
        let mut delay = spec.first_delay;

        while !remaining.is_empty() {
            if !delay.is_zero() {
                let wake = (Instant::now() + delay).min(end);
                tokio::select! {
                    _ = ctx.cancel.cancelled() => {
                        out.interrupted = Some(Interrupted::Cancelled);
                        break;
                    }
                    _ = tokio::time::sleep_until(wake) => {}
                }
                if ctx.expired() {
                    out.interrupted = Some(Interrupted::Deadline);
                    break;
                }
            }
            let keys: Vec<String> = remaining.keys().cloned().collect();
            let statuses =
                match describe_all(&self.client, &keys, self.settings.batch_size, ctx).await {
                    Ok(s) => s,
                    Err(e) => {
                        out.error = Some(e);
                        break;
                    }
                };
            out.polls += 1;
            for id in keys {
                let Some(track) = remaining.get_mut(&id) else {
                    continue;
                };
                let Some(status) = statuses.get(&id) else {
                    remaining.remove(&id);
                    out.missing.insert(id);
                    continue;
                };
                if *status != InstanceStatus::Stopped {
                    track.left_stopped = true;
                }
                track.last = Some(status.clone());
                if spec.target.reached(status) {
                    remaining.remove(&id);
                    out.reached.insert(id, status.clone());
                } else if status.is_terminal() {
                    remaining.remove(&id);
                    out.terminal.insert(id, status.clone());
                } else if *status == InstanceStatus::Stopped
                    && !track.left_stopped
                    && spec
                        .give_up_if_stopped_after
                        .is_some_and(|g| started.elapsed() >= g)
                {
                    remaining.remove(&id);
                    out.stayed_stopped.insert(id);
                }
            }
            if remaining.is_empty() || Instant::now() >= end {
                break;
            }
            delay = interval;
            interval = interval.mul_f64(1.5).min(self.settings.max_poll_interval);
        }
        if out.interrupted.is_none()
            && out.error.is_none()
            && !remaining.is_empty()
            && ctx.expired()
        {
            out.interrupted = Some(Interrupted::Deadline);
        }
        out.pending = remaining.into_iter().map(|(id, t)| (id, t.last)).collect();
        out
    }
}
