//! The power-state phases around the resets: stopping instances before (with
//! `shutdown_before_reset`), and bringing every instance back to the power state it had.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::future::join_all;
use tokio_util::sync::CancellationToken;

use super::{wait_failures, Failure, Op, Outcome, ResetReport, Stage};
use crate::fleet::wait::{WaitOutcome, WaitSpec, WaitTarget};
use crate::fleet::{Operations, POWER_RESTORE_BOUND};
use crate::{ApiError, Context, InstanceStatus};

/// What the first phase leaves for the resets.
pub(super) struct Prepared {
    /// The instances to reset.
    pub(super) candidates: Vec<String>,
    /// The instances that were STOPPED before the operation: they are left STOPPED.
    pub(super) was_stopped: BTreeSet<String>,
}

impl Prepared {
    /// Without `shutdown_before_reset`: every instance, as it is.
    pub(super) fn as_they_are(ids: &[String]) -> Self {
        Prepared {
            candidates: ids.to_vec(),
            was_stopped: BTreeSet::new(),
        }
    }
}

/// Instances that reached `status` in a wait.
fn reached(outcome: &WaitOutcome, status: &InstanceStatus) -> Vec<String> {
    outcome
        .reached
        .iter()
        .filter(|(_, s)| *s == status)
        .map(|(id, _)| id.clone())
        .collect()
}

impl Operations {
    /// Stops what runs (gracefully) and waits for STOPPED; remembers what was already stopped.
    pub(super) async fn power_down(
        &self,
        ids: &[String],
        ctx: &Context,
        report: &mut ResetReport,
    ) -> Prepared {
        let poll = self.settings.poll_interval;
        let seen = self
            .wait_for(ids, WaitSpec::new(WaitTarget::Settled, Duration::ZERO), ctx)
            .await;
        report.failures.extend(wait_failures(Stage::Inspect, &seen));
        let was_stopped: BTreeSet<String> = reached(&seen, &InstanceStatus::Stopped)
            .into_iter()
            .collect();
        let running = reached(&seen, &InstanceStatus::Running);
        let stopping = self.stop_all(&running, ctx, report).await;
        let down = self
            .wait_for(&stopping, WaitSpec::new(WaitTarget::Stopped, poll), ctx)
            .await;
        report
            .failures
            .extend(wait_failures(Stage::WaitStopped, &down));
        let candidates: BTreeSet<String> = was_stopped
            .iter()
            .cloned()
            .chain(down.reached.into_keys())
            .collect();
        Prepared {
            candidates: candidates.into_iter().collect(),
            was_stopped,
        }
    }

    /// After the reset of `ids`: restarts, stops again and waits, so that each ends in the
    /// power state it had (RUNNING, unless it was STOPPED before the operation). Those given
    /// their restart in full (the operation was neither stopped nor out of time before it) are
    /// recorded as brought back.
    pub(super) async fn bring_back(&self, ids: &[String], op: Op<'_>, report: &mut ResetReport) {
        let (req, ctx) = (op.req, op.ctx);
        let mut to_stop_again = Vec::new();
        if req.shutdown_before_reset && !ctx.cancelled() {
            to_stop_again = self
                .restart_after_reset(ids, op.was_stopped, ctx, report)
                .await;
            if !ctx.cancelled() && !ctx.expired() {
                report.brought_back.extend(ids.iter().cloned());
            }
        }
        let to_wait_running: Vec<String> = ids
            .iter()
            .filter(|id| !op.was_stopped.contains(*id))
            .cloned()
            .collect();
        if req.wait_for_running && !to_wait_running.is_empty() {
            let spec = WaitSpec {
                give_up_if_stopped_after: (!req.shutdown_before_reset)
                    .then_some(self.settings.restart_grace),
                end_at_terminal: true,
                ..WaitSpec::new(WaitTarget::Running, self.settings.poll_interval)
            };
            let up = self.wait_for(&to_wait_running, spec, ctx).await;
            report
                .failures
                .extend(wait_failures(Stage::WaitRunning, &up));
            report.not_restarted.extend(up.stayed_stopped);
        }
        if !to_stop_again.is_empty() {
            self.stop_again(&to_stop_again, ctx, report).await;
        }
    }

    /// The last phase, whatever happened before: starts again every instance this operation
    /// stopped and did not bring back, once its stop has finished. Its waits have their own
    /// bound, [`POWER_RESTORE_BOUND`] (its calls one request timeout more), and ignore the stop
    /// request: it runs after a refusal, a timeout or Ctrl-C alike. It reports progress where
    /// the operation (`op_ctx`) does.
    pub(super) async fn start_again(&self, report: &mut ResetReport, op_ctx: &Context) {
        let targets: Vec<String> = report
            .stopped
            .difference(&report.brought_back)
            .cloned()
            .collect();
        if targets.is_empty() {
            return;
        }
        let bound = POWER_RESTORE_BOUND.saturating_add(self.request_timeout());
        let ctx = Context {
            progress: op_ctx.progress.clone(),
            ..Context::with_timeout(bound, CancellationToken::new())
        };
        // A STOPPING instance cannot be started: let stops in progress finish first.
        let spec = WaitSpec {
            until: Some(crate::context::after(POWER_RESTORE_BOUND)),
            ..WaitSpec::new(WaitTarget::NotStopping, Duration::ZERO)
        };
        let seen = self.wait_for(&targets, spec, &ctx).await;
        let mut part = ResetReport::default();
        part.failures
            .extend(wait_failures(Stage::StartAgain, &seen));
        let stopped = reached(&seen, &InstanceStatus::Stopped);
        let started = self.start_all(&stopped, &ctx, &mut part).await;
        tracing::info!(
            stopped_by_this_operation = targets.len(),
            started_again = started.len(),
            "power brought back"
        );
        report.started_again.extend(started);
        for failure in part.failures {
            report
                .failures
                .extend(split_by_outcome(failure, &report.reset));
        }
    }

