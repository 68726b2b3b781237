//! Turns a [`ResetReport`] into Terraform diagnostics: for each failure, what failed, on which
//! instances (with their status), the API's code, message and request id, and what to do.

use tf_provider::Diagnostics;

use super::state::Operation;
use crate::provider::advice::advice_line;
use crate::provider::diagnostics::{root_error, root_warning};
use crate::stop::StopReason;
use zenlayer_api::fleet::{Cause, Failure, Outcome, ResetReport, Stage};
use zenlayer_api::Secret;
use zenlayer_api::{ApiError, InstanceStatus, PowerRule};

/// How many instances an error lists before summarising the rest.
const LISTED: usize = 20;

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What the report is about.
pub(super) struct ReportInput<'a> {
    /// Create or update.
    pub operation: Operation,
    /// How many instances were to be reset.
    pub requested: usize,
    /// The resource's password, removed from any text that comes from the API.
    pub password: &'a Secret,
    /// Whether the provider managed power state.
    pub shutdown_before_reset: bool,
    /// The timeout in force.
    pub timeout: std::time::Duration,
    /// Why the provider is stopping, if it is.
    pub stop_reason: Option<StopReason>,
}

/// The plural ending for `n` things.
pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `ins-1 (REBOOT), ins-2 (status never read), ... and 3 more`: a wait's last statuses.
fn last_statuses(instances: &[(String, Option<InstanceStatus>)]) -> String {
    let mut parts: Vec<String> = instances
        .iter()
        .take(LISTED)
        .map(|(id, status)| match status {
            Some(s) => format!("{id} ({s})"),
            None => format!("{id} (status never read)"),
        })
        .collect();
    if instances.len() > LISTED {
        parts.push(format!("and {} more", instances.len() - LISTED));
    }
    parts.join(", ")
}

/// `ins-1 (STOPPED), ins-2, ... and 3 more`
pub(super) fn list_instances(instances: &[(String, Option<InstanceStatus>)]) -> String {
    let mut parts: Vec<String> = instances
        .iter()
        .take(LISTED)
        .map(|(id, status)| match status {
            Some(s) => format!("{id} ({s})"),
            None => id.clone(),
        })
        .collect();
    if instances.len() > LISTED {
        parts.push(format!("and {} more", instances.len() - LISTED));
    }
    parts.join(", ")
}

/// What an unknown outcome means for the user.
const UNKNOWN: &str =
    "the outcome is unknown: the API may have applied it; the next apply sets it again";

/// Where the failure happened and where the password stands.
fn failure_text(failure: &Failure) -> &'static str {
    match failure.outcome {
        Outcome::Unknown => UNKNOWN,
        _ => stage_text(failure.stage),
    }
}

fn stage_text(stage: Stage) -> &'static str {
    match stage {
        Stage::Inspect => {
            "while reading their status before stopping them; their password was not reset"
        }
        Stage::Stop => "while stopping them before the reset; their password was not reset",
        Stage::WaitStopped => {
            "while waiting for them to stop before the reset; their password was not reset"
        }
        Stage::Reset => "their password was not reset",
        Stage::Start => "while starting them",
        Stage::WaitRunning => {
            "after their password was reset, while waiting for them to be RUNNING"
        }
        Stage::Restore => {
            "after their password was reset, while stopping them again (they were STOPPED before)"
        }
    }
}

fn timeout_name(op: Operation) -> &'static str {
    match op {
        Operation::Create => "timeouts.create",
        Operation::Update => "timeouts.update",
    }
}

/// The instances a failure is about, as the messages name them.
struct Subject {
    /// How many.
    n: usize,
    /// "s" or "".
    s: &'static str,
    /// `ins-1 (STOPPED), ins-2, ...`
    list: String,
}

