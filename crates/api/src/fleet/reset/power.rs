//! The power-state phases around the resets: stopping instances before (with
//! `shutdown_before_reset`), and bringing every instance back to the power state it had.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::future::join_all;
use tokio_util::sync::CancellationToken;

use super::{wait_failures, Cause, Failure, Op, Outcome, ResetReport, Stage};
use crate::fleet::status::describe_all;
use crate::fleet::wait::{WaitOutcome, WaitSpec, WaitTarget};
use crate::fleet::{Operations, POWER_RESTORE_BOUND};
use crate::{ApiError, Context, InstanceStatus};

/// Instances that reached `status` in a wait.
fn reached(outcome: &WaitOutcome, status: &InstanceStatus) -> Vec<String> {
    outcome
        .reached
        .iter()
        .filter(|(_, s)| *s == status)
        .map(|(id, _)| id.clone())
        .collect()
}

/// What the grace period after a reset decided.
#[derive(Default)]
struct AfterGrace {
    /// STOPPED before the operation, and started by the platform: to stop again.
    to_stop_again: Vec<String>,
    /// Left to the last phase (a start or a status read failed): not waited for here.
    handed_over: BTreeSet<String>,
    /// Settled already (terminal, missing): not waited for.
    settled: BTreeSet<String>,
}

impl Operations {
    /// Takes one batch to STOPPED before its reset: waits for the instances found in a
    /// transition to settle, stops (gracefully) those that run and waits for STOPPED. Returns
    /// the instances to reset: those STOPPED before and those now stopped.
    pub(super) async fn power_down(
        &self,
        ids: &[String],
        op: Op<'_>,
        report: &mut ResetReport,
    ) -> Vec<String> {
        let (ctx, poll) = (op.ctx, self.settings.poll_interval);
        let settled = |id: &&String| {
            matches!(
                op.found.get(*id),
                Some(InstanceStatus::Running | InstanceStatus::Stopped)
            ) || op.was_stopped.contains(*id)
        };
        let (mut ready, moving): (Vec<String>, Vec<String>) =
            ids.iter().cloned().partition(|id| settled(&id));
        let mut now_running: Vec<String> = Vec::new();
        if !moving.is_empty() {
            let spec = WaitSpec::new(WaitTarget::Settled, poll);
            let seen = self.wait_for(&moving, spec, ctx).await;
            report.failures.extend(wait_failures(Stage::Inspect, &seen));
            now_running = reached(&seen, &InstanceStatus::Running);
            ready.extend(reached(&seen, &InstanceStatus::Stopped));
        }
        let (stopped, running): (Vec<String>, Vec<String>) =
            ready.into_iter().chain(now_running).partition(|id| {
                op.was_stopped.contains(id) || op.found.get(id) == Some(&InstanceStatus::Stopped)
            });
        let stopping = self.stop_all(&running, ctx, report).await;
        let down = self
            .wait_for(&stopping, WaitSpec::new(WaitTarget::Stopped, poll), ctx)
            .await;
        report
            .failures
            .extend(wait_failures(Stage::WaitStopped, &down));
        let mut candidates: Vec<String> = stopped;
        candidates.extend(down.reached.into_keys());
        candidates
    }

