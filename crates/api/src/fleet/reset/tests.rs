//! The power-state matrix, against the simulator in-process on tokio's paused clock: both of the
//! API's rules, with and without `shutdown_before_reset`, with instances stopped before, in a
//! transition, in a terminal status, and a batch refused outright. Each test checks the report
//! and what reached the simulator.

use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;
use zenlayer_protocol::{action, code, PowerRule};
use zenlayer_sim::faults::FaultRule;
use zenlayer_sim::world::Settings;
use zenlayer_sim::Sim;

use super::{Cause, Outcome, ResetReport, ResetRequest, Stage};
use crate::fleet::FleetSettings;
use crate::testing::{self, calls, calls_of, ids};
use crate::{Context, Secret};

const PASSWORD: &str = "Good1!pass";

fn fleet_settings() -> FleetSettings {
    FleetSettings::new(100, Duration::from_secs(1), Duration::from_secs(30))
}

fn sim(n: usize, rule: PowerRule) -> Sim {
    testing::sim(
        n,
        Settings {
            power_rule: rule,
            ..Settings::default()
        },
    )
}

/// Resets `targets` on `sim` within `timeout`, optionally stopping them first.
async fn reset_within(sim: &Sim, targets: &[String], shutdown: bool, ctx: &Context) -> ResetReport {
    let fleet = testing::operations(sim, fleet_settings());
    let password = Secret::new(PASSWORD.into());
    let request = ResetRequest {
        instance_ids: targets.to_vec(),
        password,
        shutdown_before_reset: shutdown,
        wait_for_running: true,
        rollout: None,
    };
    fleet.reset_passwords(&request, ctx).await
}

async fn reset(sim: &Sim, targets: &[String], shutdown: bool) -> ResetReport {
    let ctx = Context::with_timeout(Duration::from_secs(1200), CancellationToken::new());
    reset_within(sim, targets, shutdown, &ctx).await
}

fn status(sim: &Sim, id: &str) -> String {
    let mut world = sim.lock();
    world.advance();
    world.status(id).expect("instance exists").to_string()
}

fn has_password(sim: &Sim, id: &str) -> bool {
    sim.lock()
        .password_matches(id, PASSWORD)
        .expect("instance exists")
}

fn set_status(sim: &Sim, id: &str, status: &str, auto_restart: bool) {
    assert!(sim.lock().modify(id, Some(status), Some(auto_restart)));
}

/// `Action(n) -> CODE` for each call, for assertions on the sequence.
fn writes(sim: &Sim) -> Vec<String> {
    calls(sim)
        .iter()
        .filter(|c| c.action != action::DESCRIBE_INSTANCES_STATUS)
        .map(|c| match &c.code {
            Some(code) => format!("{}({}) -> {code}", c.action, c.instance_ids.len()),
            None => format!("{}({})", c.action, c.instance_ids.len()),
        })
        .collect()
}

fn reset_set(report: &ResetReport) -> Vec<String> {
    report.reset.iter().cloned().collect()
}

#[tokio::test(start_paused = true)]
async fn running_rule_resets_running_instances_in_place() {
    let sim = sim(2, PowerRule::Running);
    let report = reset(&sim, &ids(2), false).await;
    assert_eq!(writes(&sim), vec!["ResetInstancesPassword(2)"]);
    assert_eq!(reset_set(&report), ids(2));
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    for id in ids(2) {
        assert!(has_password(&sim, &id));
        assert_eq!(status(&sim, &id), "RUNNING", "waited for");
    }
}

#[tokio::test(start_paused = true)]
async fn running_rule_narrows_a_refusal_to_the_stopped_instance() {
    let sim = sim(3, PowerRule::Running);
    set_status(&sim, "i2", "STOPPED", false);
    let report = reset(&sim, &ids(3), false).await;
    assert_eq!(
        writes(&sim),
        vec![
            "ResetInstancesPassword(3) -> OPERATION_DENIED_INSTANCE_NOT_RUNNING",
            "ResetInstancesPassword(2)"
        ]
    );
    assert_eq!(reset_set(&report), vec!["i1", "i3"]);
    assert_eq!(report.rule_seen, Some(PowerRule::Running));
    let [failure] = report.failures.as_slice() else {
        panic!("one failure: {:?}", report.failures)
    };
    assert!(matches!(failure.cause, Cause::NeedsRunning(_)));
    assert_eq!(
        failure.instances,
        vec![("i2".into(), Some(crate::InstanceStatus::Stopped))]
    );
    assert!(!has_password(&sim, "i2"));
    assert_eq!(status(&sim, "i2"), "STOPPED", "never started unasked");
}

