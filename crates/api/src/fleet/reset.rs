//! The password reset over a set of instances, with its power-state handling.
//!
//! The API's reference disagrees with itself about the power state a reset needs: one part says
//! instances must be stopped (and restart by themselves afterwards), another that only RUNNING
//! instances are accepted. This module copes with both:
//!
//! - Without `shutdown_before_reset`, instances are reset as they are. A refusal is narrowed
//!   down with one status read: instances in a transition are waited for and retried, the others
//!   are reported with their status and the rule the API applied.
//! - With `shutdown_before_reset`, RUNNING instances are stopped gracefully and waited for,
//!   then reset. Afterwards every instance is brought back to the power state it had: those the
//!   platform does not restart within the grace period are started, and instances that were
//!   STOPPED before are stopped again if the platform started them. If the API turns out to want
//!   RUNNING instances, the stopped ones are started and the reset retried.
//!
//! The report says exactly which instances were reset; failures never hide other batches'
//! successes.

use std::collections::{BTreeMap, BTreeSet};

use std::time::Duration;

use futures::future::join_all;
use tokio::time::Instant;

use super::wait::{WaitOutcome, WaitSpec, WaitTarget};
use super::Fleet;
use crate::secret::Secret;
use crate::{ApiError, Context, ErrorKind, InstanceStatus, Interrupted, PowerRule};

/// How many times one batch's reset is sent after refusals are narrowed down.
const RESET_ROUNDS: u32 = 3;

/// What to reset, and how.
#[derive(Debug, Clone, Copy)]
pub struct ResetRequest<'a> {
    /// The instances, without duplicates.
    pub instance_ids: &'a [String],
    /// The new password.
    pub password: &'a Secret,
    /// Stop RUNNING instances first (gracefully) and bring them back afterwards.
    pub shutdown_before_reset: bool,
    /// Wait until the instances are RUNNING again.
    pub wait_for_running: bool,
}

/// The step of the operation a failure happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the instances' status before stopping them.
    Inspect,
    /// StopInstances before the reset.
    Stop,
    /// Waiting for STOPPED before the reset.
    WaitStopped,
    /// ResetInstancesPassword.
    Reset,
    /// StartInstances for instances the platform did not restart.
    Start,
    /// Waiting for RUNNING after the reset.
    WaitRunning,
    /// Stopping again instances that were STOPPED before the operation.
    Restore,
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
    /// The instances are in a status they do not come back from.
    Terminal,
    /// The instances no longer exist.
    NotFound,
    /// The operation's timeout passed while waiting for them.
    TimedOut,
    /// Terraform asked the provider to stop.
    Cancelled,
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
    /// The power rule a refusal revealed, if any.
    pub rule_seen: Option<PowerRule>,
    /// Instances this operation stopped before the reset.
    pub stopped: BTreeSet<String>,
    /// Instances this operation started (not restarted by the platform, or started so that
    /// the API would accept the reset).
    pub started: BTreeSet<String>,
    /// Instances that were STOPPED before and were stopped again after the platform started them.
    pub restopped: BTreeSet<String>,
    /// Instances that stayed STOPPED after the reset and were not waited for (without
    /// `shutdown_before_reset`, the provider does not start instances itself).
    pub not_restarted: BTreeSet<String>,
}

impl ResetReport {
    /// Whether every step succeeded.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }

    /// Instances named in a failure.
    pub fn failed_instances(&self) -> BTreeSet<String> {
        self.failures
            .iter()
            .flat_map(|f| f.instances.iter().map(|(id, _)| id.clone()))
            .collect()
    }
}

impl Failure {
    fn new(stage: Stage, ids: &[String], cause: Cause) -> Self {
        Failure {
            stage,
            instances: ids.iter().map(|id| (id.clone(), None)).collect(),
            cause,
        }
    }

