//! The password reset over a set of instances, with its power-state handling.
//!
//! The API's reference disagrees with itself about the power state a reset needs: one part says
//! instances must be stopped (and restart by themselves afterwards), another that only RUNNING
//! instances are accepted. This module copes with both, in phases:
//!
//! 1. [`inspect`]: one status read of every instance. Ids that do not exist and instances in a
//!    status they do not come back from are reported and left out; the others' power state is
//!    remembered, so that each ends as it was found.
//! 2. For each batch: with `shutdown_before_reset`, [`power`] stops what runs (gracefully) and
//!    waits for STOPPED; then [`batch`] resets it. A refusal is narrowed down with one status
//!    read: instances in a transition are waited for and retried, the others are reported with
//!    their status and the rule the API applied (or, with `shutdown_before_reset` under the
//!    running rule, started and reset running).
//! 3. [`power`] after each accepted reset: every instance is brought back to the power state it
//!    had. Those the platform does not restart within the grace period are started; instances
//!    that were STOPPED before are stopped again if the platform started them; then the wait
//!    for RUNNING, which ends at the first instance in a status it does not come back from.
//! 4. [`power`], last and whatever happened before (a refusal, a failed start or status read,
//!    the timeout, a stop request): every instance this operation stopped and that no status
//!    read has seen RUNNING since is read, started and read again until it is seen RUNNING,
//!    within its own bound ([`super::POWER_RESTORE_BOUND`]); only then is it named as left off.
//!
//! The report says exactly which instances were reset; failures never hide other batches'
//! successes.

mod batch;
mod inspect;
mod power;
mod rollout;
mod schedule;

use std::collections::BTreeSet;

use futures::future::join_all;

pub use rollout::{Amount, AmountError, RolloutPlan, RolloutReport};
pub use schedule::{Halt, Limits, RolloutCounts};

use super::wait::WaitOutcome;
use super::Operations;
use crate::secret::Secret;
use crate::{ApiError, Context, ErrorKind, InstanceStatus, Interrupted, PowerRule};

/// What to reset, and how: the one description of a reset, from the provider that asks for it
/// to every phase of the operation. Its bounds (the timeout, the stop signal) and who hears of
/// its progress travel in the [`Context`].
#[derive(Debug, Clone)]
pub struct ResetRequest {
    /// The instances, without duplicates.
    pub instance_ids: Vec<String>,
    /// The new password.
    pub password: Secret,
    /// Stop RUNNING instances first (gracefully) and bring them back afterwards.
    pub shutdown_before_reset: bool,
    /// Wait until the instances are RUNNING again.
    pub wait_for_running: bool,
    /// Roll the reset out within a disruption budget (which needs `wait_for_running`).
    pub rollout: Option<RolloutPlan>,
}

/// What every phase of one operation needs: the request, its bounds, and what the first
/// phase found.
#[derive(Debug, Clone, Copy)]
pub(super) struct Op<'a> {
    pub(super) req: &'a ResetRequest,
    pub(super) ctx: &'a Context,
    /// The instances that were STOPPED (or stopping) before the operation: they are left
    /// STOPPED.
    pub(super) was_stopped: &'a BTreeSet<String>,
    /// Each instance's status as the first phase read it.
    pub(super) found: &'a super::Statuses,
}

/// The step of the operation a failure happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the instances' status before anything else.
    Inspect,
    /// StopInstances before the reset.
    Stop,
    /// Waiting for STOPPED before the reset.
    WaitStopped,
    /// ResetInstancesPassword.
    Reset,
    /// StartInstances before the reset, for an account that resets only RUNNING instances.
    StartForReset,
    /// Waiting for RUNNING after the reset.
    WaitRunning,
    /// Stopping again instances that were STOPPED before the operation.
    Restore,
    /// Bringing back, at the end, instances this operation stopped and no status read has seen
    /// RUNNING since.
    StartAgain,
    /// Waiting for a place in the rollout.
    Rollout,
}

