//! No instance this operation stopped is left off: failed starts and status reads after the
//! reset, and a property test that draws fault schedules over the whole stop → reset → start
//! path (each call failing, timing out or dropped, before and after the reset, and a stop
//! request at any moment) and checks that every instance ends as it was found.

use std::time::Duration;

use proptest::prelude::*;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use zenlayer_protocol::{action, PowerRule};
use zenlayer_sim::faults::FaultRule;
use zenlayer_sim::world::Settings;
use zenlayer_sim::Sim;

use super::{ResetReport, ResetRequest, Stage};
use crate::fleet::FleetSettings;
use crate::testing::{self, calls_of, ids};
use crate::{Context, Secret};

const PASSWORD: &str = "Good1!pass";

fn rule(value: serde_json::Value) -> FaultRule {
    serde_json::from_value(value).expect("a fault rule")
}

fn status(sim: &Sim, id: &str) -> String {
    let mut world = sim.lock();
    world.advance();
    world.status(id).expect("instance exists").to_string()
}

/// A reset with `shutdown_before_reset` on the stopped rule, where the platform restarts no
/// instance by itself, the client retrying `retries` times.
async fn shutdown_reset(sim: &Sim, n: usize, retries: u32) -> ResetReport {
    let settings = FleetSettings::new(100, Duration::from_secs(1), Duration::from_secs(5));
    let fleet = testing::operations_with_retries(sim, settings, retries);
    let password = Secret::new(PASSWORD.into());
    let request = ResetRequest {
        instance_ids: ids(n),
        password: password.clone(),
        shutdown_before_reset: true,
        wait_for_running: true,
        rollout: None,
    };
    let ctx = Context::with_timeout(Duration::from_secs(1200), CancellationToken::new());
    fleet.reset_passwords(&request, &ctx).await
}

fn stopped_rule_without_restarts(n: usize) -> Sim {
    let sim = testing::sim(
        n,
        Settings {
            power_rule: PowerRule::Stopped,
            ..Settings::default()
        },
    );
    for id in ids(n) {
        assert!(sim.lock().modify(&id, None, Some(false)));
    }
    sim
}

