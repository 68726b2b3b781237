//! The report's messages: what each says, and what it never says.

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

/// ins-2, STOPPED, refused under the running rule: not reset.
fn stopped_ins_2_refused() -> Failure {
    Failure {
        stage: Stage::Reset,
        instances: vec![("ins-2".into(), Some(InstanceStatus::Stopped))],
        cause: Cause::NeedsRunning(refusal()),
        outcome: Outcome::NotReset,
    }
}

#[test]
fn errors_carry_code_request_id_instances_and_advice_but_not_the_password() {
    let password = Secret::new("Sekret1!x".into());
    let report = ResetReport {
        reset: ["ins-1".to_string()].into(),
        failures: vec![stopped_ins_2_refused()],
        ..Default::default()
    };
    let mut diags = Diagnostics::default();
    let facts = input(&password);
    add_diagnostics(&mut diags, &report, &facts);
    assert_eq!(diags.errors.len(), 1);
    let text = format!("{} {}", diags.errors[0].summary, diags.errors[0].detail);
    for part in [
        "OPERATION_DENIED_INSTANCE_NOT_RUNNING",
        "T42",
        "\"ins-2\" (STOPPED)",
        "HTTP 403",
        "1 of 2",
        "untaint",
        "shutdown_before_reset",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    assert!(!text.contains("Sekret1!x"), "{text}");
}

/// The instances of [`input`].
fn two() -> &'static [String] {
    static TWO: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TWO.get_or_init(|| vec!["ins-1".into(), "ins-2".into()])
}

fn input(password: &Secret) -> ReportFacts<'_> {
    ReportFacts {
        operation: Operation::Create,
        requested: two(),
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
        text.contains("Last status: \"ins-1\" (REBOOT), \"ins-2\" (status never read)."),
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
fn one_instance_reads_in_the_singular_and_ids_are_quoted() {
    let password = Secret::new("Sekret1!x".into());
    let report = ResetReport {
        failures: vec![Failure {
            stage: Stage::Reset,
            instances: vec![("web-2\n".into(), None)],
            cause: Cause::TimedOut,
            outcome: Outcome::NotReset,
        }],
        ..Default::default()
    };
    let mut diags = Diagnostics::default();
    add_diagnostics(&mut diags, &report, &input(&password));
    let text = &diags.errors[0].detail;
    assert!(text.contains("its password was not reset"), "{text}");
    assert!(
        text.contains("\"web-2\\n\""),
        "the id is quoted and escaped: {text}"
    );
    assert!(text.contains("untaint"), "apply again replaces: {text}");
}

#[test]
fn instances_started_again_are_named_in_a_warning() {
    let password = Secret::new("Sekret1!x".into());
    let report = ResetReport {
        stopped: ["ins-1".to_string(), "ins-2".to_string()].into(),
        started_again: ["ins-1".to_string(), "ins-2".to_string()].into(),
        ..Default::default()
    };
    let mut diags = Diagnostics::default();
    add_diagnostics(&mut diags, &report, &input(&password));
    let text = format!("{} {}", diags.warnings[0].summary, diags.warnings[0].detail);
    assert!(
        text.contains("Started again: \"ins-1\", \"ins-2\"."),
        "{text}"
    );
}

#[test]
fn started_again_counts_only_instances_that_were_running() {
    let password = Secret::new("Sekret1!x".into());
    let report = ResetReport {
        rule_seen: Some(PowerRule::Running),
        // ins-1 was running and stopped by the operation; ins-2 was STOPPED before.
        stopped: ["ins-1".to_string()].into(),
        started: ["ins-1".to_string(), "ins-2".to_string()].into(),
        reset: ["ins-1".to_string(), "ins-2".to_string()].into(),
        ..Default::default()
    };
    let mut diags = Diagnostics::default();
    let facts = ReportFacts {
        shutdown_before_reset: true,
        ..input(&password)
    };
    add_diagnostics(&mut diags, &report, &facts);
    let text = &diags.warnings[0].detail;
    assert!(text.contains("started 1 instance again"), "{text}");
}

#[test]
fn an_invoke_says_where_each_password_stands_and_that_nothing_was_recorded() {
    let password = Secret::new("Sekret1!x".into());
    let requested: Vec<String> = ["ins-1", "ins-2", "ins-3"].map(String::from).into();
    let report = ResetReport {
        reset: ["ins-1".to_string()].into(),
        unknown: ["ins-3".to_string()].into(),
        failures: vec![stopped_ins_2_refused()],
        ..Default::default()
    };
    let mut diags = Diagnostics::default();
    let facts = ReportFacts {
        operation: Operation::Invoke,
        requested: &requested,
        ..input(&password)
    };
    add_diagnostics(&mut diags, &report, &facts);
    let text = &diags.errors[0].detail;
    assert!(
        text.contains("What is known, of 3 instances: reset (1): \"ins-1\"; not reset (1): \"ins-2\"; unknown (1): \"ins-3\". An action keeps no state: nothing was recorded."),
        "{text}"
    );
    assert!(
        !text.contains("untaint") && !text.contains("Sekret1!x"),
        "{text}"
    );
}

#[test]
fn three_hundred_batches_interrupted_say_it_once_with_the_summary_once() {
    let password = Secret::new("Sekret1!x".into());
    let requested: Vec<String> = (1..=600).map(|n| format!("ins-{n:05}")).collect();
    // 300 batches of 2, each waiting for RUNNING when the stop came; one batch refused.
    let mut failures: Vec<Failure> = requested
        .chunks(2)
        .map(|batch| Failure {
            stage: Stage::WaitRunning,
            instances: batch
                .iter()
                .map(|id| (id.clone(), Some(InstanceStatus::Reboot)))
                .collect(),
            cause: Cause::Cancelled,
            outcome: Outcome::Reset,
        })
        .collect();
    failures.push(stopped_ins_2_refused());
    let report = ResetReport {
        reset: requested.iter().cloned().collect(),
        failures,
        ..Default::default()
    };
    let mut diags = Diagnostics::default();
    let facts = ReportFacts {
        operation: Operation::Invoke,
        requested: &requested,
        stop_reason: Some(StopReason::StopProvider),
        ..input(&password)
    };
    add_diagnostics(&mut diags, &report, &facts);
    assert_eq!(diags.errors.len(), 2, "one error per kind");
    let first = &diags.errors[0].detail;
    assert!(first.contains("This happened to 300 batches"), "{first}");
    assert!(first.contains("and 580 more"), "{first}");
    assert!(
        !first.contains("What is known"),
        "the summary comes once, last"
    );
    let last = &diags.errors[1].detail;
    assert_eq!(last.matches("What is known").count(), 1, "{last}");
    let size: usize = diags
        .errors
        .iter()
        .map(|e| e.summary.len() + e.detail.len())
        .sum();
    assert!(size < 4_000, "{size} bytes: {first}\n{last}");
}