    /// After the reset of `ids`: restarts, stops again and waits, so that each ends in the
    /// power state it had (RUNNING, unless it was STOPPED before the operation). Instances seen
    /// RUNNING at the end are recorded as restored; those whose start or status read failed
    /// are left to the last phase, which tries again.
    pub(super) async fn bring_back(&self, ids: &[String], op: Op<'_>, report: &mut ResetReport) {
        let (req, ctx) = (op.req, op.ctx);
        let watched: Vec<String> = ids
            .iter()
            .filter(|id| req.shutdown_before_reset || op.was_stopped.contains(*id))
            .cloned()
            .collect();
        let mut grace = AfterGrace::default();
        if !watched.is_empty() && !ctx.cancelled() {
            grace = self.restart_after_reset(&watched, op, report).await;
        }
        let to_wait_running: Vec<String> = ids
            .iter()
            .filter(|id| !op.was_stopped.contains(*id))
            .filter(|id| !grace.handed_over.contains(*id) && !grace.settled.contains(*id))
            .cloned()
            .collect();
        if req.wait_for_running && !to_wait_running.is_empty() {
            // Without shutdown_before_reset, an instance the platform leaves STOPPED past the
            // grace period is started below, as it ran before.
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
            report.restored.extend(up.reached.into_keys());
            if !up.stayed_stopped.is_empty() {
                let left: Vec<String> = up.stayed_stopped.into_iter().collect();
                self.start_left_stopped(&left, ctx, report).await;
            }
        }
        if !grace.to_stop_again.is_empty() {
            self.stop_again(&grace.to_stop_again, ctx, report).await;
        }
    }

    /// The last phase, whatever happened before: every instance this operation stopped and
    /// that no status read has seen RUNNING since (see [`ResetReport::restored`]) is read, and
    /// started while STOPPED, until a read sees it RUNNING. A failed read or start is tried
    /// again at the next round. The phase has its own bound, [`POWER_RESTORE_BOUND`], and
    /// ignores the stop request: it runs after a refusal, a timeout or Ctrl-C alike. It reports
    /// progress where the operation does.
    pub(super) async fn restore_power(&self, report: &mut ResetReport, op: Op<'_>) {
        let targets: Vec<String> = report
            .stopped
            .difference(&report.restored)
            .filter(|id| !op.was_stopped.contains(*id))
            .cloned()
            .collect();
        if targets.is_empty() {
            return;
        }
        let ctx = Context {
            progress: op.ctx.progress.clone(),
            ..Context::with_timeout(POWER_RESTORE_BOUND, CancellationToken::new())
        };
        let mut part = ResetReport::default();
        let restore = Restore::new(&targets);
        let outcome = self
            .restore_rounds(restore, op.req.wait_for_running, &ctx)
            .await;
        tracing::info!(
            stopped_by_this_operation = targets.len(),
            started_again = outcome.started.len(),
            restored = outcome.restored.len(),
            "power brought back"
        );
        report.started_again.extend(
            outcome
                .started
                .iter()
                .filter(|id| outcome.restored.contains(*id))
                .cloned(),
        );
        report.restored.extend(outcome.restored.iter().cloned());
        part.failures.extend(outcome.failures());
        for failure in part.failures {
            report
                .failures
                .extend(split_by_outcome(failure, &report.reset));
        }
    }

    /// The rounds of [`Operations::restore_power`]: read, start what is STOPPED, wait; until
    /// every instance is restored or settled otherwise, or the bound passes.
    async fn restore_rounds(
        &self,
        mut restore: Restore,
        wait_for_running: bool,
        ctx: &Context,
    ) -> Restore {
        let mut delay = Duration::ZERO;
        while !restore.pending.is_empty() {
            if ctx.sleep(delay).await.is_err() {
                break;
            }
            delay = self.next_poll_delay(delay);
            let ids: Vec<String> = restore.pending.keys().cloned().collect();
            match describe_all(&self.client, &ids, self.settings.batch_size, ctx).await {
                Ok(statuses) => {
                    restore.last_error = None;
                    restore.observe(&statuses, wait_for_running);
                }
                Err(e) => {
                    tracing::warn!(error = %e, instances = ids.len(), "status read failed while bringing power back; trying again");
                    restore.last_error = Some(e);
                    continue;
                }
            }
            let stopped = restore.stopped();
            if stopped.is_empty() {
                continue;
            }
            let mut starts = ResetReport::default();
            let started = self
                .start_all(&stopped, Stage::StartAgain, ctx, &mut starts)
                .await;
            restore.started.extend(started);
            if let Some(Cause::Api(e)) = starts.failures.into_iter().map(|f| f.cause).next() {
                tracing::warn!(error = %e, "StartInstances failed while bringing power back; trying again");
                restore.last_error = Some(e);
            }
        }
        restore
    }