#[tokio::test(start_paused = true)]
async fn a_start_that_fails_past_the_retries_is_tried_again_until_seen_running() {
    let sim = stopped_rule_without_restarts(2);
    // Four 500s: the first start and its three retries.
    sim.faults().add([rule(json!({
        "kind": "server_error", "action": action::START_INSTANCES, "count": 4
    }))]);
    let started = tokio::time::Instant::now();
    let report = shutdown_reset(&sim, 2, 3).await;
    let starts = calls_of(&sim, action::START_INSTANCES);
    assert_eq!(
        starts.len(),
        5,
        "four refused, then one accepted: {starts:?}"
    );
    for id in ids(2) {
        assert_eq!(
            status(&sim, &id),
            "RUNNING",
            "{id} seen RUNNING before the end"
        );
    }
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.reset.len(), 2);
    assert_eq!(report.started_again.len(), 2);
    assert_eq!(report.restored.len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "not the operation's timeout: {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn failed_status_reads_after_the_reset_still_end_with_a_start() {
    let sim = stopped_rule_without_restarts(2);
    sim.faults().add([rule(json!({
        "kind": "server_error", "action": action::DESCRIBE_INSTANCES_STATUS,
        "after": action::RESET_INSTANCES_PASSWORD, "count": 2
    }))]);
    let report = shutdown_reset(&sim, 2, 1).await;
    assert!(
        !calls_of(&sim, action::START_INSTANCES).is_empty(),
        "a start was sent"
    );
    for id in ids(2) {
        assert_eq!(status(&sim, &id), "RUNNING", "{id}");
    }
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.restored.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_instance_that_never_boots_is_named_once_the_bound_passes() {
    let sim = stopped_rule_without_restarts(1);
    sim.faults().add([rule(json!({
        "kind": "refuse", "status": 403, "code": "OPERATION_DENIED",
        "action": action::START_INSTANCES
    }))]);
    let started = tokio::time::Instant::now();
    let report = shutdown_reset(&sim, 1, 0).await;
    let left = report
        .failures
        .iter()
        .find(|f| f.stage == Stage::StartAgain)
        .expect("named as left off");
    assert_eq!(
        left.instances,
        vec![("i1".to_string(), Some(crate::InstanceStatus::Stopped))]
    );
    assert!(matches!(&left.cause, super::Cause::Api(e) if e.code() == Some("OPERATION_DENIED")));
    assert_eq!(left.outcome, super::Outcome::Reset);
    let took = started.elapsed();
    assert!(
        took <= Duration::from_secs(30) + crate::fleet::POWER_RESTORE_BOUND,
        "bounded: {took:?}"
    );
}

/// One drawn fault: on which action, what, how often, after how many calls pass, and whether
/// it waits for the reset.
fn fault() -> impl Strategy<Value = FaultRule> {
    let actions = prop::sample::select(vec![
        action::DESCRIBE_INSTANCES_STATUS,
        action::STOP_INSTANCES,
        action::RESET_INSTANCES_PASSWORD,
        action::START_INSTANCES,
    ]);
    let kinds = prop::sample::select(vec![
        json!({"kind": "server_error"}),
        json!({"kind": "drop"}),
        json!({"kind": "drop_after_processing"}),
        json!({"kind": "slow_answer", "delay": 7000}),
        json!({"kind": "throttle"}),
        json!({"kind": "refuse", "status": 400, "code": "INVALID_PARAMETER"}),
    ]);
    (actions, kinds, 1u32..4, 0u32..2, any::<bool>()).prop_map(
        |(action, mut kind, count, skip, after_reset)| {
            kind["action"] = json!(action);
            kind["count"] = json!(count);
            kind["skip"] = json!(skip);
            if after_reset {
                kind["after"] = json!(action::RESET_INSTANCES_PASSWORD);
            }
            rule(kind)
        },
    )
}

/// A drawn scene: each instance's status and whether the platform restarts it, the power rule,
/// the faults, and when (if ever) Terraform asks the provider to stop.
#[derive(Debug, Clone)]
struct Scene {
    instances: Vec<(bool, bool)>,
    stopped_rule: bool,
    shutdown: bool,
    faults: Vec<FaultRule>,
    stop_after_ms: Option<u64>,
}

fn scene() -> impl Strategy<Value = Scene> {
    (
        prop::collection::vec((any::<bool>(), any::<bool>()), 1..5),
        any::<bool>(),
        prop::bool::weighted(0.8),
        prop::collection::vec(fault(), 0..4),
        prop::option::of(0u64..20_000),
    )
        .prop_map(
            |(instances, stopped_rule, shutdown, faults, stop_after_ms)| Scene {
                instances,
                stopped_rule,
                shutdown,
                faults,
                stop_after_ms,
            },
        )
}

/// Runs `scene` and returns, per instance, its status before and after (once every boot had
/// time to end), with the report.
async fn play(scene: &Scene) -> (Vec<(String, String)>, ResetReport, Sim) {
    let n = scene.instances.len();
    let rule = if scene.stopped_rule {
        PowerRule::Stopped
    } else {
        PowerRule::Running
    };
    let sim = testing::sim(
        n,
        Settings {
            power_rule: rule,
            ..Settings::default()
        },
    );
    for (id, (running, restarts)) in ids(n).iter().zip(&scene.instances) {
        let status = if *running { "RUNNING" } else { "STOPPED" };
        assert!(sim.lock().modify(id, Some(status), Some(*restarts)));
    }
    sim.faults().add(scene.faults.clone());
    let settings = FleetSettings::new(2, Duration::from_secs(1), Duration::from_secs(5));
    let fleet = testing::operations_with_retries(&sim, settings, 1);
    let password = Secret::new(PASSWORD.into());
    let cancel = CancellationToken::new();
    if let Some(ms) = scene.stop_after_ms {
        let stopper = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            stopper.cancel();
        });
    }
    let ctx = Context::with_timeout(Duration::from_secs(600), cancel);
    let targets = ids(n);
    let request = ResetRequest {
        instance_ids: targets.to_vec(),
        password: password.clone(),
        shutdown_before_reset: scene.shutdown,
        wait_for_running: true,
        rollout: None,
    };
    let report = fleet.reset_passwords(&request, &ctx).await;
    // Boots and stops under way when the operation returned end on their own.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let before = scene
        .instances
        .iter()
        .map(|(running, _)| if *running { "RUNNING" } else { "STOPPED" });
    let ends = targets
        .iter()
        .zip(before)
        .map(|(id, before)| (before.to_string(), status(&sim, id)))
        .collect();
    (ends, report, sim)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_instance_this_operation_stopped_is_left_off(scene in scene()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a runtime");
        let (ends, report, sim) = runtime.block_on(play(&scene));
        let left_off: Vec<&String> = report
            .stopped
            .iter()
            .filter(|id| {
                let n: usize = id[1..].parse().expect("iN");
                ends[n - 1].1 != "RUNNING"
            })
            .collect();
        prop_assert!(
            left_off.is_empty(),
            "left off: {left_off:?}; ends {ends:?}; failures {:?}; calls {:?}",
            report.failures,
            testing::calls(&sim).iter().map(|c| format!("{}({:?}) {:?} {:?}", c.action, c.instance_ids, c.code, c.fault)).collect::<Vec<_>>()
        );
        for (n, (before, after)) in ends.iter().enumerate() {
            if before == "RUNNING" {
                prop_assert_eq!(after, "RUNNING", "i{} ran before: {:?}", n + 1, report.failures);
            }
        }
        for id in &report.reset {
            prop_assert_eq!(sim.lock().password_matches(id, PASSWORD), Some(true), "{} recorded as reset", id);
        }
    }
}
