//! The schedule against a simulated fleet on a paused clock: each started instance comes back
//! (or fails) after its own reboot time.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use super::*;

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:05}")).collect()
}

/// What a simulated rollout did.
#[derive(Debug, Default)]
struct Run {
    /// From the first start to the last instance's return.
    elapsed: Duration,
    /// The most instances holding a place at once.
    peak: usize,
    /// When each instance started, from the beginning.
    started: BTreeMap<String, Duration>,
}

/// Drives `schedule`: starts what it allows, lets the clock run to the next return, reports
/// it (`back` then `done`, or a failure for the ids in `fails`), until the rollout is over.
async fn simulate(
    schedule: &mut Schedule,
    reboot: impl Fn(&str) -> Duration,
    fails: &[&str],
) -> Run {
    let origin = Instant::now();
    let mut run = Run::default();
    let mut returning: BTreeMap<(Instant, String), ()> = BTreeMap::new();
    loop {
        for id in schedule.take(usize::MAX) {
            run.started.insert(id.clone(), origin.elapsed());
            returning.insert((Instant::now() + reboot(&id), id), ());
        }
        run.peak = run.peak.max(schedule.holding());
        if schedule.is_over() {
            break;
        }
        let Some(((at, id), ())) = returning.pop_first() else {
            panic!("the rollout waits for nothing: {:?}", schedule.counts());
        };
        tokio::time::advance(at.saturating_duration_since(Instant::now())).await;
        if fails.contains(&id.as_str()) {
            schedule.done(&id, false, false);
        } else {
            schedule.back(&id);
            schedule.done(&id, true, false);
        }
    }
    run.elapsed = origin.elapsed();
    run
}

fn limits(max_unavailable: usize) -> Limits {
    Limits {
        max_unavailable,
        canary: 0,
        max_failures: 0,
    }
}

#[tokio::test(start_paused = true)]
async fn a_thousand_at_a_hundred_with_five_second_reboots_take_fifty_seconds() {
    let mut schedule = Schedule::new(vec![ids("i", 1000)], limits(100));
    let run = simulate(&mut schedule, |_| Duration::from_secs(5), &[]).await;
    assert_eq!(run.elapsed, Duration::from_secs(50));
    assert_eq!(run.peak, 100);
    assert_eq!(schedule.counts().reset, 1000);
}

#[tokio::test(start_paused = true)]
async fn the_window_slides_past_a_slow_instance_where_waves_would_wait() {
    // One instance takes 10 s, the others 2 s. In waves of 3: 10 s, then 2 s for each of
    // three more waves, 16 s. Sliding: the slow one holds one place while the other two
    // places take the remaining nine, 2 s each: 10 s in all.
    let mut schedule = Schedule::new(vec![ids("i", 10)], limits(3));
    let slow = |id: &str| Duration::from_secs(if id == "i00000" { 10 } else { 2 });
    let run = simulate(&mut schedule, slow, &[]).await;
    assert_eq!(run.elapsed, Duration::from_secs(10));
    assert_eq!(run.peak, 3);
    assert_eq!(
        run.started["i00003"],
        Duration::from_secs(2),
        "at the first return"
    );
}

#[tokio::test(start_paused = true)]
async fn canaries_go_first_alone_and_the_rest_waits_for_them() {
    let limits = Limits {
        canary: 2,
        ..limits(5)
    };
    let mut schedule = Schedule::new(vec![ids("i", 12)], limits);
    assert_eq!(schedule.room(), 2, "only the canaries at first");
    let reboot = |id: &str| Duration::from_secs(if id == "i00001" { 7 } else { 3 });
    let run = simulate(&mut schedule, reboot, &[]).await;
    let at = |id: &str| run.started[id].as_secs();
    assert_eq!((at("i00000"), at("i00001")), (0, 0));
    assert!(
        (2..12).all(|i| at(&format!("i{i:05}")) >= 7),
        "nothing else before the slower canary is back: {:?}",
        run.started
    );
    assert_eq!(run.peak, 5);
}

#[tokio::test(start_paused = true)]
async fn a_failed_canary_stops_the_rollout_whatever_max_failures_says() {
    let limits = Limits {
        canary: 1,
        max_failures: 100,
        ..limits(5)
    };
    let mut schedule = Schedule::new(vec![ids("i", 8)], limits);
    simulate(&mut schedule, |_| Duration::from_secs(1), &["i00000"]).await;
    assert_eq!(schedule.halted(), Some(Halt::Canary));
    let counts = schedule.counts();
    assert_eq!((counts.failed, counts.not_reached, counts.reset), (1, 7, 0));
    assert_eq!(
        schedule.not_reached().first().map(String::as_str),
        Some("i00001")
    );
}

