//! Power state, waiting and partial failure: both of the API's power rules, with and without
//! `shutdown_before_reset`; an instance the platform does not restart; a terminal status
//! during the wait; a timeout; partial failure across batches; interruption during a wait.

use std::time::Duration;

use serde_json::json;

use crate::support::*;

const ADDR: &str = "zenlayer_instance_password.web";

fn count(sim: &Sim, action: &str) -> usize {
    sim.calls_of(action).len()
}

fn all_running(sim: &Sim, ids: &[String]) {
    for id in ids {
        assert_eq!(sim.status(id), "RUNNING", "{id}");
    }
}

#[test]
fn running_rule_without_shutdown_resets_in_place() {
    let sim = Sim::start(2, &[]);
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();
    eprintln!("calls: {}", sim.call_summary(0));
    assert_eq!(
        count(&sim, "StopInstances") + count(&sim, "StartInstances"),
        0
    );
    assert_eq!(count(&sim, "ResetInstancesPassword"), 1);
    all_running(&sim, &ids(2));
    assert_eq!(ws.state_ids(ADDR), ids(2));
}

#[test]
fn running_rule_with_shutdown_copes_and_says_the_shutdown_is_not_needed() {
    let sim = Sim::start(2, &[]);
    let ws = Workspace::for_resource(&sim, &ids(2), "  shutdown_before_reset = true");
    let run = ws.apply();
    eprintln!("calls: {}", sim.call_summary(0));
    let stops = sim.calls_of("StopInstances");
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0].force_shutdown, Some(false), "a graceful shutdown");
    let resets = sim.calls_of("ResetInstancesPassword");
    assert_eq!(
        resets.len(),
        2,
        "refused while stopped, then accepted while running"
    );
    assert_eq!(
        resets[0].code.as_deref(),
        Some("OPERATION_DENIED_INSTANCE_NOT_RUNNING")
    );
    assert_eq!(count(&sim, "StartInstances"), 1);
    assert!(
        run.all()
            .contains("shutdown_before_reset is not needed on this account"),
        "{}",
        run.raw()
    );
    all_running(&sim, &ids(2));
    for id in ids(2) {
        assert_eq!(sim.reset_count(&id), 1);
    }
    assert_eq!(ws.state_ids(ADDR), ids(2));
}

#[test]
fn stopped_rule_without_shutdown_fails_suggesting_it_and_records_nothing() {
    let sim = Sim::start(2, &["--power-rule", "stopped"]);
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    let run = ws.apply_failing(&sim);
    let output = run.all();
    let refused = &sim.calls_of("ResetInstancesPassword")[0];
    for part in [
        "OPERATION_DENIED_INSTANCE_NOT_STOPPED",
        "HTTP 400",
        refused.request_id.as_str(),
        "only on STOPPED instances",
        "Set shutdown_before_reset = true",
        "\"ins-00001\" (RUNNING), \"ins-00002\" (RUNNING)",
        "nothing was recorded in state",
    ] {
        assert!(
            output.contains(part),
            "{part:?} missing from\n{}",
            run.raw()
        );
    }
    assert_eq!(
        count(&sim, "StopInstances"),
        0,
        "the provider never stops instances unasked"
    );
    assert!(ws.resource(ADDR).is_none(), "state claims nothing");
    all_running(&sim, &ids(2));
}

#[test]
fn stopped_rule_with_shutdown_stops_resets_and_brings_back() {
    let sim = Sim::start(3, &["--power-rule", "stopped"]);
    let ws = Workspace::for_resource(&sim, &ids(3), "  shutdown_before_reset = true");
    let run = ws.apply();
    eprintln!("calls: {}", sim.call_summary(0));
    let stops = sim.calls_of("StopInstances");
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0].force_shutdown, Some(false));
    assert_eq!(count(&sim, "ResetInstancesPassword"), 1);
    assert_eq!(
        count(&sim, "StartInstances"),
        0,
        "the platform restarted them"
    );
    assert!(!run.all().contains("Warning: shutdown_before_reset"));
    all_running(&sim, &ids(3));
    for id in ids(3) {
        assert!(sim.password_matches(&id, PASSWORD));
    }
    assert_eq!(ws.state_ids(ADDR), ids(3));
}