    /// Gives the platform the grace period to restart the reset instances, and starts those it
    /// left STOPPED (unless they were STOPPED before). Returns the instances that were STOPPED
    /// before and that the platform started: they are to be stopped again.
    async fn restart_after_reset(
        &self,
        watched: &[String],
        was_stopped: &BTreeSet<String>,
        ctx: &Context,
        report: &mut ResetReport,
    ) -> Vec<String> {
        let grace = WaitSpec {
            until: Some(crate::context::after(self.settings.restart_grace)),
            ..WaitSpec::new(WaitTarget::LeftStopped, self.settings.poll_interval)
        };
        let mut watch = self.wait_for(watched, grace, ctx).await;
        let to_stop_again = watch
            .reached
            .keys()
            .filter(|id| was_stopped.contains(*id))
            .cloned()
            .collect();
        // Still STOPPED when the grace period ended: as the user had it if it was STOPPED
        // before; otherwise the platform did not restart it, and the provider starts it.
        let can_start = watch.error.is_none() && !ctx.cancelled();
        let mut not_restarted = Vec::new();
        watch.pending.retain(|id, status| {
            if *status != Some(InstanceStatus::Stopped) {
                return true;
            }
            if !was_stopped.contains(id) && can_start {
                not_restarted.push(id.clone());
                return false;
            }
            !was_stopped.contains(id)
        });
        report
            .failures
            .extend(wait_failures(Stage::WaitRunning, &watch));
        let started = self.start_all(&not_restarted, ctx, report).await;
        report.started.extend(started);
        to_stop_again
    }

    /// Stops again instances that were STOPPED before the operation and that the platform (or
    /// this provider) started: a graceful stop needs them RUNNING first.
    async fn stop_again(&self, ids: &[String], ctx: &Context, report: &mut ResetReport) {
        let poll = self.settings.poll_interval;
        let up = self
            .wait_for(ids, WaitSpec::new(WaitTarget::Running, poll), ctx)
            .await;
        report.failures.extend(wait_failures(Stage::Restore, &up));
        let running: Vec<String> = up.reached.into_keys().collect();
        let mut stop_report = ResetReport::default();
        let stopping = self.stop_all(&running, ctx, &mut stop_report).await;
        report
            .failures
            .extend(stop_report.failures.into_iter().map(|f| Failure {
                stage: Stage::Restore,
                ..f
            }));
        let down = self
            .wait_for(&stopping, WaitSpec::new(WaitTarget::Stopped, poll), ctx)
            .await;
        report.failures.extend(wait_failures(Stage::Restore, &down));
        report.stopped_again.extend(down.reached.into_keys());
    }

    /// StopInstances (graceful) in batches. Returns the instances whose stop was accepted, and
    /// records them as stopped by this operation.
    async fn stop_all(
        &self,
        ids: &[String],
        ctx: &Context,
        report: &mut ResetReport,
    ) -> Vec<String> {
        let calls = self.batches(ids).map(|batch| async move {
            (batch, self.client.stop_instances(batch, false, ctx).await)
        });
        let accepted = collect_batches(Stage::Stop, join_all(calls).await, report);
        // A stop whose answer was lost may have taken effect: count it as stopped, so that the
        // last phase starts the instance again if it is down.
        report.stopped.extend(accepted.iter().cloned());
        report.stopped.extend(
            report
                .failures
                .iter()
                .filter(|f| f.stage == Stage::Stop && f.outcome_unknown_call())
                .flat_map(|f| f.instances.iter().map(|(id, _)| id.clone()))
                .collect::<Vec<_>>(),
        );
        accepted
    }

    /// StartInstances in batches. Returns the instances whose start was accepted.
    pub(super) async fn start_all(
        &self,
        ids: &[String],
        ctx: &Context,
        report: &mut ResetReport,
    ) -> Vec<String> {
        let calls = self
            .batches(ids)
            .map(|batch| async move { (batch, self.client.start_instances(batch, ctx).await) });
        collect_batches(Stage::Start, join_all(calls).await, report)
    }
}

/// `failure` as one failure per outcome: its instances in `reset` were reset, the others not.
fn split_by_outcome(failure: Failure, reset: &BTreeSet<String>) -> Vec<Failure> {
    let (done, not_done): (Vec<_>, Vec<_>) = failure
        .instances
        .iter()
        .cloned()
        .partition(|(id, _)| reset.contains(id));
    [(done, Outcome::Reset), (not_done, Outcome::NotReset)]
        .into_iter()
        .filter(|(instances, _)| !instances.is_empty())
        .map(|(instances, outcome)| Failure {
            instances,
            outcome,
            ..failure.clone()
        })
        .collect()
}

/// The instances of the accepted calls; each refused batch is a failure of `stage`.
fn collect_batches(
    stage: Stage,
    results: Vec<(&[String], Result<String, ApiError>)>,
    report: &mut ResetReport,
) -> Vec<String> {
    let mut accepted = Vec::new();
    for (batch, result) in results {
        match result {
            Ok(_) => accepted.extend(batch.iter().cloned()),
            Err(e) => report.failures.push(Failure::api(stage, batch, e)),
        }
    }
    accepted
}
