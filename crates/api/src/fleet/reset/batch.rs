//! One batch's reset, narrowing down refusals that are about power state.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{wait_failures, Cause, Failure, Outcome, ResetReport, ResetRequest, Stage};
use crate::fleet::wait::{WaitSpec, WaitTarget};
use crate::fleet::Fleet;
use crate::{ApiError, Context, InstanceStatus, PowerRule};
use zenlayer_protocol::code;

/// How many times one batch's reset is sent after refusals are narrowed down.
const RESET_ROUNDS: u32 = 3;

/// What one batch's reset did; merged into the operation's report.
#[derive(Default)]
pub(super) struct BatchOutcome {
    report: ResetReport,
}

impl BatchOutcome {
    /// Adds this batch's results to `report`.
    pub(super) fn merge_into(self, report: &mut ResetReport) {
        let part = self.report;
        report.reset.extend(part.reset);
        report.request_ids.extend(part.request_ids);
        report.failures.extend(part.failures);
        report.started.extend(part.started);
        if part.rule_seen.is_some() {
            report.rule_seen = part.rule_seen;
        }
    }
}

/// Where a refused batch stands after one status read.
struct Narrowed {
    /// Instances in the status the rule wants: to be sent again.
    ready: Vec<String>,
    /// Instances in another (settled) status.
    blocked: BTreeMap<String, InstanceStatus>,
    /// Whether anything moved since the refusal (a transition finished): if not, sending the
    /// same instances again cannot help.
    moved: bool,
}

impl Fleet {
    /// Resets one batch. A refusal about power state, or about an instance being released, is
    /// narrowed down and the batch sent again, at most [`RESET_ROUNDS`] times in all; any other
    /// refusal fails the batch.
    pub(super) async fn reset_batch(
        &self,
        ids: &[String],
        req: ResetRequest<'_>,
        ctx: &Context,
    ) -> BatchOutcome {
        let mut out = BatchOutcome::default();
        let report = &mut out.report;
        let mut pending: Vec<String> = ids.to_vec();
        for round in 1..=RESET_ROUNDS {
            // Retrying a reset is safe: the same password sent again leaves the same result.
            let refusal = match self
                .client
                .reset_instances_password(&pending, req.password, ctx)
                .await
            {
                Ok(request_id) => {
                    report.reset.extend(pending);
                    report.request_ids.push(request_id);
                    break;
                }
                Err(e) => e,
            };
            let rule = refusal.code().and_then(PowerRule::from_refusal);
            report.rule_seen = rule.or(report.rule_seen);
            let recycled = refusal.code() == Some(code::OPERATION_DENIED_INSTANCE_RECYCLED);
            if round == RESET_ROUNDS || (rule.is_none() && !recycled) {
                report
                    .failures
                    .push(Failure::api(Stage::Reset, &pending, refusal));
                break;
            }
            match self
                .next_round(&pending, rule, &refusal, req, ctx, report)
                .await
            {
                Some(next) => pending = next,
                None => break,
            }
        }
        out
    }

    /// After a refusal about power state (`rule`) or about released instances (no rule): the
    /// instances to send again, or `None` when there is nothing left worth sending (the others
    /// are reported in `report`).
    async fn next_round(
        &self,
        pending: &[String],
        rule: Option<PowerRule>,
        refusal: &ApiError,
        req: ResetRequest<'_>,
        ctx: &Context,
        report: &mut ResetReport,
    ) -> Option<Vec<String>> {
        let narrowed = self.narrow(pending, rule, ctx, report).await;
        let mut next = narrowed.ready;
        let mut moved = narrowed.moved;
        if let Some(rule) = rule.filter(|_| !narrowed.blocked.is_empty()) {
            if rule == PowerRule::Running && req.shutdown_before_reset {
                // The account wants RUNNING instances: start them and reset them running;
                // they are stopped again afterwards if they were stopped before.
                next.extend(self.start_for_reset(narrowed.blocked, ctx, report).await);
                moved = true;
            } else {
                report
                    .failures
                    .push(power_refusal(narrowed.blocked, rule, refusal.clone()));
            }
        }
        next.sort();
        if next.is_empty() {
            return None;
        }
        if next == pending && !moved {
            // Every instance is already as the API asks, yet it refused: narrowing down cannot
            // help, so report the refusal as it is.
            report
                .failures
                .push(Failure::api(Stage::Reset, pending, refusal.clone()));
            return None;
        }
        Some(next)
    }

    /// Reads the refused instances' status, letting transitions finish, and sorts them by the
    /// rule's wanted status (any settled status without a rule). Instances found in a terminal
    /// status are reported (as failures of the reset) and left out.
    async fn narrow(
        &self,
        pending: &[String],
        rule: Option<PowerRule>,
        ctx: &Context,
        report: &mut ResetReport,
    ) -> Narrowed {
        let seen = self
            .wait_for(
                pending,
                WaitSpec::new(WaitTarget::Settled, Duration::ZERO),
                ctx,
            )
            .await;
        report.failures.extend(wait_failures(Stage::Reset, &seen));
        let wanted = rule.map(PowerRule::required_status);
        let (ready, blocked): (BTreeMap<_, _>, BTreeMap<_, _>) = seen
            .reached
            .into_iter()
            .partition(|(_, s)| wanted.as_ref().is_none_or(|w| s == w));
        Narrowed {
            ready: ready.into_keys().collect(),
            blocked,
            moved: seen.polls > 1,
        }
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
        let started = self.start_all(&ids, ctx, &mut starting).await;
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
            wait_failures(Stage::Start, &up)
                .into_iter()
                .map(|f| f.with_outcome(Outcome::NotReset)),
        );
        up.reached.into_keys().collect()
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