    fn api(stage: Stage, ids: &[String], error: ApiError) -> Self {
        let cause = match error.kind {
            ErrorKind::Cancelled => Cause::Cancelled,
            ErrorKind::DeadlineExceeded => Cause::TimedOut,
            _ => Cause::Api(error),
        };
        Failure::new(stage, ids, cause)
    }
}

/// The part of one batch's reset.
#[derive(Default)]
struct BatchOutcome {
    reset: Vec<String>,
    request_ids: Vec<String>,
    failures: Vec<Failure>,
    rule_seen: Option<PowerRule>,
    started: Vec<String>,
}

/// Turns the instances a wait did not bring to its target into failures of `stage`.
fn wait_failures(stage: Stage, outcome: &WaitOutcome, failures: &mut Vec<Failure>) {
    if !outcome.terminal.is_empty() {
        failures.push(Failure {
            stage,
            instances: outcome
                .terminal
                .iter()
                .map(|(id, s)| (id.clone(), Some(s.clone())))
                .collect(),
            cause: Cause::Terminal,
        });
    }
    if !outcome.missing.is_empty() {
        failures.push(Failure {
            stage,
            instances: outcome
                .missing
                .iter()
                .map(|id| (id.clone(), None))
                .collect(),
            cause: Cause::NotFound,
        });
    }
    if !outcome.pending.is_empty() {
        let cause = match (&outcome.error, outcome.interrupted) {
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
        });
    }
}

fn ids_of<'a>(
    map: impl IntoIterator<Item = (&'a String, &'a InstanceStatus)>,
    pred: impl Fn(&InstanceStatus) -> bool,
) -> Vec<String> {
    map.into_iter()
        .filter(|(_, s)| pred(s))
        .map(|(id, _)| id.clone())
        .collect()
}

impl Fleet {
    /// Resets the password of `req.instance_ids`, handling power state as described in the
    /// module documentation, within `ctx`.
    pub async fn reset_passwords(&self, req: ResetRequest<'_>, ctx: &Context) -> ResetReport {
        let mut report = ResetReport::default();
        let poll = self.settings.poll_interval;

        // 1. With shutdown_before_reset: stop what runs, remember what was already stopped.
        let mut was_stopped: BTreeSet<String> = BTreeSet::new();
        let candidates: Vec<String> = if req.shutdown_before_reset {
            let seen = self
                .wait_for(
                    req.instance_ids,
                    WaitSpec::new(WaitTarget::Settled, Duration::ZERO),
                    ctx,
                )
                .await;
            wait_failures(Stage::Inspect, &seen, &mut report.failures);
            was_stopped = ids_of(&seen.reached, |s| *s == InstanceStatus::Stopped)
                .into_iter()
                .collect();
            let running = ids_of(&seen.reached, |s| *s == InstanceStatus::Running);
            let (stopped_ok, stop_failures) = self.stop_all(&running, ctx).await;
            report.failures.extend(stop_failures);
            report.stopped.extend(stopped_ok.iter().cloned());
            let down = self
                .wait_for(&stopped_ok, WaitSpec::new(WaitTarget::Stopped, poll), ctx)
                .await;
            wait_failures(Stage::WaitStopped, &down, &mut report.failures);
            was_stopped
                .iter()
                .cloned()
                .chain(down.reached.into_keys())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        } else {
            req.instance_ids.to_vec()
        };

        // 2. The resets, batch by batch; the client's concurrency limit paces them.
        let batches = self
            .batches(&candidates)
            .map(|batch| self.reset_batch(batch, req, ctx));
        for outcome in join_all(batches).await {
            report.reset.extend(outcome.reset);
            report.request_ids.extend(outcome.request_ids);
            report.failures.extend(outcome.failures);
            report.started.extend(outcome.started);
            if outcome.rule_seen.is_some() {
                report.rule_seen = outcome.rule_seen;
            }
        }

        // 3. Bring the instances back.
        let expect_up: Vec<String> = report
            .reset
            .iter()
            .filter(|id| !was_stopped.contains(*id))
            .cloned()
            .collect();
        let mut restop: Vec<String> = Vec::new();
        if req.shutdown_before_reset {
            let watch: Vec<String> = report.reset.iter().cloned().collect();
            if !watch.is_empty() && !ctx.cancelled() {
                let grace = WaitSpec {
                    until: Some(Instant::now() + self.settings.restart_grace),
                    ..WaitSpec::new(WaitTarget::LeftStopped, poll)
                };
                let mut came_up = self.wait_for(&watch, grace, ctx).await;
                restop = came_up
                    .reached
                    .keys()
                    .filter(|id| was_stopped.contains(*id))
                    .cloned()
                    .collect();
                let mut not_up: Vec<String> = Vec::new();
                came_up.pending.retain(|id, status| {
                    let still_stopped = *status == Some(InstanceStatus::Stopped);
                    if still_stopped && was_stopped.contains(id) {
                        return false; // stopped before, still stopped: as the user had it
                    }
                    if still_stopped && came_up.error.is_none() && !ctx.cancelled() {
                        not_up.push(id.clone());
                        return false;
                    }
                    true
                });
                wait_failures(Stage::WaitRunning, &came_up, &mut report.failures);
                let (started, start_failures) = self.start_all(&not_up, ctx).await;
                report.failures.extend(start_failures);
                report.started.extend(started);
            }
        }
        if req.wait_for_running && !expect_up.is_empty() {
            let spec = WaitSpec {
                give_up_if_stopped_after: (!req.shutdown_before_reset)
                    .then_some(self.settings.restart_grace),
                ..WaitSpec::new(WaitTarget::Running, poll)
            };
            let up = self.wait_for(&expect_up, spec, ctx).await;
            wait_failures(Stage::WaitRunning, &up, &mut report.failures);
            report.not_restarted.extend(up.stayed_stopped);
        }
        if !restop.is_empty() {
            self.restore_stopped(&restop, ctx, &mut report).await;
        }
        report
    }