    /// Gives the platform the grace period to restart the reset instances `watched`; starts
    /// those it left STOPPED that ran before, and says which were STOPPED before and started
    /// by the platform (to stop again). An instance that ran before and whose start or status
    /// read fails is handed over to the last phase, without a failure of its own.
    async fn restart_after_reset(
        &self,
        watched: &[String],
        op: Op<'_>,
        report: &mut ResetReport,
    ) -> AfterGrace {
        let (req, ctx) = (op.req, op.ctx);
        let grace = WaitSpec {
            until: Some(crate::context::after(self.settings.restart_grace)),
            ..WaitSpec::new(WaitTarget::LeftStopped, self.settings.poll_interval)
        };
        let watch = self.wait_for(watched, grace, ctx).await;
        let (mut after, not_restarted) = after_grace(watch, op, report);
        let mut starts = ResetReport::default();
        let started = self
            .start_all(&not_restarted, Stage::WaitRunning, ctx, &mut starts)
            .await;
        for failure in starts.failures {
            tracing::warn!(
                instances = failure.instances.len(),
                "StartInstances failed after the reset; the last phase tries again"
            );
            after
                .handed_over
                .extend(failure.instances.into_iter().map(|(id, _)| id));
        }
        if !req.wait_for_running {
            report.restored.extend(started.iter().cloned());
        }
        report.started.extend(started);
        after
    }

    /// Starts instances that ran before and that the platform left STOPPED after their reset
    /// (without `shutdown_before_reset`), and waits for them; the last phase sees back those
    /// whose start or wait fails.
    async fn start_left_stopped(&self, ids: &[String], ctx: &Context, report: &mut ResetReport) {
        report.stopped.extend(ids.iter().cloned());
        let mut starts = ResetReport::default();
        let started = self
            .start_all(ids, Stage::WaitRunning, ctx, &mut starts)
            .await;
        report.started.extend(started.iter().cloned());
        let spec = WaitSpec::new(WaitTarget::Running, self.settings.poll_interval);
        let up = self.wait_for(&started, spec, ctx).await;
        report.restored.extend(up.reached.into_keys());
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
        let results = join_all(calls).await;
        // A stop whose answer was lost (or that was in flight at the deadline) may have taken
        // effect: count it as stopped, so that the last phase brings the instance back.
        for (batch, result) in &results {
            if result.as_ref().is_err_and(|e| e.outcome_unknown) {
                report.stopped.extend(batch.iter().cloned());
            }
            if result.as_ref().map_or_else(|e| e.outcome_unknown, |_| true) {
                ctx.stopped(batch);
            }
        }
        let accepted = collect_batches(Stage::Stop, results, report);
        report.stopped.extend(accepted.iter().cloned());
        accepted
    }

    /// StartInstances in batches. Returns the instances whose start was accepted; each
    /// refused batch is a failure of `stage`.
    pub(super) async fn start_all(
        &self,
        ids: &[String],
        stage: Stage,
        ctx: &Context,
        report: &mut ResetReport,
    ) -> Vec<String> {
        let calls = self
            .batches(ids)
            .map(|batch| async move { (batch, self.client.start_instances(batch, ctx).await) });
        collect_batches(stage, join_all(calls).await, report)
    }
}

