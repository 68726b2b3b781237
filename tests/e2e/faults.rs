//! Resilience: throttling, server faults, dropped connections, slow answers, answers that are
//! not API responses, and wrong credentials. Each apply either succeeds with every instance
//! reset exactly once, or fails with the right message and nothing false in state.

use serde_json::{json, Value};

use crate::support::*;

const ADDR: &str = "zenlayer_instance_password.web";

/// Applies 3 instances with `fault` on ResetInstancesPassword; expects success with exactly
/// one accepted reset per instance. Returns the reset calls.
fn survives(fault: Value, provider_args: &str) -> Vec<SimCall> {
    let sim = Sim::start(3, &[]);
    let mut fault = fault;
    fault["action"] = json!("ResetInstancesPassword");
    sim.fault(fault);
    let mut ws = Workspace::new();
    ws.configure_with(&sim, provider_args, &resource("web", &ids(3), ""));
    ws.apply();
    eprintln!("calls: {}", sim.call_summary(0));
    for id in ids(3) {
        assert_eq!(sim.reset_count(&id), 1, "{id} reset exactly once");
        assert!(sim.password_matches(&id, PASSWORD));
    }
    assert_eq!(ws.state_ids(ADDR), ids(3));
    let resets = sim.calls_of("ResetInstancesPassword");
    let accepted: Vec<&SimCall> = resets
        .iter()
        .filter(|c| c.status == Some(200) && c.fault.is_none())
        .collect();
    assert_eq!(accepted.len(), 1);
    let request_ids = ws.resource(ADDR).expect("in state")["request_ids"].clone();
    assert_eq!(request_ids, json!([accepted[0].request_id]));
    resets
}

#[test]
fn a_throttling_burst_is_ridden_out() {
    let resets = survives(
        json!({"kind": "throttle", "count": 3}),
        FAST_PROVIDER_SETTINGS,
    );
    let codes: Vec<Option<&str>> = resets.iter().map(|c| c.code.as_deref()).collect();
    let throttled = Some("REQUEST_LIMIT_EXCEEDED");
    assert_eq!(codes, vec![throttled, throttled, throttled, None]);
}

#[test]
fn retry_after_is_honoured() {
    let resets = survives(
        json!({"kind": "throttle", "count": 1, "retry_after": 1}),
        FAST_PROVIDER_SETTINGS,
    );
    let gap = resets[1].at_ms - resets[0].at_ms;
    // The base delay is 20ms; only Retry-After explains a wait of a second.
    assert!(gap >= 1000, "retried after {gap}ms");
}

#[test]
fn server_faults_are_retried() {
    survives(
        json!({"kind": "server_error", "status": 503, "code": "SERVICE_TEMPORARY_UNAVAILABLE", "count": 2}),
        FAST_PROVIDER_SETTINGS,
    );
    survives(
        json!({"kind": "bad_gateway", "count": 1}),
        FAST_PROVIDER_SETTINGS,
    );
}

#[test]
fn dropped_connections_are_retried() {
    let resets = survives(json!({"kind": "drop", "count": 2}), FAST_PROVIDER_SETTINGS);
    assert!(resets[0].status.is_none(), "the first call got no answer");
}

#[test]
fn answers_slower_than_the_request_timeout_are_retried() {
    let settings = FAST_PROVIDER_SETTINGS.replace(
        "request_timeout      = \"5s\"",
        "request_timeout      = \"500ms\"",
    );
    let resets = survives(
        json!({"kind": "latency", "delay": 3000, "count": 1}),
        &settings,
    );
    assert!(
        resets[0].status.is_none(),
        "the slow call was abandoned, not processed"
    );
}