    /// Stops again instances that were STOPPED before the operation and that the platform (or
    /// this provider) started: a graceful stop needs them RUNNING first.
    async fn restore_stopped(&self, ids: &[String], ctx: &Context, report: &mut ResetReport) {
        let poll = self.settings.poll_interval;
        let up = self
            .wait_for(ids, WaitSpec::new(WaitTarget::Running, poll), ctx)
            .await;
        wait_failures(Stage::Restore, &up, &mut report.failures);
        let running: Vec<String> = up.reached.into_keys().collect();
        let (stopped, failures) = self.stop_all(&running, ctx).await;
        report
            .failures
            .extend(failures.into_iter().map(|f| Failure {
                stage: Stage::Restore,
                ..f
            }));
        let down = self
            .wait_for(&stopped, WaitSpec::new(WaitTarget::Stopped, poll), ctx)
            .await;
        wait_failures(Stage::Restore, &down, &mut report.failures);
        report.restopped.extend(down.reached.into_keys());
    }

    /// Resets one batch, narrowing down refusals that are about power state.
    async fn reset_batch(
        &self,
        ids: &[String],
        req: ResetRequest<'_>,
        ctx: &Context,
    ) -> BatchOutcome {
        let mut out = BatchOutcome::default();
        let mut pending: Vec<String> = ids.to_vec();
        let poll = self.settings.poll_interval;
        for round in 1..=RESET_ROUNDS {
            // Retrying a reset is safe: the same password sent again leaves the same result.
            let refusal = match self
                .client
                .reset_instances_password(&pending, req.password, ctx)
                .await
            {
                Ok(request_id) => {
                    out.reset.append(&mut pending);
                    out.request_ids.push(request_id);
                    return out;
                }
                Err(e) => e,
            };
            let rule = match refusal.code().and_then(PowerRule::from_refusal) {
                Some(rule) => rule,
                None => {
                    out.failures
                        .push(Failure::api(Stage::Reset, &pending, refusal));
                    return out;
                }
            };
            out.rule_seen = Some(rule);
            if round == RESET_ROUNDS {
                out.failures
                    .push(Failure::api(Stage::Reset, &pending, refusal));
                return out;
            }

            // Which instances does the API object to? Let transitions finish, then look.
            let seen = self
                .wait_for(
                    &pending,
                    WaitSpec::new(WaitTarget::Settled, Duration::ZERO),
                    ctx,
                )
                .await;
            wait_failures(Stage::Reset, &seen, &mut out.failures);
            let wanted = match rule {
                PowerRule::Running => InstanceStatus::Running,
                PowerRule::Stopped => InstanceStatus::Stopped,
            };
            let mut next = ids_of(&seen.reached, |s| *s == wanted);
            let blocked: BTreeMap<String, InstanceStatus> = seen
                .reached
                .iter()
                .filter(|(_, s)| **s != wanted)
                .map(|(id, s)| (id.clone(), s.clone()))
                .collect();
            // Whether anything changed since the refusal (a transition finished, or instances
            // were started); if not, sending the same batch again cannot help.
            let changed = seen.polls > 1
                || (!blocked.is_empty() && rule == PowerRule::Running && req.shutdown_before_reset);
            if !blocked.is_empty() {
                if rule == PowerRule::Running && req.shutdown_before_reset {
                    // The account wants RUNNING instances: start them, wait, and reset them
                    // running; they are stopped again afterwards if they were stopped before.
                    let ids: Vec<String> = blocked.into_keys().collect();
                    let (started, start_failures) = self.start_all(&ids, ctx).await;
                    out.failures.extend(start_failures);
                    out.started.extend(started.iter().cloned());
                    let up = self
                        .wait_for(&started, WaitSpec::new(WaitTarget::Running, poll), ctx)
                        .await;
                    wait_failures(Stage::Start, &up, &mut out.failures);
                    next.extend(up.reached.into_keys());
                } else {
                    out.failures.push(Failure {
                        stage: Stage::Reset,
                        instances: blocked.into_iter().map(|(id, s)| (id, Some(s))).collect(),
                        cause: match rule {
                            PowerRule::Running => Cause::NeedsRunning(refusal.clone()),
                            PowerRule::Stopped => Cause::NeedsStopped(refusal.clone()),
                        },
                    });
                }
            }
            next.sort();
            if next.is_empty() {
                return out;
            }
            if next == pending && !changed {
                // Every instance is already as the API asks, yet it refused: narrowing down
                // cannot help, so report the refusal as it is.
                out.failures
                    .push(Failure::api(Stage::Reset, &pending, refusal));
                return out;
            }
            pending = next;
        }
        out
    }

    /// StopInstances (graceful) in batches. Returns the instances whose stop was accepted.
    async fn stop_all(&self, ids: &[String], ctx: &Context) -> (Vec<String>, Vec<Failure>) {
        let calls = self.batches(ids).map(|batch| async move {
            (batch, self.client.stop_instances(batch, false, ctx).await)
        });
        collect_batches(Stage::Stop, join_all(calls).await)
    }

    /// StartInstances in batches. Returns the instances whose start was accepted.
    async fn start_all(&self, ids: &[String], ctx: &Context) -> (Vec<String>, Vec<Failure>) {
        let calls = self
            .batches(ids)
            .map(|batch| async move { (batch, self.client.start_instances(batch, ctx).await) });
        collect_batches(Stage::Start, join_all(calls).await)
    }
}

fn collect_batches(
    stage: Stage,
    results: Vec<(&[String], Result<String, ApiError>)>,
) -> (Vec<String>, Vec<Failure>) {
    let mut ok = Vec::new();
    let mut failures = Vec::new();
    for (batch, result) in results {
        match result {
            Ok(_) => ok.extend(batch.iter().cloned()),
            Err(e) => failures.push(Failure::api(stage, batch, e)),
        }
    }
    (ok, failures)
}
