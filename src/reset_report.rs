//! Turns a [`ResetReport`] into Terraform diagnostics: for each failure, what failed, on which
//! instances (quoted, with their status), the API's code, message and request id, and what to
//! do; then what the operation did as a whole and what state records.

use tf_provider::Diagnostics;
use zenlayer_api::fleet::{Cause, Failure, Halt, Outcome, ResetReport, RolloutReport, Stage};
use zenlayer_api::{ApiError, InstanceStatus, PowerRule, Secret};
use zenlayer_words::{either, listed, plural, quoted, quoted_list, LISTED};

pub(crate) use crate::advice::Operation;
use crate::advice::{advice_line, INVOKE_AGAIN};
use crate::diagnostics::{root_error, root_warning};
use crate::durations::human;
use crate::stop::StopReason;

/// What the report is about.
pub(crate) struct ReportFacts<'a> {
    /// What the reset was for.
    pub operation: Operation,
    /// The instances that were to be reset.
    pub requested: &'a [String],
    /// The resource's password, removed from any text that comes from the API.
    pub password: &'a Secret,
    /// Whether the provider managed power state.
    pub shutdown_before_reset: bool,
    /// The timeout in force.
    pub timeout: std::time::Duration,
    /// Why the provider is stopping, if it is.
    pub stop_reason: Option<StopReason>,
}

/// The instances a failure is about, as its message names them.
struct Instances {
    count: usize,
    /// `"ins-1" (STOPPED), "ins-2", ... and 3 more`
    named: String,
}

impl Instances {
    fn of(failure: &Failure) -> Self {
        Instances {
            count: failure.instances.len(),
            named: with_statuses(&failure.instances, false),
        }
    }

    /// "1 instance", "2 instances".
    fn counted(&self) -> String {
        format!("{} instance{}", self.count, plural(self.count))
    }

    /// "its" or "their".
    fn their(&self) -> &'static str {
        either(self.count, "its", "their")
    }
}

/// The instances quoted, each with its status in brackets; an unread status is left out, or
/// with `never_read` said to be unread.
fn with_statuses(instances: &[(String, Option<InstanceStatus>)], never_read: bool) -> String {
    listed(
        instances.iter().map(|(id, status)| match status {
            Some(s) => format!("{} ({s})", quoted(id)),
            None if never_read => format!("{} (status never read)", quoted(id)),
            None => quoted(id),
        }),
        LISTED,
    )
}

/// What an unknown outcome means for the user.
fn unknown(op: Operation) -> &'static str {
    match op {
        Operation::Create | Operation::Update => {
            "the outcome is unknown: the API may have applied it; the next apply sets it again"
        }
        Operation::Invoke => {
            "the outcome is unknown: the API may have applied it; nothing repeats an action by itself, so invoke it again to be sure"
        }
    }
}

/// Where the failure happened and where the password stands.
fn failure_text(failure: &Failure, who: &Instances, op: Operation) -> String {
    if failure.outcome == Outcome::Unknown {
        return unknown(op).to_string();
    }
    let their = who.their();
    match failure.stage {
        Stage::Inspect => {
            format!("while reading the status before the reset; {their} password was not reset")
        }
        Stage::Stop => format!("while stopping before the reset; {their} password was not reset"),
        Stage::WaitStopped => {
            format!("while waiting for the stop before the reset; {their} password was not reset")
        }
        Stage::Reset => format!("{their} password was not reset"),
        Stage::StartForReset => format!(
            "while starting {} so that the API would reset {}; {their} password was not reset",
            either(who.count, "it", "them"),
            either(who.count, "it", "them")
        ),
        Stage::WaitRunning => {
            format!("after {their} password was reset, while waiting for RUNNING")
        }
        Stage::Restore => format!(
            "after {their} password was reset, while stopping again (STOPPED before the operation)"
        ),
        Stage::StartAgain if failure.outcome == Outcome::Reset => format!(
            "while bringing {} back to RUNNING after this operation stopped {}; {their} password was reset",
            either(who.count, "it", "them"),
            either(who.count, "it", "them")
        ),
        Stage::StartAgain => format!(
            "while bringing {} back to RUNNING after this operation stopped {}; {their} password was not reset",
            either(who.count, "it", "them"),
            either(who.count, "it", "them")
        ),
        Stage::Rollout => format!(
            "the rollout stopped before it reached {}: {their} password was not reset, and nothing was done to {}",
            either(who.count, "it", "them"),
            either(who.count, "it", "them")
        ),
    }
}

