//! Rollouts against the simulator in-process, on tokio's paused clock. The budget is read from
//! the simulator's own record of instances out of RUNNING, never from the operation's report.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use zenlayer_protocol::action;
use zenlayer_sim::faults::FaultRule;
use zenlayer_sim::world::{FleetEntry, Settings};
use zenlayer_sim::Sim;

use super::{Cause, Halt, Limits, ResetReport, ResetRequest, RolloutPlan, Stage};
use crate::fleet::{FleetSettings, Operations};
use crate::testing::{self, calls, ids};
use crate::{Context, Secret};

const PASSWORD: &str = "Good1!pass";

fn sim(n: usize, reboot: Duration) -> Sim {
    testing::sim(
        n,
        Settings {
            reboot_delay: reboot,
            ..Settings::default()
        },
    )
}

fn fleet(sim: &Sim, max_unavailable: Option<usize>) -> Operations {
    let settings = FleetSettings {
        max_unavailable,
        ..FleetSettings::new(100, Duration::from_secs(2), Duration::from_secs(30))
    };
    testing::operations(sim, settings)
}

fn plan(max_unavailable: usize, canary: usize, max_failures: usize) -> Option<RolloutPlan> {
    Some(RolloutPlan {
        limits: Limits {
            max_unavailable,
            canary,
            max_failures,
        },
        zone_by_zone: false,
    })
}

fn request(targets: Vec<String>, shutdown: bool, rollout: Option<RolloutPlan>) -> ResetRequest {
    ResetRequest {
        instance_ids: targets,
        password: Secret::new(PASSWORD.into()),
        shutdown_before_reset: shutdown,
        wait_for_running: true,
        rollout,
    }
}

fn ctx() -> Context {
    Context::with_timeout(Duration::from_secs(3600), CancellationToken::new())
}

/// The simulator's record: the most instances out of RUNNING at once.
fn peak(sim: &Sim) -> usize {
    sim.lock().unavailable().peak
}

/// Every instance RUNNING with the new password, each reset once.
fn all_reset_once(sim: &Sim, targets: &[String]) -> bool {
    let mut world = sim.lock();
    world.advance();
    targets.iter().all(|id| {
        world.status(id) == Some("RUNNING")
            && world.password_matches(id, PASSWORD) == Some(true)
            && world.view(id).map(|v| v.reset_count) == Some(1)
    })
}

fn reset_count(sim: &Sim, id: &str) -> usize {
    sim.lock().view(id).expect("instance exists").reset_count
}

#[tokio::test(start_paused = true)]
async fn the_window_holds_and_slides_and_each_round_reads_in_one_call_per_hundred() {
    let sim = sim(300, Duration::from_secs(5));
    let started = Instant::now();
    let report = fleet(&sim, None)
        .reset_passwords(&request(ids(300), false, plan(100, 0, 0)), &ctx())
        .await;
    let elapsed = started.elapsed();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(all_reset_once(&sim, &ids(300)));
    assert_eq!(peak(&sim), 100);
    // 3 rounds of 5 s reboots, each noticed within a tick (1 s).
    assert!(elapsed <= Duration::from_secs(18), "{elapsed:?}");
    // After the first look, the status calls of one moment are one round: ceil(100 / 100).
    let first_reset = calls(&sim)
        .iter()
        .find(|c| c.action == action::RESET_INSTANCES_PASSWORD)
        .map(|c| c.at_ms)
        .expect("a reset");
    let mut per_moment: BTreeMap<u64, usize> = BTreeMap::new();
    for call in calls(&sim) {
        if call.action == action::DESCRIBE_INSTANCES_STATUS && call.at_ms > first_reset {
            *per_moment.entry(call.at_ms).or_default() += 1;
        }
    }
    assert!(per_moment.len() >= 15, "polled every tick: {per_moment:?}");
    assert!(per_moment.values().all(|&n| n == 1), "{per_moment:?}");
    let counts = report.rollout.expect("a rollout").counts;
    assert_eq!((counts.total, counts.reset), (300, 300));
}

