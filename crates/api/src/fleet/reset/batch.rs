//! One batch's reset, narrowing down refusals that are about power state.
//!
//! A refusal is looked into with one status read. Instances already in the status the API
//! wants are sent again at once; instances in a transition (REBOOT, BOOTING, STOPPING) are
//! waited for on their own and sent when they settle, so that one slow instance never holds
//! back the others; instances in another settled status are reported (or, with
//! `shutdown_before_reset` under the running rule, started and reset running).

use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::BoxFuture;

use super::{wait_failures, Cause, Failure, Op, Outcome, ResetReport, Stage};
use crate::fleet::wait::{WaitOutcome, WaitSpec, WaitTarget};
use crate::fleet::Operations;
use crate::{ApiError, Context, InstanceStatus, PowerRule};
use zenlayer_protocol::code;

/// How many times one instance's reset is sent, at most, while refusals are narrowed down.
const RESET_ROUNDS: u32 = 3;

/// What one batch's reset did; merged into the operation's report.
#[derive(Default)]
pub(super) struct BatchOutcome {
    report: ResetReport,
}

impl BatchOutcome {
    /// Adds this batch's results to `report`.
    pub(super) fn merge_into(self, report: &mut ResetReport) {
        merge(self.report, report);
    }
}

/// Adds the results of one part of an operation to `report`.
pub(super) fn merge(part: ResetReport, report: &mut ResetReport) {
    report.reset.extend(part.reset);
    report.request_ids.extend(part.request_ids);
    report.failures.extend(part.failures);
    report.started.extend(part.started);
    report.stopped.extend(part.stopped);
    report.stopped_again.extend(part.stopped_again);
    report.restored.extend(part.restored);
    report.started_again.extend(part.started_again);
    if part.rule_seen.is_some() {
        report.rule_seen = part.rule_seen;
    }
}

/// A refusal to narrow down: what the API said, and the rule it revealed.
#[derive(Clone)]
struct Refusal {
    error: ApiError,
    rule: Option<PowerRule>,
}

/// The refused instances, sorted by one status read.
#[derive(Default)]
struct Sorted {
    /// In the status the rule wants (any settled status without a rule): send again now.
    ready: Vec<String>,
    /// In a transition: wait until they settle.
    moving: Vec<String>,
    /// Settled in a status the API will not reset them in.
    blocked: BTreeMap<String, InstanceStatus>,
}

impl Operations {
    /// Resets one batch (stopped first, with `shutdown_before_reset`), narrowing down
    /// refusals about power state or released instances; any other refusal fails the batch.
    pub(super) async fn reset_batch(&self, ids: &[String], op: Op<'_>) -> BatchOutcome {
        let mut report = ResetReport::default();
        let ready = if op.req.shutdown_before_reset {
            self.power_down(ids, op, &mut report).await
        } else {
            ids.to_vec()
        };
        merge(self.reset_round(ready, op, RESET_ROUNDS).await, &mut report);
        BatchOutcome { report }
    }

