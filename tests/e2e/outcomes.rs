//! Saying exactly what is known: a reset whose outcome is unknown is reported as such and not
//! claimed in state; instances being released are refused at plan, or narrowed out of their
//! batch; nulls fail the plan; a long polling interval is refused and cannot skip the wait.

use serde_json::json;

use crate::support::*;

const ADDR: &str = "zenlayer_instance_password.web";

/// Provider settings without retries, so that one lost answer ends the call.
fn no_retries() -> String {
    format!("{FAST_PROVIDER_SETTINGS}  max_retries = 0\n")
}

#[test]
fn a_lost_answer_is_an_unknown_outcome_and_the_next_apply_sets_it_again() {
    let sim = Sim::start(1, &[]);
    sim.fault(
        json!({"kind": "drop_after_processing", "action": "ResetInstancesPassword", "count": 1}),
    );
    let mut ws = Workspace::new();
    ws.configure_with(&sim, &no_retries(), &resource("web", &ids(1), ""));
    let run = ws.tf(&["apply", "-auto-approve"]).failed();
    let text = run.all();
    eprintln!("lost answer: {}", run.all());
    assert_eq!(sim.reset_count("ins-00001"), 1, "the API did apply it");
    for part in [
        "outcome is unknown",
        "ins-00001",
        "the API may have applied it; the next apply sets it again",
    ] {
        assert!(text.contains(part), "{part:?} missing from\n{}", run.raw());
    }
    assert!(!text.contains("No password was reset"), "{}", run.raw());
    assert!(
        ws.resource(ADDR).is_none(),
        "nothing confirmed, nothing claimed"
    );
    ws.apply();
    assert_eq!(sim.reset_count("ins-00001"), 2, "set again");
    assert_eq!(ws.state_ids(ADDR), ids(1));
}

#[test]
fn a_deadline_during_the_call_names_timeouts_create_and_the_unknown_outcome() {
    let sim = Sim::start(1, &[]);
    sim.fault(json!({"kind": "slow_answer", "delay": 3000, "action": "ResetInstancesPassword", "count": 1}));
    let ws = Workspace::for_resource(&sim, &ids(1), "  timeouts {\n    create = \"500ms\"\n  }");
    let run = ws.tf(&["apply", "-auto-approve"]).failed();
    let text = run.all();
    eprintln!("deadline during the call: {}", run.all());
    assert_eq!(sim.reset_count("ins-00001"), 1, "the API did apply it");
    for part in ["timeouts.create", "outcome is unknown", "ins-00001"] {
        assert!(text.contains(part), "{part:?} missing from\n{}", run.raw());
    }
    assert!(
        !text.contains("request_timeout"),
        "the wrong bound:\n{}",
        run.raw()
    );
    assert!(ws.resource(ADDR).is_none());
}

#[test]
fn an_instance_being_released_fails_the_plan_naming_it() {
    let sim = Sim::start(5, &[]);
    sim.patch("ins-00003", json!({"status": "RELEASING"}));
    let ws = Workspace::for_resource(&sim, &ids(5), "");
    let run = ws.tf(&["plan"]).failed();
    let text = run.all();
    for part in ["\"ins-00003\" (RELEASING)", "remove"] {
        assert!(text.contains(part), "{part:?} missing from\n{}", run.raw());
    }
    assert!(
        !text.contains("\"ins-00001\" ("),
        "only the released one is named"
    );
    assert!(sim.write_calls().is_empty());
}

#[test]
fn an_instance_released_during_the_apply_is_narrowed_out_of_its_batch() {
    let sim = Sim::start(5, &[]);
    sim.fault(
        json!({"kind": "release", "action": "ResetInstancesPassword",
                     "instance_id": "ins-00003", "count": 1}),
    );
    let ws = Workspace::for_resource(&sim, &ids(5), "");
    let run = ws.tf(&["apply", "-auto-approve"]).failed();
    let text = run.all();
    eprintln!("released during the apply: {}", run.all());
    let refused = &sim.calls_of("ResetInstancesPassword")[0];
    for part in [
        "\"ins-00003\" (RELEASING)",
        "remove it from instance_ids",
        "4 of 5",
        "OPERATION_DENIED_INSTANCE_RECYCLED",
        refused.request_id.as_str(),
    ] {
        assert!(text.contains(part), "{part:?} missing from\n{}", run.raw());
    }
    let kept: Vec<String> = ids(5).into_iter().filter(|id| id != "ins-00003").collect();
    assert_eq!(ws.state_ids(ADDR), kept);
    for id in &kept {
        assert!(sim.password_matches(id, PASSWORD), "{id}");
    }
    assert!(!sim.password_matches("ins-00003", PASSWORD));
}

#[test]
fn null_arguments_fail_the_plan_naming_them() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::new();
    let cases = [
        (
            "resource \"zenlayer_instance_password\" \"web\" {\n  instance_ids = null\n  password     = var.root_password\n}\n",
            "instance_ids",
        ),
        (
            "resource \"zenlayer_instance_password\" \"web\" {\n  instance_ids = [\"ins-00001\"]\n  password     = null\n}\n",
            "Missing password",
        ),
    ];
    for (body, expected) in cases {
        ws.configure(&sim, body);
        let run = ws.tf(&["plan"]).failed();
        assert!(
            run.all().contains(expected),
            "{expected:?} missing from\n{}",
            run.raw()
        );
        assert!(!run.all().contains("must be known when"), "{}", run.raw());
    }
    assert!(sim.write_calls().is_empty());
}

#[test]
fn a_polling_interval_over_its_maximum_is_refused() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::new();
    let args = format!("{FAST_PROVIDER_SETTINGS}  poll_interval = \"1h\"\n");
    ws.configure_with(
        &sim,
        &args.replace("  poll_interval        = \"50ms\"\n", ""),
        &resource("web", &ids(1), ""),
    );
    let run = ws.tf(&["plan"]).failed();
    assert!(
        run.all().contains("poll_interval must be at most 15s"),
        "{}",
        run.raw()
    );
    assert!(sim.calls().is_empty());
}

#[test]
fn the_wait_polls_before_its_timeout_however_long_the_interval() {
    let sim = Sim::start(1, &["--reboot-delay", "1s"]);
    let mut ws = Workspace::new();
    let args = FAST_PROVIDER_SETTINGS.replace(
        "poll_interval        = \"50ms\"",
        "poll_interval        = \"15s\"",
    );
    ws.configure_with(
        &sim,
        &args,
        &resource("web", &ids(1), "  timeouts {\n    create = \"8s\"\n  }"),
    );
    let started = std::time::Instant::now();
    ws.apply();
    eprintln!(
        "15s interval, 8s timeout, 1s reboot: applied in {:?}",
        started.elapsed()
    );
    let calls = sim.calls();
    let reset = calls
        .iter()
        .position(|c| c.action == "ResetInstancesPassword")
        .expect("a reset");
    assert!(
        calls[reset..]
            .iter()
            .any(|c| c.action == "DescribeInstancesStatus"),
        "polled after the reset: {}",
        sim.call_summary(0)
    );
    assert_eq!(sim.status("ins-00001"), "RUNNING");
}
