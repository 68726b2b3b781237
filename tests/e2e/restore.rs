//! Never left off: on the stop → reset → start path, a start or a status read that fails past
//! the client's retries is tried again until the instance is seen RUNNING, and an instance
//! found STOPPED ends STOPPED, whatever the platform does after the reset.

use serde_json::json;

use crate::support::*;

const ADDR: &str = "zenlayer_instance_password.web";

/// Provider settings with one retry per call, so that two faults in a row outlast them.
const ONE_RETRY: &str = r#"
  poll_interval        = "50ms"
  restart_grace_period = "1s"
  retry_base_delay     = "20ms"
  request_timeout      = "5s"
  max_retries          = 1
"#;

/// A workspace resetting `n` instances with `shutdown_before_reset` on `sim`, whose timeout
/// (20 s) is far shorter than the default, so that a provider that waits for it fails.
fn shutdown_workspace(sim: &Sim, n: usize) -> Workspace {
    let mut ws = Workspace::new();
    let body = resource(
        "web",
        &ids(n),
        "  shutdown_before_reset = true\n  timeouts {\n    create = \"20s\"\n  }",
    );
    ws.configure_with(sim, ONE_RETRY, &body);
    ws
}

/// The stopped rule, and a platform that restarts no instance after its reset.
fn sim_without_restarts(n: usize) -> Sim {
    let sim = Sim::start(n, &["--power-rule", "stopped"]);
    for id in ids(n) {
        sim.patch(&id, json!({"auto_restart": false}));
    }
    sim
}

fn all_in(sim: &Sim, ids: &[String], status: &str) {
    for id in ids {
        assert_eq!(sim.status(id), status, "{id}: {}", sim.call_summary(0));
    }
}

#[test]
fn a_start_that_fails_past_the_retries_is_tried_again_until_running() {
    let sim = sim_without_restarts(2);
    sim.fault(json!({"kind": "server_error", "action": "StartInstances", "count": 2}));
    let ws = shutdown_workspace(&sim, 2);
    let run = ws.apply();
    eprintln!("calls: {}", sim.call_summary(0));
    let starts = sim.calls_of("StartInstances");
    assert_eq!(starts.len(), 3, "two refused, then accepted");
    assert_eq!(starts[2].status, Some(200));
    all_in(&sim, &ids(2), "RUNNING");
    assert_eq!(ws.state_ids(ADDR), ids(2));
    assert!(
        run.all().contains("were started again"),
        "a warning names them: {}",
        run.raw()
    );
    assert!(!run.all().contains("while starting for the reset"));
}

#[test]
fn failed_status_reads_after_the_reset_still_end_with_the_instances_started() {
    let sim = sim_without_restarts(2);
    sim.fault(
        json!({"kind": "server_error", "action": "DescribeInstancesStatus",
                     "after": "ResetInstancesPassword", "count": 2}),
    );
    let ws = shutdown_workspace(&sim, 2);
    ws.apply();
    eprintln!("calls: {}", sim.call_summary(0));
    assert!(
        !sim.calls_of("StartInstances").is_empty(),
        "a start was sent"
    );
    all_in(&sim, &ids(2), "RUNNING");
    assert_eq!(ws.state_ids(ADDR), ids(2));
}

#[test]
fn an_instance_found_stopped_ends_stopped_without_shutdown_too() {
    // The stopped rule: ins-00001 is restarted by the platform after its reset, ins-00002 not.
    let sim = Sim::start(2, &["--power-rule", "stopped"]);
    sim.patch("ins-00001", json!({"status": "STOPPED"}));
    sim.patch(
        "ins-00002",
        json!({"status": "STOPPED", "auto_restart": false}),
    );
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    let run = ws.apply();
    eprintln!("calls: {}", sim.call_summary(0));
    all_in(&sim, &ids(2), "STOPPED");
    for id in ids(2) {
        assert!(sim.password_matches(&id, PASSWORD), "{id}");
    }
    let stops = sim.calls_of("StopInstances");
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0].instance_ids, vec!["ins-00001"]);
    assert_eq!(stops[0].force_shutdown, Some(false), "graceful");
    assert!(!run.all().contains("stayed STOPPED"), "{}", run.raw());
    assert_eq!(ws.state_ids(ADDR), ids(2));
}