#[tokio::test(start_paused = true)]
async fn the_provider_budget_bounds_two_operations_together() {
    let sim = sim(80, Duration::from_secs(3));
    let fleet = fleet(&sim, Some(10));
    let (first, second): (Vec<String>, Vec<String>) = ids(80).into_iter().partition(|id| {
        id.trim_start_matches('i')
            .parse::<u32>()
            .is_ok_and(|n| n % 2 == 0)
    });
    // One without a rollout of its own, one with a window of 8: the provider's 10 bound both.
    let (first, second) = (
        request(first, false, None),
        request(second, false, plan(8, 0, 0)),
    );
    let (ctx_a, ctx_b) = (ctx(), ctx());
    let (a, b) = futures::join!(
        fleet.reset_passwords(&first, &ctx_a),
        fleet.reset_passwords(&second, &ctx_b),
    );
    assert!(a.failures.is_empty() && b.failures.is_empty());
    assert!(all_reset_once(&sim, &ids(80)));
    assert_eq!(peak(&sim), 10);
    // Both read their instances in the same rounds: one call for the 10 in flight.
    assert_eq!(most_status_calls_at_one_moment(&sim), 1);
}

/// The most status calls at one moment after the first reset (a round's calls go at once).
fn most_status_calls_at_one_moment(sim: &Sim) -> usize {
    let calls = calls(sim);
    let first_reset = calls
        .iter()
        .find(|c| c.action == action::RESET_INSTANCES_PASSWORD)
        .map(|c| c.at_ms)
        .expect("a reset");
    let mut per_moment: BTreeMap<u64, usize> = BTreeMap::new();
    for call in calls {
        if call.action == action::DESCRIBE_INSTANCES_STATUS && call.at_ms > first_reset {
            *per_moment.entry(call.at_ms).or_default() += 1;
        }
    }
    per_moment.into_values().max().unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn the_stop_before_the_reset_counts_against_the_window() {
    let sim = sim(30, Duration::from_secs(2));
    let report = fleet(&sim, None)
        .reset_passwords(&request(ids(30), true, plan(5, 0, 0)), &ctx())
        .await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(all_reset_once(&sim, &ids(30)));
    assert_eq!(peak(&sim), 5);
}

#[tokio::test(start_paused = true)]
async fn a_canary_goes_alone_and_the_rest_waits_until_it_is_back() {
    let sim = sim(10, Duration::from_secs(4));
    let report = fleet(&sim, None)
        .reset_passwords(&request(ids(10), false, plan(5, 1, 0)), &ctx())
        .await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let resets: Vec<(u64, usize)> = calls(&sim)
        .iter()
        .filter(|c| c.action == action::RESET_INSTANCES_PASSWORD)
        .map(|c| (c.at_ms, c.instance_ids.len()))
        .collect();
    assert_eq!(resets[0].1, 1, "the canary alone: {resets:?}");
    assert!(
        resets[1].0 >= resets[0].0 + 4000,
        "after its reboot: {resets:?}"
    );
    assert_eq!(peak(&sim), 5);
}

/// A fault that releases `id` just before its reset (it is refused as recycled: a failure).
fn released_at_reset(sim: &Sim, id: &str) {
    let rule: FaultRule = serde_json::from_value(json!({
        "kind": "release", "action": action::RESET_INSTANCES_PASSWORD,
        "instance_id": id, "count": 1
    }))
    .expect("rule");
    sim.faults().add([rule]);
}

fn not_reached(report: &ResetReport) -> Option<(Vec<String>, Cause)> {
    report
        .failures
        .iter()
        .find(|f| f.stage == Stage::Rollout)
        .map(|f| {
            let ids = f.instances.iter().map(|(id, _)| id.clone()).collect();
            (ids, f.cause.clone())
        })
}

#[tokio::test(start_paused = true)]
async fn past_max_failures_nothing_new_starts_and_the_rest_is_not_reached() {
    let sim = sim(20, Duration::from_secs(2));
    released_at_reset(&sim, "i1");
    released_at_reset(&sim, "i2");
    // One at a time: i1 fails, i2 fails (past max_failures = 1); nothing after.
    let report = fleet(&sim, None)
        .reset_passwords(&request(ids(20), false, plan(1, 0, 1)), &ctx())
        .await;
    let rollout = report.rollout.expect("a rollout");
    assert_eq!(rollout.halted, Some(Halt::Failures));
    assert_eq!((rollout.counts.failed, rollout.counts.not_reached), (2, 18));
    let (left, cause) = not_reached(&report).expect("not reached");
    assert_eq!(left, ids(20)[2..].to_vec());
    assert!(matches!(cause, Cause::NotReached(Halt::Failures)));
    assert!(
        left.iter().all(|id| reset_count(&sim, id) == 0),
        "left untouched"
    );
    assert!(report.reset.is_empty());
}

#[tokio::test(start_paused = true)]
async fn zone_by_zone_finishes_a_zone_before_the_next_starts() {
    let sim = sim(0, Duration::from_secs(2));
    for (n, zone) in ["B", "A", "B", "A", "C", "A"].iter().enumerate() {
        let mut entry: FleetEntry =
            serde_json::from_value(json!({"id": format!("i{}", n + 1), "zone_id": zone}))
                .expect("entry");
        entry.attributes.name = entry.id.clone();
        sim.lock().add(entry);
    }
    let request = ResetRequest {
        rollout: Some(RolloutPlan {
            zone_by_zone: true,
            ..plan(10, 0, 0).expect("plan")
        }),
        ..request(ids(6), false, None)
    };
    let report = fleet(&sim, None).reset_passwords(&request, &ctx()).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let order: Vec<Vec<String>> = calls(&sim)
        .iter()
        .filter(|c| c.action == action::RESET_INSTANCES_PASSWORD)
        .map(|c| c.instance_ids.clone())
        .collect();
    let zone = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        order,
        vec![
            zone(&["i2", "i4", "i6"]),
            zone(&["i1", "i3"]),
            zone(&["i5"])
        ]
    );
    assert_eq!(peak(&sim), 3, "one zone at a time");
}