/// What the grace period after a reset (`watch`) decided, and the instances to start: those
/// that ran before and that the platform left STOPPED (with `shutdown_before_reset`).
fn after_grace(
    mut watch: WaitOutcome,
    op: Op<'_>,
    report: &mut ResetReport,
) -> (AfterGrace, Vec<String>) {
    let (req, ctx) = (op.req, op.ctx);
    let mut after = AfterGrace::default();
    for id in watch.reached.keys() {
        if op.was_stopped.contains(id) {
            after.to_stop_again.push(id.clone());
        } else if !req.wait_for_running {
            // On its way up after the reset: as far as this operation follows it.
            report.restored.insert(id.clone());
        }
    }
    after.settled.extend(watch.terminal.keys().cloned());
    after.settled.extend(watch.missing.iter().cloned());
    report.failures.extend(wait_failures(
        Stage::WaitRunning,
        &WaitOutcome {
            pending: Default::default(),
            ..watch.clone()
        },
    ));
    if let Some(e) = &watch.error {
        tracing::warn!(error = %e, instances = watch.pending.len(), "status read failed after the reset; the last phase brings the instances back");
    }
    // Still STOPPED when the grace period ended: as the user had it if it was STOPPED
    // before; otherwise the platform did not restart it, and the provider starts it.
    let read_failed = watch.error.is_some();
    let mut not_restarted = Vec::new();
    watch.pending.retain(|id, status| {
        let ours = req.shutdown_before_reset && !op.was_stopped.contains(id);
        if ours && (read_failed || *status == Some(InstanceStatus::Stopped)) {
            if *status == Some(InstanceStatus::Stopped) && !read_failed && !ctx.cancelled() {
                not_restarted.push(id.clone());
            } else {
                after.handed_over.insert(id.clone());
            }
            return false;
        }
        true
    });
    // STOPPED before, and not seen again: whether the platform started it is not known.
    watch.pending.retain(|id, status| {
        op.was_stopped.contains(id) && *status != Some(InstanceStatus::Stopped)
    });
    report
        .failures
        .extend(wait_failures(Stage::Restore, &watch));
    (after, not_restarted)
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

/// The last phase's record of the instances it brings back.
struct Restore {
    /// Not brought back yet, with the last status read.
    pending: BTreeMap<String, Option<InstanceStatus>>,
    /// Seen RUNNING (or on their way up after an accepted start, without `wait_for_running`).
    restored: BTreeSet<String>,
    /// Started by this phase.
    started: BTreeSet<String>,
    terminal: BTreeMap<String, InstanceStatus>,
    missing: BTreeSet<String>,
    /// What failed in the last round, if anything did: a status read or a start.
    last_error: Option<ApiError>,
}

impl Restore {
    fn new(ids: &[String]) -> Self {
        Restore {
            pending: ids.iter().map(|id| (id.clone(), None)).collect(),
            restored: BTreeSet::new(),
            started: BTreeSet::new(),
            terminal: BTreeMap::new(),
            missing: BTreeSet::new(),
            last_error: None,
        }
    }

    /// Takes one round of statuses.
    fn observe(&mut self, statuses: &crate::fleet::Statuses, wait_for_running: bool) {
        let ids: Vec<String> = self.pending.keys().cloned().collect();
        for id in ids {
            let Some(status) = statuses.get(&id) else {
                self.pending.remove(&id);
                self.missing.insert(id);
                continue;
            };
            let on_its_way = !wait_for_running
                && self.started.contains(&id)
                && !matches!(status, InstanceStatus::Stopped | InstanceStatus::Stopping);
            if *status == InstanceStatus::Running || on_its_way {
                self.pending.remove(&id);
                self.restored.insert(id);
            } else if status.is_terminal() {
                self.pending.remove(&id);
                self.terminal.insert(id, status.clone());
            } else {
                self.pending.insert(id, Some(status.clone()));
            }
        }
    }

    /// The instances STOPPED at the last read: to start.
    fn stopped(&self) -> Vec<String> {
        self.pending
            .iter()
            .filter(|(_, s)| **s == Some(InstanceStatus::Stopped))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The instances not brought back, as failures of the last phase.
    fn failures(&self) -> Vec<Failure> {
        let outcome = WaitOutcome {
            terminal: self.terminal.clone(),
            missing: self.missing.clone(),
            pending: self.pending.clone(),
            error: self.last_error.clone(),
            interrupted: (self.last_error.is_none() && !self.pending.is_empty())
                .then_some(crate::Interrupted::Deadline),
            ..WaitOutcome::default()
        };
        wait_failures(Stage::StartAgain, &outcome)
    }
}