/// Why a set of instances failed.
#[derive(Debug, Clone)]
pub enum Cause {
    /// An API call failed.
    Api(ApiError),
    /// The API resets only STOPPED instances, and these were not stopped.
    NeedsStopped(ApiError),
    /// The API resets only RUNNING instances, and these were not running.
    NeedsRunning(ApiError),
    /// The instances are in a status they do not come back from; with the API's refusal that
    /// said so, when one did.
    Terminal(Option<ApiError>),
    /// The instances no longer exist.
    NotFound,
    /// The operation's timeout passed while waiting for them.
    TimedOut,
    /// Terraform asked the provider to stop.
    Cancelled,
    /// The wait for RUNNING ended early, at another instance's terminal status.
    Abandoned,
    /// The rollout stopped before it reached them: nothing was done to them.
    NotReached(Halt),
}

/// Where an instance's password stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not reset: the failure came before the reset, or the API refused it.
    NotReset,
    /// Unknown: a reset call may have reached the API and no answer said it was refused.
    Unknown,
    /// Reset: the failure came afterwards (while waiting, starting or stopping again).
    Reset,
}

impl Stage {
    /// Where an instance that failed at this stage stands, unless the failure says otherwise.
    fn outcome(self) -> Outcome {
        match self {
            Stage::Inspect
            | Stage::Stop
            | Stage::WaitStopped
            | Stage::Reset
            | Stage::StartForReset
            | Stage::StartAgain
            | Stage::Rollout => Outcome::NotReset,
            Stage::WaitRunning | Stage::Restore => Outcome::Reset,
        }
    }
}

/// Instances that could not be taken through a step, with their last known status.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The step.
    pub stage: Stage,
    /// The instances and their last known status.
    pub instances: Vec<(String, Option<InstanceStatus>)>,
    /// Why.
    pub cause: Cause,
    /// Where their password stands.
    pub outcome: Outcome,
}

/// What a reset did.
#[derive(Debug, Default, Clone)]
pub struct ResetReport {
    /// Instances whose reset the API accepted. Only these may be recorded as reset.
    pub reset: BTreeSet<String>,
    /// Request ids of the accepted ResetInstancesPassword calls, in batch order.
    pub request_ids: Vec<String>,
    /// Everything that went wrong.
    pub failures: Vec<Failure>,
    /// Instances whose reset may have taken effect, without confirmation. They are not among
    /// [`ResetReport::reset`]: only confirmed resets may be recorded.
    pub unknown: BTreeSet<String>,
    /// The power rule a refusal revealed, if any.
    pub rule_seen: Option<PowerRule>,
    /// Instances this operation took out of RUNNING and must see RUNNING again: those it
    /// stopped before the reset, and those that ran before and stayed STOPPED after it.
    pub stopped: BTreeSet<String>,
    /// Instances this operation started (not restarted by the platform, or started so that
    /// the API would accept the reset).
    pub started: BTreeSet<String>,
    /// Instances that were STOPPED before and were stopped again after the platform started them.
    pub stopped_again: BTreeSet<String>,
    /// Instances this operation stopped and then, because the operation did not bring them
    /// back (a refusal, a failed start, the timeout, a stop request), started again at its end.
    pub started_again: BTreeSet<String>,
    /// Instances seen RUNNING by a status read after everything this operation did to them
    /// (or, without `wait_for_running`, seen on their way up after an accepted start or
    /// reset): the last phase leaves them alone.
    pub restored: BTreeSet<String>,
    /// How the rollout went, when there was one.
    pub rollout: Option<RolloutReport>,
}

impl Failure {
    fn new(stage: Stage, ids: &[String], cause: Cause) -> Self {
        Failure {
            stage,
            instances: ids.iter().map(|id| (id.clone(), None)).collect(),
            cause,
            outcome: stage.outcome(),
        }
    }