#[tokio::test(start_paused = true)]
async fn a_transition_is_waited_out_without_holding_back_the_ready_instances() {
    let sim = sim(2, PowerRule::Running);
    // i1 is rebooting (a reset of its own, two seconds long) when the operation starts.
    sim.lock()
        .reset(&["i1".to_string()], "Other1!pw")
        .expect("running");
    let started = tokio::time::Instant::now();
    let report = reset(&sim, &ids(2), false).await;
    assert_eq!(
        writes(&sim),
        vec![
            "ResetInstancesPassword(2) -> OPERATION_DENIED_INSTANCE_NOT_RUNNING",
            "ResetInstancesPassword(1)",
            "ResetInstancesPassword(1)"
        ]
    );
    let resets = calls_of(&sim, action::RESET_INSTANCES_PASSWORD);
    assert_eq!(resets[1], vec!["i2"], "the ready one first, at once");
    assert_eq!(
        resets[2],
        vec!["i1"],
        "the rebooting one once it is RUNNING"
    );
    let at = |n: usize| {
        calls(&sim)
            .iter()
            .filter(|c| c.action == action::RESET_INSTANCES_PASSWORD)
            .nth(n)
            .map(|c| c.at_ms)
            .expect("a reset")
    };
    assert_eq!(at(1), at(0), "no wait before the ready instance's reset");
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(reset_set(&report), ids(2));
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(has_password(&sim, "i1"));
}