    /// Sends the reset of `ids` and, once it is accepted, brings them back to their power
    /// state (so that instances reset early are not kept waiting by others). On a refusal that
    /// can be narrowed down, sends the ready ones again at once and the moving ones once they
    /// settle, with `rounds` sends left in all.
    fn reset_round<'a>(
        &'a self,
        ids: Vec<String>,
        op: Op<'a>,
        rounds: u32,
    ) -> BoxFuture<'a, ResetReport> {
        Box::pin(async move {
            let (req, ctx) = (op.req, op.ctx);
            let mut report = ResetReport::default();
            if ids.is_empty() {
                return report;
            }
            // Retrying a reset is safe: the same password sent again leaves the same result.
            let answer = self
                .client
                .reset_instances_password(&ids, &req.password, ctx)
                .await;
            heard(&ids, &answer, ctx);
            let error = match answer {
                Ok(request_id) => {
                    report.reset.extend(ids.iter().cloned());
                    report.request_ids.push(request_id);
                    self.bring_back(&ids, op, &mut report).await;
                    return report;
                }
                Err(e) => e,
            };
            let refusal = Refusal {
                rule: error.code().and_then(PowerRule::from_refusal),
                error,
            };
            report.rule_seen = refusal.rule;
            let recycled = refusal.error.code() == Some(code::OPERATION_DENIED_INSTANCE_RECYCLED);
            if rounds <= 1 || (refusal.rule.is_none() && !recycled) {
                report
                    .failures
                    .push(Failure::api(Stage::Reset, &ids, refusal.error));
                return report;
            }
            let look = WaitSpec::new(WaitTarget::Everything, Duration::ZERO);
            let seen = self.wait_for(&ids, look, ctx).await;
            let sorted = self
                .sort_refused(&ids, seen, &refusal, op, &mut report)
                .await;
            let (now, later) = futures::join!(
                self.reset_round(sorted.ready, op, rounds - 1),
                self.reset_when_settled(sorted.moving, &refusal, op, rounds - 1),
            );
            merge(now, &mut report);
            merge(later, &mut report);
            report
        })
    }

    /// Sorts refused instances after one status read (`seen`): terminal, missing and blocked
    /// ones are reported in `report`; returns the ready and the moving ones.
    async fn sort_refused(
        &self,
        ids: &[String],
        seen: WaitOutcome,
        refusal: &Refusal,
        op: Op<'_>,
        report: &mut ResetReport,
    ) -> Sorted {
        let unread = match (&seen.error, seen.interrupted) {
            (Some(_), _) => Some(Cause::Api(refusal.error.clone())),
            (None, Some(crate::Interrupted::Cancelled)) => Some(Cause::Cancelled),
            (None, Some(crate::Interrupted::Deadline)) => Some(Cause::TimedOut),
            (None, None) => None,
        };
        if let Some(cause) = unread {
            // Nothing is known beyond the refusal (the status read failed, or the operation
            // ended): report it as it is.
            report.failures.push(Failure::new(Stage::Reset, ids, cause));
            return Sorted::default();
        }
        // The refusal goes with the instances it was about (released, recycled).
        report
            .failures
            .extend(
                wait_failures(Stage::Reset, &seen)
                    .into_iter()
                    .map(|f| match f.cause {
                        Cause::Terminal(None) => Failure {
                            cause: Cause::Terminal(Some(refusal.error.clone())),
                            ..f
                        },
                        _ => f,
                    }),
            );
        let mut sorted = Sorted::default();
        let wanted = refusal.rule.map(PowerRule::required_status);
        for (id, status) in seen.reached {
            if wanted.as_ref().is_none_or(|w| *w == status) {
                sorted.ready.push(id);
            } else if status == InstanceStatus::Running || status == InstanceStatus::Stopped {
                sorted.blocked.insert(id, status);
            } else {
                sorted.moving.push(id);
            }
        }
        if sorted.ready.len() == ids.len() {
            // Every instance is already as the API asks, yet it refused: sending the same
            // instances again cannot help, so report the refusal as it is.
            report
                .failures
                .push(Failure::api(Stage::Reset, ids, refusal.error.clone()));
            return Sorted::default();
        }
        let blocked = std::mem::take(&mut sorted.blocked);
        sorted
            .ready
            .extend(self.handle_blocked(blocked, refusal, op, report).await);
        sorted
    }

    /// Instances settled in a status the API will not reset: under the running rule with
    /// `shutdown_before_reset` they are started (and returned, to be reset running); otherwise
    /// they are reported with the rule the API applied.
    async fn handle_blocked(
        &self,
        blocked: BTreeMap<String, InstanceStatus>,
        refusal: &Refusal,
        op: Op<'_>,
        report: &mut ResetReport,
    ) -> Vec<String> {
        let Some(rule) = refusal.rule.filter(|_| !blocked.is_empty()) else {
            return Vec::new();
        };
        if rule == PowerRule::Running && op.req.shutdown_before_reset {
            // The account wants RUNNING instances: start them and reset them running; they
            // are stopped again afterwards if they were stopped before.
            return self.start_for_reset(blocked, op.ctx, report).await;
        }
        report
            .failures
            .push(power_refusal(blocked, rule, refusal.error.clone()));
        Vec::new()
    }

    /// Waits until `moving` instances leave their transition, then resets those the API will
    /// take; the others are reported as after any refusal.
    async fn reset_when_settled(
        &self,
        moving: Vec<String>,
        refusal: &Refusal,
        op: Op<'_>,
        rounds: u32,
    ) -> ResetReport {
        let mut report = ResetReport::default();
        if moving.is_empty() {
            return report;
        }
        let spec = WaitSpec::new(WaitTarget::Settled, self.settings.poll_interval);
        let settled = self.wait_for(&moving, spec, op.ctx).await;
        report
            .failures
            .extend(wait_failures(Stage::Reset, &settled));
        let wanted = refusal.rule.map(PowerRule::required_status);
        let (ready, blocked): (BTreeMap<_, _>, BTreeMap<_, _>) = settled
            .reached
            .into_iter()
            .partition(|(_, s)| wanted.as_ref().is_none_or(|w| s == w));
        let mut ready: Vec<String> = ready.into_keys().collect();
        ready.extend(self.handle_blocked(blocked, refusal, op, &mut report).await);
        merge(self.reset_round(ready, op, rounds).await, &mut report);
        report
    }

    /// Starts `blocked` instances and waits for RUNNING; returns those that got there.
    async fn start_for_reset(
        &self,
        blocked: BTreeMap<String, InstanceStatus>,
        ctx: &Context,
        report: &mut ResetReport,
    ) -> Vec<String> {
        let ids: Vec<String> = blocked.into_keys().collect();
        let mut starting = ResetReport::default();
        let started = self
            .start_all(&ids, Stage::StartForReset, ctx, &mut starting)
            .await;
        // Not reset yet: these starts come before the reset.
        report.failures.extend(
            starting
                .failures
                .into_iter()
                .map(|f| f.with_outcome(Outcome::NotReset)),
        );
        report.started.extend(started.iter().cloned());
        let spec = WaitSpec::new(WaitTarget::Running, self.settings.poll_interval);
        let up = self.wait_for(&started, spec, ctx).await;
        report.failures.extend(
            wait_failures(Stage::StartForReset, &up)
                .into_iter()
                .map(|f| f.with_outcome(Outcome::NotReset)),
        );
        up.reached.into_keys().collect()
    }
}

/// Tells a rollout's window of a reset that may have taken effect, and the progress of every
/// answer.
fn heard(ids: &[String], answer: &Result<String, ApiError>, ctx: &Context) {
    if answer.as_ref().map_or_else(|e| e.outcome_unknown, |_| true) {
        ctx.reset(ids);
    }
    if let Some(progress) = &ctx.progress {
        let failed = answer
            .as_ref()
            .err()
            .map(|e| e.code().unwrap_or("no answer"));
        progress.reset_call(ids.len(), failed);
    }
}

/// The failure of instances the API will not reset in the status they are in.
fn power_refusal(
    blocked: BTreeMap<String, InstanceStatus>,
    rule: PowerRule,
    refusal: ApiError,
) -> Failure {
    Failure {
        stage: Stage::Reset,
        instances: blocked.into_iter().map(|(id, s)| (id, Some(s))).collect(),
        cause: match rule {
            PowerRule::Running => Cause::NeedsRunning(refusal),
            PowerRule::Stopped => Cause::NeedsStopped(refusal),
        },
        outcome: Outcome::NotReset,
    }
}