#[test]
fn an_instance_the_platform_does_not_restart_is_started() {
    let sim = Sim::start(2, &["--power-rule", "stopped"]);
    sim.patch("ins-00002", json!({"auto_restart": false}));
    let ws = Workspace::for_resource(&sim, &ids(2), "  shutdown_before_reset = true");
    ws.apply();
    eprintln!("calls: {}", sim.call_summary(0));
    let starts = sim.calls_of("StartInstances");
    assert_eq!(starts.len(), 1);
    assert_eq!(starts[0].instance_ids, vec!["ins-00002"]);
    all_running(&sim, &ids(2));
    assert_eq!(ws.state_ids(ADDR), ids(2));
}

#[test]
fn instances_stopped_before_are_left_stopped() {
    for rule in ["stopped", "running"] {
        let sim = Sim::start(2, &["--power-rule", rule]);
        sim.patch("ins-00002", json!({"status": "STOPPED"}));
        let ws = Workspace::for_resource(&sim, &ids(2), "  shutdown_before_reset = true");
        ws.apply();
        eprintln!("{rule} rule calls: {}", sim.call_summary(0));
        assert_eq!(sim.status("ins-00001"), "RUNNING", "{rule}");
        assert_eq!(
            sim.status("ins-00002"),
            "STOPPED",
            "{rule}: left as the user had it"
        );
        assert!(sim.password_matches("ins-00002", PASSWORD), "{rule}");
        assert_eq!(ws.state_ids(ADDR), ids(2));
    }
}

#[test]
fn without_shutdown_a_stopped_instance_is_refused_with_its_status() {
    let sim = Sim::start(2, &[]);
    sim.patch("ins-00001", json!({"status": "STOPPED"}));
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    let run = ws.apply_failing(&sim);
    assert!(
        run.all().contains("\"ins-00001\" (STOPPED)"),
        "{}",
        run.raw()
    );
    assert!(run.all().contains("only on RUNNING instances"));
    assert_eq!(ws.state_ids(ADDR), vec!["ins-00002".to_string()]);
    assert_eq!(sim.status("ins-00001"), "STOPPED", "not started unasked");
}

#[test]
fn a_timeout_names_each_instance_not_running_and_its_status() {
    let sim = Sim::start(2, &["--reboot-delay", "60s"]);
    let ws = Workspace::for_resource(&sim, &ids(2), "  timeouts {\n    create = \"2s\"\n  }");
    let run = ws.apply_failing(&sim);
    let text = run.all();
    assert!(
        text.contains("Timed out waiting for 2 instances to be RUNNING"),
        "{}",
        run.raw()
    );
    assert!(
        text.contains("\"ins-00001\" (REBOOT), \"ins-00002\" (REBOOT)"),
        "{text}"
    );
    assert!(text.contains("timeouts.create of 2s"), "{text}");
    assert_eq!(
        ws.state_ids(ADDR),
        ids(2),
        "the resets themselves succeeded"
    );
}