#[tokio::test(start_paused = true)]
async fn an_instance_released_after_the_first_look_is_narrowed_out_of_its_batch() {
    let sim = sim(3, PowerRule::Running);
    let rule: FaultRule = serde_json::from_value(json!({
        "kind": "release", "action": action::RESET_INSTANCES_PASSWORD,
        "instance_id": "i2", "count": 1
    }))
    .expect("rule");
    sim.faults().add([rule]);
    let report = reset(&sim, &ids(3), false).await;
    assert_eq!(
        writes(&sim),
        vec![
            "ResetInstancesPassword(3) -> OPERATION_DENIED_INSTANCE_RECYCLED",
            "ResetInstancesPassword(2)"
        ]
    );
    assert_eq!(reset_set(&report), vec!["i1", "i3"]);
    let [failure] = report.failures.as_slice() else {
        panic!("{:?}", report.failures)
    };
    assert!(
        matches!(&failure.cause, Cause::Terminal(Some(e)) if e.code() == Some(code::OPERATION_DENIED_INSTANCE_RECYCLED)),
        "the refusal goes with it: {:?}",
        failure.cause
    );
    assert_eq!(failure.outcome, Outcome::NotReset);
    assert_eq!(
        failure.instances,
        vec![("i2".into(), Some(crate::InstanceStatus::parse("RELEASING")))]
    );
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_leaves_the_outcome_unknown() {
    let sim = sim(2, PowerRule::Running);
    let rule: FaultRule = serde_json::from_value(json!({
        "kind": "drop_after_processing", "action": action::RESET_INSTANCES_PASSWORD, "count": 1
    }))
    .expect("rule");
    sim.faults().add([rule]);
    let fleet = testing::operations_with_retries(&sim, fleet_settings(), 0);
    let password = Secret::new(PASSWORD.into());
    let ctx = Context::with_timeout(Duration::from_secs(600), CancellationToken::new());
    let request = ResetRequest {
        instance_ids: ids(2),
        password: password.clone(),
        shutdown_before_reset: false,
        wait_for_running: true,
        rollout: None,
    };
    let report = fleet.reset_passwords(&request, &ctx).await;
    assert!(report.reset.is_empty(), "nothing confirmed");
    assert_eq!(report.unknown.iter().cloned().collect::<Vec<_>>(), ids(2));
    let [failure] = report.failures.as_slice() else {
        panic!("{:?}", report.failures)
    };
    assert_eq!(failure.outcome, Outcome::Unknown);
    assert!(has_password(&sim, "i1"), "the API did apply it");
}

#[tokio::test(start_paused = true)]
async fn running_rule_with_shutdown_starts_them_again_and_resets_them_running() {
    let sim = sim(2, PowerRule::Running);
    let report = reset(&sim, &ids(2), true).await;
    assert_eq!(
        writes(&sim),
        vec![
            "StopInstances(2)",
            "ResetInstancesPassword(2) -> OPERATION_DENIED_INSTANCE_NOT_RUNNING",
            "StartInstances(2)",
            "ResetInstancesPassword(2)"
        ]
    );
    assert_eq!(calls_stop_force(&sim), Some(false), "graceful");
    assert_eq!(reset_set(&report), ids(2));
    assert_eq!(report.rule_seen, Some(PowerRule::Running));
    assert_eq!(report.started.len(), 2);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    for id in ids(2) {
        assert_eq!(status(&sim, &id), "RUNNING");
    }
}

/// `forceShutdown` of the first StopInstances call.
fn calls_stop_force(sim: &Sim) -> Option<bool> {
    calls(sim)
        .iter()
        .find(|c| c.action == action::STOP_INSTANCES)
        .and_then(|c| c.force_shutdown)
}

#[tokio::test(start_paused = true)]
async fn running_rule_with_shutdown_leaves_a_stopped_instance_stopped() {
    let sim = sim(2, PowerRule::Running);
    set_status(&sim, "i2", "STOPPED", true);
    let report = reset(&sim, &ids(2), true).await;
    assert_eq!(reset_set(&report), ids(2));
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(report.stopped_again.contains("i2"), "{report:?}");
    assert_eq!(status(&sim, "i1"), "RUNNING");
    assert_eq!(status(&sim, "i2"), "STOPPED", "as the user had it");
    assert!(has_password(&sim, "i2"));
}

#[tokio::test(start_paused = true)]
async fn stopped_rule_without_shutdown_reports_every_running_instance() {
    let sim = sim(2, PowerRule::Stopped);
    let report = reset(&sim, &ids(2), false).await;
    assert_eq!(
        writes(&sim),
        vec!["ResetInstancesPassword(2) -> OPERATION_DENIED_INSTANCE_NOT_STOPPED"]
    );
    assert!(report.reset.is_empty());
    assert_eq!(report.rule_seen, Some(PowerRule::Stopped));
    let [failure] = report.failures.as_slice() else {
        panic!("{:?}", report.failures)
    };
    assert!(matches!(failure.cause, Cause::NeedsStopped(_)));
    assert_eq!(failure.instances.len(), 2);
    assert_eq!(calls_of(&sim, action::STOP_INSTANCES).len(), 0);
}

#[tokio::test(start_paused = true)]
async fn stopped_rule_with_shutdown_stops_resets_and_lets_the_platform_restart() {
    let sim = sim(3, PowerRule::Stopped);
    let report = reset(&sim, &ids(3), true).await;
    assert_eq!(
        writes(&sim),
        vec!["StopInstances(3)", "ResetInstancesPassword(3)"]
    );
    assert_eq!(calls_stop_force(&sim), Some(false), "graceful");
    assert_eq!(reset_set(&report), ids(3));
    assert_eq!(report.stopped.len(), 3);
    assert!(report.started.is_empty());
    for id in ids(3) {
        assert_eq!(status(&sim, &id), "RUNNING");
    }
}

#[tokio::test(start_paused = true)]
async fn stopped_rule_with_shutdown_starts_what_the_platform_does_not() {
    let sim = sim(2, PowerRule::Stopped);
    assert!(sim.lock().modify("i2", None, Some(false)));
    let report = reset(&sim, &ids(2), true).await;
    assert_eq!(
        calls_of(&sim, action::START_INSTANCES),
        vec![vec!["i2".to_string()]]
    );
    assert_eq!(
        report.started.iter().cloned().collect::<Vec<_>>(),
        vec!["i2"]
    );
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(status(&sim, "i2"), "RUNNING");
}

#[tokio::test(start_paused = true)]
async fn stopped_rule_with_shutdown_stops_again_what_was_stopped_before() {
    let sim = sim(2, PowerRule::Stopped);
    set_status(&sim, "i2", "STOPPED", true);
    let report = reset(&sim, &ids(2), true).await;
    assert_eq!(
        calls_of(&sim, action::STOP_INSTANCES),
        vec![vec!["i1".to_string()], vec!["i2".to_string()]],
        "i1 before the reset; i2 after the platform restarted it"
    );
    assert!(report.stopped_again.contains("i2"));
    assert_eq!(status(&sim, "i2"), "STOPPED");
    assert_eq!(status(&sim, "i1"), "RUNNING");
}

#[tokio::test(start_paused = true)]
async fn instances_found_stopped_end_stopped_without_shutdown_too() {
    // The stopped rule: i1 is restarted by the platform after its reset, i2 is not.
    let sim = sim(2, PowerRule::Stopped);
    for id in ids(2) {
        set_status(&sim, &id, "STOPPED", id == "i1");
    }
    let report = reset(&sim, &ids(2), false).await;
    assert_eq!(reset_set(&report), ids(2));
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(
        report.stopped_again.iter().cloned().collect::<Vec<_>>(),
        vec!["i1"]
    );
    assert_eq!(
        writes(&sim),
        vec!["ResetInstancesPassword(2)", "StopInstances(1)"]
    );
    for id in ids(2) {
        assert_eq!(status(&sim, &id), "STOPPED", "{id} as it was found");
        assert!(has_password(&sim, &id));
    }
}

#[tokio::test(start_paused = true)]
async fn ids_that_do_not_exist_or_cannot_be_reset_are_left_out_of_the_calls() {
    let sim = sim(4, PowerRule::Running);
    set_status(&sim, "i3", "RELEASING", false);
    let mut targets = ids(4);
    targets.push("gone".into());
    let report = reset(&sim, &targets, false).await;
    assert_eq!(
        calls_of(&sim, action::RESET_INSTANCES_PASSWORD),
        vec![vec!["i1".to_string(), "i2".into(), "i4".into()]],
        "one call, without the missing and the released"
    );
    assert_eq!(reset_set(&report), vec!["i1", "i2", "i4"]);
    let causes: Vec<(Stage, Vec<String>)> = report
        .failures
        .iter()
        .map(|f| {
            (
                f.stage,
                f.instances.iter().map(|(id, _)| id.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        causes,
        vec![
            (Stage::Inspect, vec!["gone".to_string()]),
            (Stage::Inspect, vec!["i3".to_string()])
        ]
    );
    assert!(matches!(report.failures[0].cause, Cause::NotFound));
    assert!(matches!(report.failures[1].cause, Cause::Terminal(None)));
}

#[tokio::test(start_paused = true)]
async fn a_batch_refused_outright_fails_alone() {
    let sim = sim(4, PowerRule::Running);
    let rule: FaultRule = serde_json::from_value(json!({
        "kind": "refuse", "status": 400, "code": code::INVALID_PARAMETER,
        "action": action::RESET_INSTANCES_PASSWORD, "instance_id": "i4"
    }))
    .expect("rule");
    sim.faults().add([rule]);
    let fleet = testing::operations(
        &sim,
        FleetSettings::new(2, Duration::from_secs(1), Duration::from_secs(30)),
    );
    let password = Secret::new(PASSWORD.into());
    let ctx = Context::with_timeout(Duration::from_secs(600), CancellationToken::new());
    let report = fleet
        .reset_passwords(
            &ResetRequest {
                instance_ids: ids(4),
                password: password.clone(),
                shutdown_before_reset: false,
                wait_for_running: true,
                rollout: None,
            },
            &ctx,
        )
        .await;
    assert_eq!(reset_set(&report), vec!["i1", "i2"]);
    let [failure] = report.failures.as_slice() else {
        panic!("{:?}", report.failures)
    };
    assert_eq!(failure.stage, Stage::Reset);
    assert_eq!(failure.instances.len(), 2);
    assert!(matches!(&failure.cause, Cause::Api(e) if e.code() == Some(code::INVALID_PARAMETER)));
}

#[tokio::test(start_paused = true)]
async fn a_terminal_status_during_the_wait_fails_fast() {
    let sim = sim(2, PowerRule::Running);
    let watcher = sim.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(watcher.lock().modify("i2", Some("RECYCLE"), None));
    });
    let started = tokio::time::Instant::now();
    let report = reset(&sim, &ids(2), false).await;
    assert_eq!(
        reset_set(&report),
        ids(2),
        "the resets themselves succeeded"
    );
    let [terminal, abandoned] = report.failures.as_slice() else {
        panic!("{:?}", report.failures)
    };
    assert_eq!(terminal.stage, Stage::WaitRunning);
    assert!(matches!(terminal.cause, Cause::Terminal(None)));
    // i1 was still rebooting at that poll: the wait ended there, and says so.
    assert!(matches!(abandoned.cause, Cause::Abandoned));
    assert_eq!(
        abandoned.instances,
        vec![("i1".to_string(), Some(crate::InstanceStatus::Reboot))]
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "ended at the first poll that saw it: {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn the_deadline_ends_the_wait_with_each_last_status() {
    let sim = testing::sim(
        2,
        Settings {
            reboot_delay: Duration::from_secs(600),
            ..Settings::default()
        },
    );
    let ctx = Context::with_timeout(Duration::from_secs(10), CancellationToken::new());
    let report = reset_within(&sim, &ids(2), false, &ctx).await;
    assert_eq!(reset_set(&report), ids(2));
    let [failure] = report.failures.as_slice() else {
        panic!("{:?}", report.failures)
    };
    assert!(matches!(failure.cause, Cause::TimedOut));
    assert_eq!(
        failure.instances,
        ids(2)
            .into_iter()
            .map(|id| (id, Some(crate::InstanceStatus::Reboot)))
            .collect::<Vec<_>>()
    );
}

#[tokio::test(start_paused = true)]
async fn a_stop_request_ends_the_wait_and_keeps_what_was_done() {
    let sim = testing::sim(
        2,
        Settings {
            reboot_delay: Duration::from_secs(600),
            ..Settings::default()
        },
    );
    let cancel = CancellationToken::new();
    let ctx = Context::with_timeout(Duration::from_secs(1200), cancel.clone());
    let stopper = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        stopper.cancel();
    });
    let started = tokio::time::Instant::now();
    let report = reset_within(&sim, &ids(2), false, &ctx).await;
    assert_eq!(reset_set(&report), ids(2));
    let [failure] = report.failures.as_slice() else {
        panic!("{:?}", report.failures)
    };
    assert!(matches!(failure.cause, Cause::Cancelled));
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Resets `targets` with `shutdown_before_reset` on `sim` within `ctx`.
async fn shutdown_reset(sim: &Sim, targets: &[String], ctx: &Context) -> ResetReport {
    reset_within(sim, targets, true, ctx).await
}

fn started_again(report: &ResetReport) -> Vec<String> {
    report.started_again.iter().cloned().collect()
}

#[tokio::test(start_paused = true)]
async fn instances_stopped_for_a_refused_reset_are_started_again() {
    let sim = sim(2, PowerRule::Stopped);
    let rule: FaultRule = serde_json::from_value(json!({
        "kind": "refuse", "status": 400, "code": code::INVALID_PARAMETER,
        "action": action::RESET_INSTANCES_PASSWORD
    }))
    .expect("rule");
    sim.faults().add([rule]);
    let ctx = Context::with_timeout(Duration::from_secs(600), CancellationToken::new());
    let report = shutdown_reset(&sim, &ids(2), &ctx).await;
    assert!(report.reset.is_empty());
    assert_eq!(started_again(&report), ids(2));
    assert_eq!(
        writes(&sim),
        vec![
            "StopInstances(2)",
            "ResetInstancesPassword(2) -> INVALID_PARAMETER",
            "StartInstances(2)"
        ]
    );
    back_up(&sim, &ids(2)).await;
}

/// Lets the starts finish, then checks that every instance of `ids` is RUNNING.
async fn back_up(sim: &Sim, ids: &[String]) {
    tokio::time::sleep(Duration::from_secs(5)).await;
    for id in ids {
        assert_eq!(status(sim, id), "RUNNING", "{id} as it was");
    }
}

#[tokio::test(start_paused = true)]
async fn instances_stopped_before_the_deadline_are_started_again_after_it() {
    // The stop takes 10 s; the operation has 4 s.
    let sim = testing::sim(
        2,
        Settings {
            power_rule: PowerRule::Stopped,
            stop_delay: Duration::from_secs(10),
            ..Settings::default()
        },
    );
    let ctx = Context::with_timeout(Duration::from_secs(4), CancellationToken::new());
    let report = shutdown_reset(&sim, &ids(2), &ctx).await;
    assert!(report.reset.is_empty());
    assert_eq!(started_again(&report), ids(2), "{:?}", report.failures);
    assert_eq!(writes(&sim), vec!["StopInstances(2)", "StartInstances(2)"]);
    assert!(report
        .failures
        .iter()
        .any(|f| f.stage == Stage::WaitStopped && matches!(f.cause, Cause::TimedOut)));
    back_up(&sim, &ids(2)).await;
}

#[tokio::test(start_paused = true)]
async fn a_stop_request_during_the_stop_wait_starts_the_instances_again() {
    let sim = testing::sim(
        2,
        Settings {
            power_rule: PowerRule::Stopped,
            stop_delay: Duration::from_secs(5),
            ..Settings::default()
        },
    );
    let cancel = CancellationToken::new();
    let ctx = Context::with_timeout(Duration::from_secs(600), cancel.clone());
    let stopper = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        stopper.cancel();
    });
    let report = shutdown_reset(&sim, &ids(2), &ctx).await;
    assert_eq!(started_again(&report), ids(2));
    assert_eq!(writes(&sim), vec!["StopInstances(2)", "StartInstances(2)"]);
    back_up(&sim, &ids(2)).await;
}