/// The summary and detail of one failure.
fn describe(failure: &Failure, cx: &ReportInput<'_>) -> (String, String) {
    let n = failure.instances.len();
    let who = Subject {
        n,
        s: plural(n),
        list: list_instances(&failure.instances),
    };
    let stage = failure_text(failure);
    if failure.outcome == Outcome::Unknown {
        if let Cause::Api(error) = &failure.cause {
            return (
                format!(
                    "{} failed for {} instance{}: the outcome is unknown",
                    error.action, who.n, who.s
                ),
                cx.password.redact_from(&format!(
                    "{error}.\nInstances ({UNKNOWN}): {}.{}",
                    who.list,
                    advice_line(error)
                )),
            );
        }
    }
    match &failure.cause {
        Cause::NeedsRunning(refusal) => needs_running(&who, refusal, cx),
        Cause::NeedsStopped(refusal) => needs_stopped(&who, refusal, cx),
        Cause::Api(error) => (
            format!("{} failed for {} instance{}", error.action, who.n, who.s),
            cx.password.redact_from(&format!(
                "{error}.\nInstances ({stage}): {}.{}",
                who.list,
                advice_line(error)
            )),
        ),
        Cause::Terminal => (
            match who.n {
                1 => "1 instance in a status it does not come back from".to_string(),
                n => format!("{n} instances in a status they do not come back from"),
            },
            format!("{}: {stage}.\n{}", who.list, remove_terminal(who.n)),
        ),
        Cause::NotFound => (
            format!(
                "{} instance{} no longer exist{}",
                who.n,
                who.s,
                if who.n == 1 { "s" } else { "" }
            ),
            format!(
                "These instances disappeared ({stage}): {}.\nRemove them from instance_ids.",
                who.list
            ),
        ),
        Cause::TimedOut => timed_out(&who, failure, cx),
        Cause::Cancelled => (
            format!("Interrupted with {} instance{} not done", who.n, who.s),
            format!(
                "{} ({stage}). Instances: {}.\nApply again to finish.",
                cx.stop_reason
                    .map_or("The operation was interrupted".to_string(), |r| {
                        capitalized(&r.to_string())
                    }),
                who.list
            ),
        ),
    }
}

fn needs_running(who: &Subject, refusal: &ApiError, cx: &ReportInput<'_>) -> (String, String) {
    let or_shutdown = if cx.shutdown_before_reset {
        ""
    } else {
        ", or set shutdown_before_reset = true to let the provider start them for the reset and stop them again afterwards"
    };
    (
        format!(
            "Password not reset on {} instance{}: the API resets only RUNNING instances",
            who.n, who.s
        ),
        cx.password.redact_from(&format!(
            "{refusal}.\nOn this account the API resets passwords only on RUNNING instances. Not running: {}.\n\
             Start these instances and apply again{or_shutdown}.",
            who.list
        )),
    )
}

fn needs_stopped(who: &Subject, refusal: &ApiError, cx: &ReportInput<'_>) -> (String, String) {
    (
        format!(
            "Password not reset on {} instance{}: the API wants them STOPPED",
            who.n, who.s
        ),
        cx.password.redact_from(&format!(
            "{refusal}.\nOn this account the API resets passwords only on STOPPED instances. Not stopped: {}.\n\
             Set shutdown_before_reset = true: the provider then stops RUNNING instances gracefully before the reset and brings them back afterwards.",
            who.list
        )),
    )
}

/// What to do about instances in a terminal status.
pub(super) fn remove_terminal(n: usize) -> &'static str {
    if n == 1 {
        "It is failed, being released or in the recycle bin, and the API will not reset it: remove it from instance_ids."
    } else {
        "They are failed, being released or in the recycle bin, and the API will not reset them: remove them from instance_ids."
    }
}