#[test]
fn a_reset_whose_answer_is_lost_is_sent_again_and_ends_right() {
    // The API processes the reset but the answer never arrives: the provider cannot know, so
    // it does not claim success; it retries, the API refuses (the instance is rebooting), the
    // provider waits for RUNNING and resets again. The instance ends with the password, reset
    // twice, and state is right.
    let sim = Sim::start(2, &[]);
    sim.fault(
        json!({"kind": "drop_after_processing", "action": "ResetInstancesPassword", "count": 1}),
    );
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();
    eprintln!("calls: {}", sim.call_summary(0));
    for id in ids(2) {
        assert_eq!(sim.reset_count(&id), 2, "{id}");
        assert!(sim.password_matches(&id, PASSWORD));
        assert_eq!(sim.status(&id), "RUNNING");
    }
    assert_eq!(ws.state_ids(ADDR), ids(2));
}

#[test]
fn garbled_success_bodies_are_retried() {
    survives(
        json!({"kind": "truncated_json", "count": 1}),
        FAST_PROVIDER_SETTINGS,
    );
    survives(
        json!({"kind": "non_json_200", "count": 1}),
        FAST_PROVIDER_SETTINGS,
    );
}

/// Applies with a permanent `fault` on ResetInstancesPassword; expects a clear failure that
/// contains every `expected` part, no retry, and nothing in state.
fn fails_clearly(fault: Value, expected: &[&str]) -> Run {
    let sim = Sim::start(2, &[]);
    let mut fault = fault;
    fault["action"] = json!("ResetInstancesPassword");
    sim.fault(fault);
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    let run = ws.apply_failing(&sim);
    for part in expected {
        assert!(
            run.all().contains(part),
            "{part:?} missing from\n{}",
            run.raw()
        );
    }
    assert!(ws.resource(ADDR).is_none(), "nothing claimed in state");
    assert!(sim.instances().iter().all(|i| i.reset_count == 0));
    run
}

#[test]
fn an_edge_firewall_challenge_is_reported_plainly_and_not_retried() {
    let run = fails_clearly(
        json!({"kind": "html_403"}),
        &[
            "HTTP 403",
            "cf-mitigated: challenge",
            "never reached the API",
            "\"ins-00001\", \"ins-00002\"",
        ],
    );
    assert!(
        !run.all().contains("JSON"),
        "no JSON decode error: {}",
        run.raw()
    );
}

#[test]
fn a_legal_block_is_reported_plainly() {
    fails_clearly(
        json!({"kind": "status_451"}),
        &["HTTP 451", "legal reasons"],
    );
}

#[test]
fn an_error_shaped_200_is_an_error() {
    fails_clearly(
        json!({"kind": "error_shaped_200", "code": "OPERATION_DENIED_INSTANCE_RECYCLED"}),
        &[
            "HTTP 200",
            "OPERATION_DENIED_INSTANCE_RECYCLED",
            "request id T",
        ],
    );
}

#[test]
fn a_retry_after_longer_than_the_time_left_names_the_timeout() {
    // The API asks for 30 s; the create has 3 s.
    let sim = Sim::start(1, &[]);
    sim.fault(json!({"kind": "throttle", "retry_after": 30, "action": "ResetInstancesPassword"}));
    let ws = Workspace::for_resource(&sim, &ids(1), "  timeouts {\n    create = \"3s\"\n  }");
    let run = ws.tf(&["apply", "-auto-approve"]).failed();
    let text = run.all();
    assert!(text.contains("REQUEST_LIMIT_EXCEEDED"), "{}", run.raw());
    assert!(
        text.contains("the next retry, due in 30s, did not fit in the operation's time left"),
        "{}",
        run.raw()
    );
    assert!(text.contains("timeouts.create"), "{}", run.raw());
    assert!(
        !text.contains("max_concurrency"),
        "the advice is about the timeout: {}",
        run.raw()
    );
    assert_eq!(sim.calls_of("ResetInstancesPassword").len(), 1, "no retry");
}

#[test]
fn throttling_beyond_the_retries_fails_with_the_attempts_and_advice() {
    fails_clearly(
        json!({"kind": "throttle"}),
        &[
            "REQUEST_LIMIT_EXCEEDED",
            "HTTP 429",
            "after 6 attempts",
            "max_concurrency",
        ],
    );
}