#[tokio::test(start_paused = true)]
async fn an_instance_still_stopping_past_the_bound_is_named() {
    // The stop takes 10 s, the operation has 4 s, and i2 never finishes its stop.
    let sim = testing::sim(
        2,
        Settings {
            power_rule: PowerRule::Stopped,
            stop_delay: Duration::from_secs(10),
            ..Settings::default()
        },
    );
    let watcher = sim.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        watcher.lock().modify("i2", Some("STOPPING"), None);
    });
    let started = tokio::time::Instant::now();
    let ctx = Context::with_timeout(Duration::from_secs(4), CancellationToken::new());
    let report = shutdown_reset(&sim, &ids(2), &ctx).await;
    assert_eq!(started_again(&report), vec!["i1"]);
    let stuck = report
        .failures
        .iter()
        .find(|f| f.stage == Stage::StartAgain)
        .expect("i2 is named");
    assert_eq!(
        stuck.instances,
        vec![("i2".to_string(), Some(crate::InstanceStatus::Stopping))]
    );
    assert!(matches!(stuck.cause, Cause::TimedOut));
    let took = started.elapsed();
    assert!(
        took <= Duration::from_secs(4) + crate::fleet::POWER_RESTORE_BOUND,
        "bounded: {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn one_instance_in_transition_leaves_the_others_to_be_reset_at_once() {
    let sim = sim(6, PowerRule::Running);
    set_status(&sim, "i3", "STOPPING", true);
    let ctx = Context::with_timeout(Duration::from_secs(30), CancellationToken::new());
    let report = reset_within(&sim, &ids(6), false, &ctx).await;
    let resets = calls_of(&sim, action::RESET_INSTANCES_PASSWORD);
    assert_eq!(resets.len(), 2, "{resets:?}");
    assert_eq!(resets[1].len(), 5);
    let [failure] = report.failures.as_slice() else {
        panic!("one failure: {:?}", report.failures)
    };
    assert!(matches!(failure.cause, Cause::TimedOut));
    assert_eq!(
        failure.instances,
        vec![("i3".to_string(), Some(crate::InstanceStatus::Stopping))]
    );
    assert_eq!(report.reset.len(), 5);
}

#[tokio::test(start_paused = true)]
async fn progress_has_a_line_per_reset_call_and_per_round_of_waiting() {
    let sim = sim(250, PowerRule::Running);
    set_status(&sim, "i2", "STOPPED", false);
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = lines.clone();
    let progress = crate::Progress::new(move |line| sink.lock().expect("lines").push(line));
    let ctx = Context::with_timeout(Duration::from_secs(1200), CancellationToken::new())
        .with_progress(progress);
    let report = reset_within(&sim, &ids(250), false, &ctx).await;
    assert_eq!(report.reset.len(), 249);
    let lines = lines.lock().expect("lines").clone();
    assert_eq!(
        lines,
        [
            "call 1 of 3 failed for 100 instances: OPERATION_DENIED_INSTANCE_NOT_RUNNING",
            "reset 99 of 250 instances (call 2 of 3)",
            "reset 199 of 250 instances (call 3 of 3)",
            "reset 249 of 250 instances (call 4 of 4)",
            "waiting for 249 instances to be RUNNING",
        ]
    );
}