fn timeout_name(op: Operation) -> &'static str {
    match op {
        Operation::Create => "timeouts.create",
        Operation::Update => "timeouts.update",
        Operation::Invoke => "timeout",
    }
}

/// The summary and detail of one failure.
fn describe(
    failure: &Failure,
    facts: &ReportFacts<'_>,
    rollout: Option<&RolloutReport>,
) -> (String, String) {
    let who = Instances::of(failure);
    let stage = failure_text(failure, &who, facts.operation);
    if let (Outcome::Unknown, Cause::Api(error)) = (failure.outcome, &failure.cause) {
        return (
            format!(
                "{} failed for {}: the outcome is unknown",
                error.action,
                who.counted()
            ),
            facts.password.redact_from(&format!(
                "{error}.\nInstances ({}): {}.{}",
                unknown(facts.operation),
                who.named,
                advice_line(error, Some(facts.operation))
            )),
        );
    }
    match &failure.cause {
        Cause::NeedsRunning(refusal) => needs_running(&who, refusal, facts),
        Cause::NeedsStopped(refusal) => needs_stopped(&who, refusal, facts),
        Cause::Api(error) => (
            format!("{} failed for {}", error.action, who.counted()),
            facts.password.redact_from(&format!(
                "{error}.\nInstances ({stage}): {}.{}",
                who.named,
                advice_line(error, Some(facts.operation))
            )),
        ),
        Cause::Terminal(answer) => (
            match who.count {
                1 => "1 instance in a status it does not come back from".to_string(),
                n => format!("{n} instances in a status they do not come back from"),
            },
            facts.password.redact_from(&format!(
                "{}{}: {stage}.\n{}",
                answer.as_ref().map(|e| format!("{e}.\n")).unwrap_or_default(),
                who.named,
                remove_terminal(who.count)
            )),
        ),
        Cause::NotFound => not_found(&who, failure.stage, &stage),
        Cause::TimedOut => timed_out(&who, failure, facts),
        Cause::Cancelled => cancelled(&who, &stage, facts),
        Cause::NotReached(halt) => not_reached(&who, *halt, rollout, facts),
        Cause::Abandoned => (
            format!("Not waited for: {} still on the way to RUNNING", who.counted()),
            format!(
                "The wait for RUNNING ended at the first instance in a status it does not come back from (reported above). Still on their way ({stage}): {}.",
                with_statuses(&failure.instances, true)
            ),
        ),
    }
}

fn not_found(who: &Instances, at: Stage, stage: &str) -> (String, String) {
    if at == Stage::Inspect {
        return (
            format!("{} instance id{} not found", who.count, plural(who.count)),
            format!(
                "DescribeInstancesStatus does not know these instances: {}; {} password was not reset, and the other instances were reset without {}.\nCheck the ids (they look like \"ins-...\" in the Zenlayer console) and that the access key belongs to the account that owns them.",
                who.named,
                who.their(),
                either(who.count, "it", "them")
            ),
        );
    }
    (
        format!(
            "{} no longer exist{}",
            who.counted(),
            either(who.count, "s", "")
        ),
        format!(
            "These instances disappeared ({stage}): {}.\nRemove them from instance_ids.",
            who.named
        ),
    )
}