#[tokio::test(start_paused = true)]
async fn past_max_failures_nothing_new_starts_and_those_in_flight_finish() {
    let limits = Limits {
        max_failures: 1,
        ..limits(3)
    };
    let mut schedule = Schedule::new(vec![ids("i", 10)], limits);
    // i00000 and i00001 fail at 1 s and 2 s; i00002 is in flight until 5 s.
    let reboot = |id: &str| match id {
        "i00000" => Duration::from_secs(1),
        "i00001" => Duration::from_secs(2),
        _ => Duration::from_secs(5),
    };
    let run = simulate(&mut schedule, reboot, &["i00000", "i00001"]).await;
    assert_eq!(schedule.halted(), Some(Halt::Failures));
    let counts = schedule.counts();
    // Started: the first three, then i00003 in i00000's place at 1 s; none after the
    // second failure. i00002 and i00003 finish.
    assert_eq!(run.started.len(), 4);
    assert_eq!(
        (
            counts.reset,
            counts.failed,
            counts.not_reached,
            counts.restarting
        ),
        (2, 2, 6, 0)
    );
    assert_eq!(run.elapsed, Duration::from_secs(6), "i00003's return");
}

#[tokio::test(start_paused = true)]
async fn zone_by_zone_finishes_a_zone_before_the_next_starts() {
    let groups = vec![ids("a", 3), ids("b", 4), ids("c", 1)];
    let mut schedule = Schedule::new(groups, limits(10));
    let reboot = |id: &str| Duration::from_secs(if id == "a00002" { 9 } else { 2 });
    let run = simulate(&mut schedule, reboot, &[]).await;
    let at = |id: &str| run.started[id].as_secs();
    assert_eq!(at("a00000"), 0);
    assert!(
        (0..4).all(|i| at(&format!("b{i:05}")) == 9),
        "{:?}",
        run.started
    );
    assert_eq!(at("c00000"), 11);
    assert_eq!(run.peak, 4, "a zone's instances at once, never two zones'");
}

#[test]
fn an_instance_that_ends_down_keeps_its_place() {
    let mut schedule = Schedule::new(vec![ids("i", 4)], limits(2));
    let first = schedule.take(2);
    assert_eq!(schedule.room(), 0);
    schedule.done(&first[0], false, true);
    assert_eq!(
        schedule.room(),
        0,
        "still unavailable: its place is not free"
    );
    assert_eq!(schedule.halted(), Some(Halt::Failures), "max_failures is 0");
    schedule.back(&first[1]);
    schedule.done(&first[1], true, false);
    assert!(schedule.is_over());
    assert_eq!(schedule.holding(), 1);
}

#[test]
fn a_stop_request_starts_nothing_new_and_counts_add_up() {
    let mut schedule = Schedule::new(vec![ids("i", 5)], limits(2));
    let first = schedule.take(5);
    assert_eq!(first.len(), 2);
    schedule.halt(Halt::Cancelled);
    schedule.halt(Halt::Failures);
    assert_eq!(schedule.room(), 0);
    assert!(!schedule.is_over(), "two are in flight");
    for id in &first {
        schedule.done(id, true, false);
    }
    assert!(schedule.is_over());
    assert_eq!(
        schedule.halted(),
        Some(Halt::Cancelled),
        "the first reason stays"
    );
    let c = schedule.counts();
    assert_eq!((c.total, c.reset, c.not_reached), (5, 2, 3));
    assert_eq!(c.total, c.reset + c.restarting + c.failed + c.not_reached);
}

#[test]
fn an_instance_seen_back_counts_as_reset_while_the_rest_of_its_part_is_restarting() {
    let mut schedule = Schedule::new(vec![ids("i", 4)], limits(2));
    let first = schedule.take(2);
    schedule.back(&first[0]);
    let c = schedule.counts();
    assert_eq!((c.reset, c.restarting, c.not_reached), (1, 1, 2));
    schedule.done(&first[0], true, false);
    schedule.done(&first[1], false, false);
    let c = schedule.counts();
    assert_eq!(
        (c.reset, c.restarting, c.failed, c.not_reached),
        (1, 0, 1, 2)
    );
}

#[test]
fn only_a_canary_a_later_zone_or_a_smaller_window_can_make_an_instance_wait() {
    let all_at_once = Schedule::new(vec![ids("i", 4)], limits(4));
    assert!(!all_at_once.can_wait());
    assert!(Schedule::new(vec![ids("i", 4)], limits(3)).can_wait());
    let canary = Limits {
        canary: 1,
        ..limits(4)
    };
    assert!(Schedule::new(vec![ids("i", 4)], canary).can_wait());
    assert!(Schedule::new(vec![ids("a", 2), ids("b", 2)], limits(4)).can_wait());
    // An empty zone is no zone.
    assert!(!Schedule::new(vec![ids("a", 4), Vec::new()], limits(4)).can_wait());
}