    /// The failure of an API call of `stage` for `ids`: cancellation and the deadline are
    /// causes of their own; a reset that may have taken effect has an unknown outcome.
    fn api(stage: Stage, ids: &[String], error: ApiError) -> Self {
        let unknown = stage == Stage::Reset && error.outcome_unknown;
        let cause = match error.kind {
            ErrorKind::Cancelled => Cause::Cancelled,
            ErrorKind::DeadlineExceeded => Cause::TimedOut,
            _ => Cause::Api(error),
        };
        let failure = Failure::new(stage, ids, cause);
        if unknown {
            failure.with_outcome(Outcome::Unknown)
        } else {
            failure
        }
    }

    /// The same failure, with the instances' password standing as `outcome`.
    fn with_outcome(self, outcome: Outcome) -> Self {
        Failure { outcome, ..self }
    }
}

/// The failures of the instances a wait did not bring to its target.
fn wait_failures(stage: Stage, outcome: &WaitOutcome) -> Vec<Failure> {
    let mut failures = Vec::new();
    if !outcome.terminal.is_empty() {
        failures.push(Failure {
            stage,
            instances: with_status(outcome.terminal.iter()),
            cause: Cause::Terminal(None),
            outcome: stage.outcome(),
        });
    }
    if !outcome.missing.is_empty() {
        let missing: Vec<String> = outcome.missing.iter().cloned().collect();
        failures.push(Failure::new(stage, &missing, Cause::NotFound));
    }
    if !outcome.pending.is_empty() {
        let cause = match (&outcome.error, outcome.interrupted) {
            _ if outcome.ended_at_terminal => Cause::Abandoned,
            // A status read cut by the operation's own bounds: said as the timeout or the
            // stop, like any other wait.
            (Some(e), _) if e.kind == ErrorKind::DeadlineExceeded => Cause::TimedOut,
            (Some(e), _) if e.kind == ErrorKind::Cancelled => Cause::Cancelled,
            (Some(e), _) => Cause::Api(e.clone()),
            (None, Some(Interrupted::Cancelled)) => Cause::Cancelled,
            (None, _) => Cause::TimedOut,
        };
        failures.push(Failure {
            stage,
            instances: outcome
                .pending
                .iter()
                .map(|(id, s)| (id.clone(), s.clone()))
                .collect(),
            cause,
            outcome: stage.outcome(),
        });
    }
    failures
}

fn with_status<'a>(
    entries: impl Iterator<Item = (&'a String, &'a InstanceStatus)>,
) -> Vec<(String, Option<InstanceStatus>)> {
    entries
        .map(|(id, s)| (id.clone(), Some(s.clone())))
        .collect()
}

impl Operations {
    /// Resets the password of `req.instance_ids`, handling power state as described in the
    /// module documentation, within `ctx`.
    pub async fn reset_passwords(&self, req: &ResetRequest, ctx: &Context) -> ResetReport {
        let mut report = ResetReport::default();
        let found = self.inspect(&req.instance_ids, ctx, &mut report).await;
        let op = Op {
            req,
            ctx,
            was_stopped: &found.was_stopped,
            found: &found.statuses,
        };
        if let Some(progress) = &ctx.progress {
            let calls = found.candidates.len().div_ceil(self.settings.batch_size);
            progress.resets_planned(req.instance_ids.len(), calls);
        }
        if req.rollout.is_some() || self.budget.is_some() {
            self.roll_out(found.candidates.clone(), req.rollout, op, &mut report)
                .await;
        } else {
            let batches = self
                .batches(&found.candidates)
                .map(|batch| self.reset_batch(batch, op));
            for outcome in join_all(batches).await {
                outcome.merge_into(&mut report);
            }
            self.restore_power(&mut report, op).await;
        }
        report.unknown = report
            .failures
            .iter()
            .filter(|f| f.outcome == Outcome::Unknown)
            .flat_map(|f| f.instances.iter().map(|(id, _)| id.clone()))
            .filter(|id| !report.reset.contains(id))
            .collect();
        report
    }
}

#[cfg(test)]
mod restore_tests;
#[cfg(test)]
mod rollout_tests;
#[cfg(test)]
mod tests;