fn not_reached(
    who: &Instances,
    halt: Halt,
    rollout: Option<&RolloutReport>,
    facts: &ReportFacts<'_>,
) -> (String, String) {
    let failed = rollout.map_or(0, |r| r.counts.failed);
    let why = match halt {
        Halt::Failures => format!(
            "{failed} instance{} failed (named above), more than rollout.max_failures ({}) allows",
            plural(failed),
            rollout.map_or(0, |r| r.limits.max_failures)
        ),
        Halt::Canary => "A canary failed (named above)".to_string(),
        Halt::Cancelled => facts
            .stop_reason
            .map_or("The operation was interrupted".to_string(), |r| {
                capitalized(&r.to_string())
            }),
        Halt::TimedOut => format!(
            "The {} of {} passed",
            timeout_name(facts.operation),
            human(facts.timeout)
        ),
        Halt::Blocked => "Every place in the rollout's window is held by instances that did not come back RUNNING (named above)".to_string(),
    };
    let todo = match (halt, facts.operation) {
        (Halt::Cancelled | Halt::TimedOut, _) => apply_again(facts.operation).to_string(),
        (_, Operation::Invoke) => "Fix what failed, then invoke again with instance_ids set to the instances not reset (listed below): an action keeps no state, so invoking it on the same list resets every instance again.".to_string(),
        _ => "Fix what failed (or remove those instances from instance_ids) and apply again: state records only the instances reset, so the next apply resets the rest, within the same rollout (for a failed create, see below).".to_string(),
    };
    (
        format!("Rollout stopped: {} not reached", who.counted()),
        format!(
            "{why}, so nothing new was started. Left untouched, their password not reset: {}.\n{todo}",
            who.named
        ),
    )
}

fn cancelled(who: &Instances, stage: &str, facts: &ReportFacts<'_>) -> (String, String) {
    let why = facts
        .stop_reason
        .map_or("The operation was interrupted".to_string(), |r| {
            capitalized(&r.to_string())
        });
    (
        format!("Interrupted with {} not done", who.counted()),
        format!(
            "{why} ({stage}). Instances: {}.\n{}",
            who.named,
            apply_again(facts.operation)
        ),
    )
}

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What applying again does after a failed `op`.
fn apply_again(op: Operation) -> &'static str {
    match op {
        Operation::Create => {
            "Apply again to finish: Terraform replaces a resource whose create failed, so the next apply resets every listed instance again (run `terraform untaint` on it first to reset only the missing ones)."
        }
        Operation::Update => {
            "Apply again to finish: the next apply resets exactly the added instances that are missing."
        }
        Operation::Invoke => INVOKE_AGAIN,
    }
}

fn needs_running(who: &Instances, refusal: &ApiError, facts: &ReportFacts<'_>) -> (String, String) {
    let or_shutdown = if facts.shutdown_before_reset {
        ""
    } else {
        ", or set shutdown_before_reset = true to let the provider start them for the reset and stop them again afterwards"
    };
    (
        format!(
            "Password not reset on {}: the API resets only RUNNING instances",
            who.counted()
        ),
        facts.password.redact_from(&format!(
            "{refusal}.\nOn this account the API resets passwords only on RUNNING instances. Not running: {}.\n\
             Start {} and {}{or_shutdown}.",
            who.named,
            either(who.count, "it", "them"),
            match facts.operation {
                Operation::Invoke => "invoke the action again",
                Operation::Create | Operation::Update => "apply again",
            }
        )),
    )
}

fn needs_stopped(who: &Instances, refusal: &ApiError, facts: &ReportFacts<'_>) -> (String, String) {
    let what_to_do = if facts.shutdown_before_reset {
        "The provider had stopped them, yet they were running again when their reset was sent: something started them meanwhile (another apply or invoke on the same instances, or someone in the console). Let one operation at a time reset them, then try again."
    } else {
        "Set shutdown_before_reset = true: the provider then stops RUNNING instances gracefully before the reset and brings them back afterwards."
    };
    (
        format!(
            "Password not reset on {}: the API wants them STOPPED",
            who.counted()
        ),
        facts.password.redact_from(&format!(
            "{refusal}.\nOn this account the API resets passwords only on STOPPED instances. Not stopped: {}.\n{what_to_do}",
            who.named
        )),
    )
}

/// What to do about `n` instances in a terminal status.
pub(crate) fn remove_terminal(n: usize) -> String {
    let (subject, it) = (either(n, "It is", "They are"), either(n, "it", "them"));
    format!(
        "{subject} failed, being released or in the recycle bin, and the API will not reset {it}: remove {it} from instance_ids. When the ids come from a zenlayer_instances data source, set resettable_only = true there to leave out such instances."
    )
}