#[test]
fn partial_failure_across_batches_keeps_the_successes_and_retries_only_the_rest() {
    // 150 instances; ins-00120 is stopped, so the second batch is refused. The refusal is
    // narrowed down: the other 49 of that batch are reset, ins-00120 is reported.
    let sim = Sim::start(150, &[]);
    sim.patch("ins-00120", json!({"status": "STOPPED"}));
    let ws = Workspace::for_resource(&sim, &ids(150), "");
    let run = ws.apply_failing(&sim);
    assert!(
        run.all().contains("\"ins-00120\" (STOPPED)"),
        "{}",
        run.raw()
    );
    assert!(run.all().contains("149 of 150"), "{}", run.raw());
    let in_state = ws.state_ids(ADDR);
    assert_eq!(in_state.len(), 149);
    assert!(!in_state.contains(&"ins-00120".to_string()));
    for id in &in_state {
        assert!(sim.password_matches(id, PASSWORD), "{id}");
    }

    // Next apply, after `terraform untaint`: only the missing instance is reset.
    sim.patch("ins-00120", json!({"status": "RUNNING"}));
    ws.tf(&["untaint", ADDR]).ok();
    assert_eq!(ws.planned_actions(ADDR), vec!["update"]);
    let before = sim.calls_of("ResetInstancesPassword").len();
    ws.apply();
    let resets = sim.calls_of("ResetInstancesPassword");
    assert_eq!(resets.len(), before + 1);
    assert_eq!(resets[before].instance_ids, vec!["ins-00120"]);
    assert!(sim.instances().iter().all(|i| i.reset_count == 1));
    assert_eq!(ws.state_ids(ADDR).len(), 150);
}

#[test]
fn a_batch_refused_outright_is_reported_whole_and_the_others_are_kept() {
    // A refusal that cannot be narrowed down (not about power state) fails its whole batch.
    let sim = Sim::start(150, &[]);
    sim.fault(
        json!({"kind": "refuse", "status": 400, "code": "INVALID_PARAMETER",
                     "action": "ResetInstancesPassword", "instance_id": "ins-00120"}),
    );
    let mut ws = Workspace::for_resource(&sim, &ids(100), "");
    ws.apply();

    // An update adds 50 instances, in one batch that the API refuses.
    ws.configure(&sim, &resource("web", &ids(150), ""));
    let run = ws.apply_failing(&sim);
    let text = run.all();
    assert!(text.contains("INVALID_PARAMETER"), "{}", run.raw());
    assert!(
        text.contains("The API found a parameter of the request invalid"),
        "advice: {}",
        run.raw()
    );
    assert!(
        text.contains("ResetInstancesPassword failed for 50 instances"),
        "{text}"
    );
    assert!(text.contains("and 30 more"), "{text}");
    assert!(text.contains("0 of the 50 added instances"), "{text}");
    assert_eq!(
        ws.state_ids(ADDR),
        ids(100),
        "the update keeps what was there, adds nothing"
    );
    assert!(!ws.tainted(ADDR), "a failed update does not taint");

    // Once the API accepts again, the next apply resets exactly the 50 missing instances.
    sim.clear_faults();
    let before = sim.calls_of("ResetInstancesPassword").len();
    ws.apply();
    let resets = &sim.calls_of("ResetInstancesPassword")[before..];
    assert_eq!(resets.len(), 1);
    assert_eq!(Some(resets[0].instance_ids.len()), Some(50));
    assert!(sim.instances().iter().all(|i| i.reset_count == 1));
    assert_eq!(ws.state_ids(ADDR), ids(150));
}

fn interrupt_during_the_wait(how: Interrupt) {
    let sim = Sim::start(2, &["--reboot-delay", "120s"]);
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    let child = in_background(&ws, &["apply", "-auto-approve"]);
    sim.wait_for_polling_after_a_reset();
    let output = interrupt(child, how);
    eprintln!("{how:?} calls: {}", sim.call_summary(0));
    let run = output.failed();
    // The instances are still rebooting: the wait ended on the interrupt, not on RUNNING.
    assert_eq!(sim.status("ins-00001"), "REBOOT");
    assert!(
        run.all().contains("Terraform asked the provider to stop"),
        "{how:?}:\n{}",
        run.raw()
    );
    assert!(
        !run.all().contains("plugin exited"),
        "the provider survived"
    );
    assert_eq!(
        ws.state_ids(ADDR),
        ids(2),
        "the resets that happened are recorded"
    );
    for id in ids(2) {
        assert_eq!(sim.reset_count(&id), 1);
    }
}