fn timed_out(who: &Subject, failure: &Failure, cx: &ReportInput<'_>) -> (String, String) {
    let (n, s) = (who.n, who.s);
    let stage = failure.stage;
    let what = match stage {
        Stage::WaitRunning => format!("Timed out waiting for {n} instance{s} to be RUNNING"),
        Stage::WaitStopped => format!("Timed out waiting for {n} instance{s} to stop"),
        _ => format!("Timed out with {n} instance{s} not done"),
    };
    let bound = timeout_name(cx.operation);
    (
        what,
        format!(
            "The {bound} of {} passed ({}). Last status: {}.\nRaise {bound} or apply again to finish.",
            humantime::format_duration(cx.timeout),
            failure_text(failure),
            last_statuses(&failure.instances)
        ),
    )
}

/// Adds the report's errors and warnings to `diags`.
pub(super) fn add_diagnostics(diags: &mut Diagnostics, report: &ResetReport, cx: &ReportInput<'_>) {
    let footer = footer(report, cx);
    for failure in &report.failures {
        let (summary, detail) = describe(failure, cx);
        root_error(diags, summary, format!("{detail}{footer}"));
    }
    power_warnings(diags, report, cx);
}

/// What the operation as a whole did, and what state records.
fn footer(report: &ResetReport, cx: &ReportInput<'_>) -> String {
    let done = report.reset.len();
    let unknown = match report.unknown.len() {
        0 => String::new(),
        1 => format!(" For 1 instance {UNKNOWN}."),
        n => format!(" For {n} instances {UNKNOWN}."),
    };
    let main = match (cx.operation, report.failures.is_empty(), done) {
        (_, true, _) => return String::new(),
        (Operation::Create, false, 0) if !report.unknown.is_empty() => format!(
            "\n\nNo reset was confirmed (0 of {}); nothing was recorded in state.",
            cx.requested
        ),
        (Operation::Create, false, 0) => format!(
            "\n\nNo password was reset (0 of {}); nothing was recorded in state.",
            cx.requested
        ),
        (Operation::Create, false, _) => format!(
            "\n\nThe password was reset on {done} of {} instance{}; state records only those. Terraform marks a resource \
             whose create failed as tainted, so the next apply replaces it and resets every listed instance again \
             (same password, one more restart each). To reset only what is missing, run `terraform untaint` on this \
             resource before the next apply.",
            cx.requested,
            plural(cx.requested)
        ),
        (Operation::Update, false, _) => format!(
            "\n\nThe password was reset on {done} of the {} added instance{}; state records only those, so the next \
             apply resets exactly the instances that are missing.",
            cx.requested,
            plural(cx.requested)
        ),
    };
    format!("{main}{unknown}")
}