fn timed_out(who: &Instances, failure: &Failure, facts: &ReportFacts<'_>) -> (String, String) {
    let counted = who.counted();
    let what = match failure.stage {
        Stage::WaitRunning => format!("Timed out waiting for {counted} to be RUNNING"),
        Stage::WaitStopped => format!("Timed out waiting for {counted} to stop"),
        Stage::StartAgain => {
            format!("{counted} stopped for the reset not seen RUNNING again (left off)")
        }
        _ => format!("Timed out with {counted} not done"),
    };
    let bound = timeout_name(facts.operation);
    let raise = match failure.stage {
        Stage::StartAgain => format!(
            "Check {} in the Zenlayer console and start {} once {} stopped.",
            either(who.count, "it", "them"),
            either(who.count, "it", "them"),
            either(who.count, "it has", "they have")
        ),
        _ => format!("Raise {bound}. {}", apply_again(facts.operation)),
    };
    let limit = match failure.stage {
        Stage::StartAgain => format!(
            "The provider read, started and read again for {} (its bound for bringing power back) without seeing {} RUNNING",
            human(zenlayer_api::fleet::POWER_RESTORE_BOUND),
            either(who.count, "it", "them")
        ),
        _ => format!("The {bound} of {} passed", human(facts.timeout)),
    };
    (
        what,
        format!(
            "{limit} ({}). Last status: {}.\n{raise}",
            failure_text(failure, who, facts.operation),
            with_statuses(&failure.instances, true)
        ),
    )
}

/// Adds the report's errors and warnings to `diags`.
pub(crate) fn add_diagnostics(
    diags: &mut Diagnostics,
    report: &ResetReport,
    facts: &ReportFacts<'_>,
) {
    let groups = grouped(&report.failures);
    let last = groups.len().saturating_sub(1);
    for (n, (failure, calls)) in groups.iter().enumerate() {
        let (summary, detail) = describe(failure, facts, report.rollout.as_ref());
        let calls = match calls {
            1 => String::new(),
            n => format!("\nThis happened to {n} batches, shown as one (with the first one's answer, where there was one)."),
        };
        // What the operation did as a whole is said once, after the last error.
        let footer = if n == last {
            footer(report, facts)
        } else {
            String::new()
        };
        root_error(diags, summary, format!("{detail}{calls}{footer}"));
    }
    power_warnings(diags, report, facts);
}

/// The failures of one kind (same step, same outcome, same cause and, for an API error, the
/// same action and code) as one, with how many there were: a run of 300 batches interrupted
/// at once says it once.
fn grouped(failures: &[Failure]) -> Vec<(Failure, usize)> {
    let mut groups: Vec<(String, Failure, usize)> = Vec::new();
    for failure in failures {
        let key = kind_of(failure);
        match groups.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, group, n)) => {
                group.instances.extend(failure.instances.iter().cloned());
                *n += 1;
            }
            None => groups.push((key, failure.clone(), 1)),
        }
    }
    groups.into_iter().map(|(_, f, n)| (f, n)).collect()
}

/// What makes two failures the same kind.
fn kind_of(failure: &Failure) -> String {
    let cause = match &failure.cause {
        Cause::Api(e) | Cause::NeedsRunning(e) | Cause::NeedsStopped(e) => format!(
            "{:?} {} {} {:?}",
            std::mem::discriminant(&failure.cause),
            e.action,
            e.code().unwrap_or_default(),
            e.status()
        ),
        other => format!("{:?}", std::mem::discriminant(other)),
    };
    format!("{:?} {:?} {cause}", failure.stage, failure.outcome)
}

/// What the operation as a whole did, and what state records.
fn footer(report: &ResetReport, facts: &ReportFacts<'_>) -> String {
    let done = report.reset.len();
    let unknown = match report.unknown.len() {
        0 => String::new(),
        1 => format!(" For 1 instance {}.", unknown(facts.operation)),
        n => format!(" For {n} instances {}.", unknown(facts.operation)),
    };
    let requested = facts.requested.len();
    let s = plural(requested);
    let main = match (facts.operation, report.failures.is_empty(), done) {
        (_, true, _) => return String::new(),
        (Operation::Create, false, 0) if !report.unknown.is_empty() => format!(
            "\n\nNo reset was confirmed (0 of {requested}); nothing was recorded in state."
        ),
        (Operation::Create, false, 0) => format!(
            "\n\nNo password was reset (0 of {requested}); nothing was recorded in state."
        ),
        (Operation::Create, false, _) => format!(
            "\n\nThe password was reset on {done} of {requested} instance{s}; state records only those. Terraform marks a resource \
             whose create failed as tainted, so the next apply replaces it and resets every listed instance again \
             (same password, one more restart each). To reset only what is missing, run `terraform untaint` on this \
             resource before the next apply."
        ),
        (Operation::Update, false, _) => format!(
            "\n\nThe password was reset on {done} of the {requested} added instance{s}; state records only those, so the next \
             apply resets exactly the instances that are missing."
        ),
        (Operation::Invoke, false, _) => {
            return format!(
                "{}{}",
                rollout_line(report.rollout.as_ref()),
                invoke_footer(report, facts.requested)
            )
        }
    };
    format!("{}{main}{unknown}", rollout_line(report.rollout.as_ref()))
}