#[test]
fn wrong_credentials_fail_the_plan_with_advice() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::for_resource(&sim, &ids(1), "");
    ws.set_env(
        "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD",
        "Wrong-Key-Password-123",
    );
    let run = ws.tf(&["apply", "-auto-approve"]).failed();
    let text = run.all();
    for part in [
        "SIGNATURE_FAILURE",
        "HTTP 401",
        "Check access_key_id and access_key_password",
    ] {
        assert!(text.contains(part), "{part:?} missing from\n{}", run.raw());
    }
    assert!(!run.raw().contains("Wrong-Key-Password-123"));
    assert_eq!(
        sim.calls().len(),
        1,
        "authentication failures are not retried"
    );
    assert!(sim.write_calls().is_empty());
}

#[test]
fn a_fault_mix_never_leaves_state_claiming_an_unreset_password() {
    // Random faults on every action at a combined rate of about 40%, ridden out with five
    // retries; every other round, the batch holding ins-00150 also meets six server faults in
    // a row, one more than the retries, so that the apply fails part-way. After each apply,
    // every instance state lists must have the password state holds.
    let sim = Sim::start(250, &[]);
    let mix = json!([
        {"kind": "throttle", "rate": 0.08},
        {"kind": "server_error", "status": 503, "code": "SERVICE_TEMPORARY_UNAVAILABLE", "rate": 0.08},
        {"kind": "drop", "rate": 0.08},
        {"kind": "latency", "delay": 1500, "rate": 0.04},
        {"kind": "truncated_json", "rate": 0.04},
        {"kind": "non_json_200", "rate": 0.04},
        {"kind": "bad_gateway", "rate": 0.04},
        {"kind": "drop_after_processing", "rate": 0.04}
    ]);
    let settings = r#"
  poll_interval        = "50ms"
  restart_grace_period = "1s"
  retry_base_delay     = "10ms"
  request_timeout      = "1s"
  max_retries          = 5
"#;
    let mut ws = Workspace::new();
    ws.configure_with(&sim, settings, &resource("web", &ids(250), ""));
    let (mut succeeded, mut failed_clearly, mut lost) = (0, 0, 0);
    let applies = 10;
    for round in 0..applies {
        sim.clear_faults();
        if round % 2 == 1 {
            // First, so that it wins over the random rules.
            sim.fault(
                json!({"kind": "server_error", "action": "ResetInstancesPassword",
                             "instance_id": "ins-00150", "count": 6}),
            );
        }
        sim.fault(mix.clone());
        // A new password each round: each apply replaces the resource and resets everything.
        let password = format!("Round{round}!pw");
        ws.set_env("TF_VAR_root_password", &password);
        let run = ws.tf(&["apply", "-auto-approve"]);
        if run.code == 0 {
            succeeded += 1;
            assert_eq!(ws.state_ids(ADDR).len(), 250);
        } else {
            let text = run.all();
            assert!(text.contains("Error:"), "{}", run.raw());
            assert!(!text.contains("panicked"), "{}", run.raw());
            failed_clearly += 1;
        }
        let Some(values) = ws.resource(ADDR) else {
            continue;
        };
        let in_state = values["password"]
            .as_str()
            .expect("a password in state")
            .to_string();
        for id in ws.state_ids(ADDR) {
            if !sim.password_matches(&id, &in_state) {
                lost += 1;
            }
        }
    }
    let faults = sim.calls().iter().filter(|c| c.fault.is_some()).count();
    eprintln!(
        "fault mix: {applies} applies, {succeeded} succeeded, {failed_clearly} failed clearly, {lost} lost; {} calls, {faults} with an injected fault",
        sim.calls().len()
    );
    assert_eq!(lost, 0, "state claims passwords that are not set");
    assert!(succeeded >= 1, "no apply got through the faults");
    assert!(failed_clearly >= 1, "no apply failed");
}