#[test]
fn ctrl_c_during_the_wait_ends_promptly_and_keeps_state_true() {
    interrupt_during_the_wait(Interrupt::CtrlC);
}

#[test]
fn a_cancelled_pipeline_ends_the_wait_promptly_and_keeps_state_true() {
    interrupt_during_the_wait(Interrupt::Cancel);
}

/// Polls until every instance of `ids` is RUNNING (the provider started them again); panics
/// with their statuses otherwise.
fn eventually_running(sim: &Sim, ids: &[String]) {
    poll(
        Duration::from_secs(30),
        "every instance RUNNING again",
        || {
            ids.iter()
                .all(|id| sim.status(id) == "RUNNING")
                .then_some(())
        },
    );
}

#[test]
fn instances_stopped_for_a_refused_reset_are_started_again() {
    let sim = Sim::start(2, &["--power-rule", "stopped"]);
    sim.fault(
        json!({"kind": "refuse", "status": 400, "code": "INVALID_PARAMETER",
                     "action": "ResetInstancesPassword"}),
    );
    let ws = Workspace::for_resource(&sim, &ids(2), "  shutdown_before_reset = true");
    let run = ws.apply_failing(&sim);
    let text = run.all();
    assert!(text.contains("INVALID_PARAMETER"), "{}", run.raw());
    assert!(
        text.contains("Started again: \"ins-00001\", \"ins-00002\""),
        "the message names the instances started again: {}",
        run.raw()
    );
    let starts = sim.calls_of("StartInstances");
    assert_eq!(starts.len(), 1, "{}", sim.call_summary(0));
    eventually_running(&sim, &ids(2));
    for id in ids(2) {
        assert_eq!(sim.reset_count(&id), 0);
    }
    assert!(ws.resource(ADDR).is_none(), "nothing recorded");
}

#[test]
fn instances_stopped_before_a_timeout_are_started_again() {
    // The stop takes 4 s and the create's timeout is 2 s: the wait for STOPPED times out.
    let sim = Sim::start(2, &["--power-rule", "stopped", "--stop-delay", "4s"]);
    let ws = Workspace::for_resource(
        &sim,
        &ids(2),
        "  shutdown_before_reset = true\n  timeouts {\n    create = \"2s\"\n  }",
    );
    let run = ws.apply_failing(&sim);
    assert!(
        run.all()
            .contains("Started again: \"ins-00001\", \"ins-00002\""),
        "{}",
        run.raw()
    );
    eventually_running(&sim, &ids(2));
    assert!(ws.resource(ADDR).is_none());
}

#[test]
fn ctrl_c_while_waiting_for_the_stop_starts_the_instances_again() {
    let sim = Sim::start(2, &["--power-rule", "stopped", "--stop-delay", "3s"]);
    let ws = Workspace::for_resource(&sim, &ids(2), "  shutdown_before_reset = true");
    let child = in_background(&ws, &["apply", "-auto-approve"]);
    poll(Duration::from_secs(60), "the stop", || {
        (count(&sim, "StopInstances") > 0).then_some(())
    });
    let run = interrupt(child, Interrupt::CtrlC);
    eprintln!("calls: {}", sim.call_summary(0));
    let run = run.failed();
    assert!(
        run.all()
            .contains("Started again: \"ins-00001\", \"ins-00002\""),
        "{}",
        run.raw()
    );
    eventually_running(&sim, &ids(2));
    assert_eq!(count(&sim, "ResetInstancesPassword"), 0);

    // The next apply sees them RUNNING, as they were: it stops, resets and brings them back.
    ws.apply();
    eventually_running(&sim, &ids(2));
    for id in ids(2) {
        assert_eq!(sim.reset_count(&id), 1);
    }
}