/// Where a rollout ended, in the counts its progress lines use.
pub(crate) fn rollout_line(rollout: Option<&RolloutReport>) -> String {
    let Some(r) = rollout else {
        return String::new();
    };
    let c = r.counts;
    format!(
        "\n\nRollout: reset {} of {}, {} failed, {} not reached{}.",
        c.reset,
        c.total,
        c.failed,
        c.not_reached,
        if c.restarting > 0 {
            format!(", {} still restarting", c.restarting)
        } else {
            String::new()
        }
    )
}

/// What an invoke's report ends with, per instance: reset, not reset, unknown. An action keeps
/// no state, so this is the only record of where each password stands.
fn invoke_footer(report: &ResetReport, requested: &[String]) -> String {
    let not_reset: Vec<&String> = requested
        .iter()
        .filter(|id| !report.reset.contains(*id) && !report.unknown.contains(*id))
        .collect();
    let named = |ids: Vec<&String>| match ids.len() {
        0 => "none".to_string(),
        _ => listed(ids.into_iter().map(|id| quoted(id)), LISTED),
    };
    format!(
        "\n\nWhat is known, of {} instance{}: reset ({}): {}; not reset ({}): {}; unknown ({}): {}. An action keeps no state: nothing was recorded.",
        requested.len(),
        plural(requested.len()),
        report.reset.len(),
        named(report.reset.iter().collect()),
        not_reset.len(),
        named(not_reset),
        report.unknown.len(),
        named(report.unknown.iter().collect()),
    )
}

/// The warnings about power state: a needless shutdown, instances left STOPPED, instances
/// started again.
fn power_warnings(diags: &mut Diagnostics, report: &ResetReport, facts: &ReportFacts<'_>) {
    if facts.shutdown_before_reset && report.rule_seen == Some(PowerRule::Running) {
        // Only the instances that were running before this operation stopped them.
        let restarted = report.started.intersection(&report.stopped).count();
        root_warning(
            diags,
            "shutdown_before_reset is not needed on this account",
            format!(
                "The API refused to reset STOPPED instances (OPERATION_DENIED_INSTANCE_NOT_RUNNING): on this account it \
                 resets only RUNNING instances. The provider started {restarted} instance{} again and reset them running. Set \
                 shutdown_before_reset = false to avoid the needless stop and start.",
                plural(restarted)
            ),
        );
    }
    if !facts.shutdown_before_reset && !report.started.is_empty() {
        let n = report.started.len();
        root_warning(
            diags,
            format!("{n} instance{} stayed STOPPED after the reset", plural(n)),
            format!(
                "The platform did not restart {} within the provider's restart_grace_period after {} password was reset, so the provider started {}, as {} ran before: {}.",
                either(n, "it", "them"),
                either(n, "its", "their"),
                either(n, "it", "them"),
                either(n, "it", "they"),
                quoted_list(&report.started.iter().collect::<Vec<_>>()),
            ),
        );
    }
    if !report.started_again.is_empty() {
        let n = report.started_again.len();
        root_warning(
            diags,
            format!(
                "{n} instance{} stopped for the reset {} started again",
                plural(n),
                either(n, "was", "were")
            ),
            format!(
                "Started again: {}. They were RUNNING before this operation stopped them for the reset, and it ended without bringing them back (a refusal, the timeout or an interruption), so the provider started them again.",
                quoted_list(&report.started_again.iter().collect::<Vec<_>>())
            ),
        );
    }
}

#[cfg(test)]
mod tests;