#[tokio::test(start_paused = true)]
async fn a_stop_request_starts_nothing_new_and_brings_back_what_was_started() {
    let sim = sim(12, Duration::from_secs(5));
    let cancel = CancellationToken::new();
    let ctx = Context::with_timeout(Duration::from_secs(600), cancel.clone());
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(7)).await;
        stop.cancel();
    });
    let report = fleet(&sim, None)
        .reset_passwords(&request(ids(12), true, plan(4, 0, 0)), &ctx)
        .await;
    let rollout = report.rollout.expect("a rollout");
    assert_eq!(rollout.halted, Some(Halt::Cancelled));
    let (left, _) = not_reached(&report).expect("not reached");
    assert!(!left.is_empty() && left.len() < 12, "{left:?}");
    assert!(left.iter().all(|id| reset_count(&sim, id) == 0));
    let mut world = sim.lock();
    world.advance();
    assert!(
        ids(12).iter().all(|id| world.status(id) == Some("RUNNING")),
        "every instance the rollout stopped is RUNNING again"
    );
}

#[tokio::test(start_paused = true)]
async fn each_instance_back_frees_its_place_at_once_not_when_its_batch_is_back() {
    // Reboots drawn from 1 to 20 s, the same draws each run. Ten places: in waves of ten,
    // each wave lasts its slowest reboot (about 19 s, 190 s for ten waves); sliding, each
    // place takes ten instances of about 10.5 s on average, about 110 s.
    fastrand::seed(7);
    let sim = testing::sim(
        100,
        Settings {
            reboot_delay: Duration::from_secs(1),
            reboot_delay_max: Some(Duration::from_secs(20)),
            ..Settings::default()
        },
    );
    let started = Instant::now();
    let report = fleet(&sim, None)
        .reset_passwords(&request(ids(100), false, plan(10, 0, 0)), &ctx())
        .await;
    let elapsed = started.elapsed();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(all_reset_once(&sim, &ids(100)));
    assert_eq!(peak(&sim), 10);
    assert!(elapsed < Duration::from_secs(150), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn a_window_as_large_as_the_fleet_polls_at_the_usual_pace() {
    let sim = sim(300, Duration::from_secs(30));
    let report = fleet(&sim, None)
        .reset_passwords(&request(ids(300), false, plan(300, 0, 0)), &ctx())
        .await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(all_reset_once(&sim, &ids(300)));
    assert_eq!(peak(&sim), 300);
    // Nothing waits for a place: polls 2 s, 3 s, 4.5 s ... apart, not a round every tick
    // (which would be 60 rounds of 3 calls in the 30 s reboot).
    let status_calls = calls(&sim)
        .iter()
        .filter(|c| c.action == action::DESCRIBE_INSTANCES_STATUS)
        .count();
    assert!(status_calls <= 3 * 8, "{status_calls} status calls");
    let counts = report.rollout.expect("a rollout").counts;
    assert_eq!((counts.total, counts.reset), (300, 300));
}