#[test]
fn an_instance_in_transition_does_not_hold_back_the_ready_ones() {
    // ins-00003 is held in STOPPING; the five others are RUNNING.
    let sim = Sim::start(6, &[]);
    sim.patch("ins-00003", json!({"status": "STOPPING"}));
    let ws = Workspace::for_resource(&sim, &ids(6), "  timeouts {\n    create = \"6s\"\n  }");
    let run = ws.apply_failing(&sim);
    let resets = sim.calls_of("ResetInstancesPassword");
    let accepted: Vec<&SimCall> = resets.iter().filter(|c| c.status == Some(200)).collect();
    assert_eq!(accepted.len(), 1, "{}", sim.call_summary(0));
    assert_eq!(accepted[0].instance_ids.len(), 5);
    // Reset straight after the refusal and one status read, not at the end of the timeout.
    let gap = accepted[0].at_ms - resets[0].at_ms;
    assert!(gap < 3000, "the ready instances waited {gap} ms");
    let text = run.all();
    assert_eq!(
        text.matches("Error:").count(),
        1,
        "one error: {}",
        run.raw()
    );
    assert!(text.contains("\"ins-00003\" (STOPPING)"), "{}", run.raw());
    assert!(!text.contains("status never read"), "{}", run.raw());
    let mut expected = ids(6);
    expected.retain(|id| id != "ins-00003");
    assert_eq!(ws.state_ids(ADDR), expected);
}

#[test]
fn a_terminal_status_during_the_wait_fails_within_a_poll_while_others_still_reboot() {
    let sim = Sim::start(2, &["--reboot-delay", "120s"]);
    let ws = Workspace::for_resource(&sim, &ids(2), "  timeouts {\n    create = \"60s\"\n  }");
    let child = in_background(&ws, &["apply", "-auto-approve"]);
    sim.wait_for_polling_after_a_reset();
    sim.patch("ins-00002", json!({"status": "RECYCLE"}));
    let run: Run = child.wait_with_output().expect("terraform ends").into();
    eprintln!("calls: {}", sim.call_summary(0));
    let run = run.failed();
    let text = run.all();
    assert!(text.contains("\"ins-00002\" (RECYCLE)"), "{}", run.raw());
    assert!(!text.contains("Timed out"), "{}", run.raw());
    assert_eq!(
        sim.status("ins-00001"),
        "REBOOT",
        "the apply ended while ins-00001 still rebooted"
    );
    // The resets themselves succeeded on both: state says so, and Terraform taints the
    // resource whose create failed.
    assert_eq!(ws.state_ids(ADDR), ids(2), "both resets succeeded");
    assert!(ws.tainted(ADDR));
}

#[test]
fn the_poll_interval_grows_by_half_from_the_first_poll() {
    let sim = Sim::start(1, &["--reboot-delay", "5s"]);
    let mut ws = Workspace::new();
    ws.configure_with(
        &sim,
        "  poll_interval = \"1s\"\n  retry_base_delay = \"20ms\"",
        &resource("web", &ids(1), ""),
    );
    ws.apply();
    let calls = sim.calls();
    let reset = calls
        .iter()
        .position(|c| c.action == "ResetInstancesPassword")
        .expect("a reset");
    let polls: Vec<u64> = calls[reset..]
        .iter()
        .filter(|c| c.action == "DescribeInstancesStatus")
        .map(|c| c.at_ms)
        .collect();
    let gaps: Vec<u64> = std::iter::once(polls[0] - calls[reset].at_ms)
        .chain(polls.windows(2).map(|w| w[1] - w[0]))
        .collect();
    eprintln!("waits before each poll (ms): {gaps:?}");
    assert!(gaps.len() >= 3, "{gaps:?}");
    // 1 s, 1.5 s, 2.25 s: each wait half as long again as the one before.
    for pair in gaps.windows(2).take(2) {
        let ratio = pair[1] as f64 / pair[0] as f64;
        assert!((1.3..1.7).contains(&ratio), "{gaps:?}");
    }
}