/// The warnings about power state: a needless shutdown, instances left STOPPED.
fn power_warnings(diags: &mut Diagnostics, report: &ResetReport, cx: &ReportInput<'_>) {
    if cx.shutdown_before_reset && report.rule_seen == Some(PowerRule::Running) {
        root_warning(
            diags,
            "shutdown_before_reset is not needed on this account",
            format!(
                "The API refused to reset STOPPED instances (OPERATION_DENIED_INSTANCE_NOT_RUNNING): on this account it \
                 resets only RUNNING instances. The provider started {} instance{} again and reset them running. Set \
                 shutdown_before_reset = false to avoid the needless stop and start.",
                report.started.len(),
                plural(report.started.len())
            ),
        );
    }
    if !report.not_restarted.is_empty() {
        let list: Vec<(String, Option<InstanceStatus>)> = report
            .not_restarted
            .iter()
            .map(|id| (id.clone(), Some(InstanceStatus::Stopped)))
            .collect();
        root_warning(
            diags,
            format!("{} instance{} stayed STOPPED after the reset", list.len(), plural(list.len())),
            format!(
                "Their password was reset, but the platform did not restart them, so the provider did not wait for \
                 them: {}. Start them yourself, or set shutdown_before_reset = true to let the provider bring \
                 instances back to the power state they had.",
                list_instances(&list)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use zenlayer_api::{ApiError, ErrorKind};

    fn refusal() -> ApiError {
        ApiError::new(
            "ResetInstancesPassword",
            ErrorKind::Refused {
                status: 403,
                code: "OPERATION_DENIED_INSTANCE_NOT_RUNNING".into(),
                message: "instance not running; password Sekret1!x refused".into(),
                request_id: Some("T42".into()),
            },
        )
    }

    #[test]
    fn errors_carry_code_request_id_instances_and_advice_but_not_the_password() {
        let password = Secret::new("Sekret1!x".into());
        let report = ResetReport {
            reset: ["ins-1".to_string()].into(),
            failures: vec![Failure {
                stage: Stage::Reset,
                instances: vec![("ins-2".into(), Some(InstanceStatus::Stopped))],
                cause: Cause::NeedsRunning(refusal()),
                outcome: Outcome::NotReset,
            }],
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        let cx = input(&password);
        add_diagnostics(&mut diags, &report, &cx);
        assert_eq!(diags.errors.len(), 1);
        let text = format!("{} {}", diags.errors[0].summary, diags.errors[0].detail);
        for part in [
            "OPERATION_DENIED_INSTANCE_NOT_RUNNING",
            "T42",
            "ins-2 (STOPPED)",
            "HTTP 403",
            "1 of 2",
            "untaint",
            "shutdown_before_reset",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
        assert!(!text.contains("Sekret1!x"), "{text}");
    }

    fn input(password: &Secret) -> ReportInput<'_> {
        ReportInput {
            operation: Operation::Create,
            requested: 2,
            password,
            shutdown_before_reset: false,
            timeout: Duration::from_secs(60),
            stop_reason: None,
        }
    }

    #[test]
    fn a_timeout_prints_every_last_status_or_says_it_was_never_read() {
        let password = Secret::new("Sekret1!x".into());
        let report = ResetReport {
            reset: ["ins-1".to_string(), "ins-2".to_string()].into(),
            failures: vec![Failure {
                stage: Stage::WaitRunning,
                instances: vec![
                    ("ins-1".into(), Some(InstanceStatus::Reboot)),
                    ("ins-2".into(), None),
                ],
                cause: Cause::TimedOut,
                outcome: Outcome::Reset,
            }],
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        add_diagnostics(&mut diags, &report, &input(&password));
        let text = &diags.errors[0].detail;
        assert!(
            text.contains("Last status: ins-1 (REBOOT), ins-2 (status never read)."),
            "{text}"
        );
        assert!(text.contains("timeouts.create of 1m"), "{text}");
    }

    #[test]
    fn an_unknown_outcome_says_the_next_apply_sets_it_again() {
        let password = Secret::new("Sekret1!x".into());
        let mut lost = ApiError::new(
            "ResetInstancesPassword",
            ErrorKind::Transport {
                step: zenlayer_api::TransportStep::Broken,
                detail: "the connection broke".into(),
            },
        );
        lost.outcome_unknown = true;
        let report = ResetReport {
            failures: vec![Failure {
                stage: Stage::Reset,
                instances: vec![("ins-1".into(), None)],
                cause: Cause::Api(lost),
                outcome: Outcome::Unknown,
            }],
            unknown: ["ins-1".to_string()].into(),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        add_diagnostics(&mut diags, &report, &input(&password));
        let text = format!("{} {}", diags.errors[0].summary, diags.errors[0].detail);
        for part in [
            "the outcome is unknown",
            "the API may have applied it; the next apply sets it again",
            "No reset was confirmed (0 of 2)",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
        assert!(!text.contains("was not reset"), "{text}");
    }

    #[test]
    fn long_lists_are_summarised() {
        let many: Vec<(String, Option<InstanceStatus>)> =
            (0..25).map(|i| (format!("i{i}"), None)).collect();
        let text = list_instances(&many);
        assert!(text.ends_with("and 5 more"));
        assert!(text.starts_with("i0, i1"));
    }
}
