//! Rollouts within a disruption budget, end to end: every assertion on the budget reads the
//! simulator's own record of instances out of RUNNING (`/_sim/unavailable`), never the
//! provider's log. The window, percentages, the canary, failures and resuming, zone by zone,
//! the provider's budget across resources, bad input, the warning without a budget, the
//! action's progress, and Ctrl-C in the middle of a rollout.

use serde_json::{json, Value};

use crate::support::*;

/// Reboots long enough for the window to matter, short enough for a quick test.
const REBOOT: &[&str] = &["--reboot-delay", "600ms"];

fn rollout(lines: &str) -> String {
    format!("  rollout {{\n{lines}\n  }}\n")
}

/// The reset calls, each as (arrival in ms, instance ids).
fn resets(sim: &Sim) -> Vec<(u64, Vec<String>)> {
    sim.calls_of("ResetInstancesPassword")
        .into_iter()
        .filter(|c| c.status == Some(200))
        .map(|c| (c.at_ms, c.instance_ids))
        .collect()
}

/// The status calls after the first reset, in rounds (calls within 20 ms of each other):
/// how many rounds, and the most calls in one.
fn status_rounds(sim: &Sim) -> (usize, usize) {
    let calls = sim.calls();
    let first = calls
        .iter()
        .position(|c| c.action == "ResetInstancesPassword")
        .expect("a reset");
    let mut rounds: Vec<(u64, usize)> = Vec::new();
    for call in &calls[first..] {
        if call.action != "DescribeInstancesStatus" {
            continue;
        }
        match rounds.last_mut() {
            Some((at, n)) if call.at_ms - *at <= 20 => *n += 1,
            _ => rounds.push((call.at_ms, 1)),
        }
    }
    let most = rounds.iter().map(|&(_, n)| n).max().unwrap_or(0);
    (rounds.len(), most)
}

#[test]
fn the_window_holds_on_apply_and_state_records_every_instance() {
    let sim = Sim::start(24, REBOOT);
    let ws = Workspace::for_resource(&sim, &ids(24), &rollout("    max_unavailable = 5"));
    ws.apply();
    assert_eq!(sim.peak_unavailable(), 5, "{}", sim.call_summary(0));
    assert_eq!(ws.state_ids("zenlayer_instance_password.web"), ids(24));
    // The instances in flight are read together: one call per round for up to 100 of them.
    let (rounds, most) = status_rounds(&sim);
    assert!(
        rounds >= 5 && most == 1,
        "{rounds} rounds, {most} calls at most"
    );
    for id in ids(24) {
        assert_eq!(sim.reset_count(&id), 1, "{id}");
        assert_eq!(sim.status(&id), "RUNNING", "{id}");
        assert!(sim.password_matches(&id, PASSWORD), "{id}");
    }
}

#[test]
fn a_percentage_is_of_the_listed_instances_and_the_canary_goes_first_alone() {
    let sim = Sim::start(40, REBOOT);
    let ws = Workspace::for_resource(
        &sim,
        &ids(40),
        &rollout("    max_unavailable = \"10%\"\n    canary = 2"),
    );
    ws.apply();
    assert_eq!(sim.peak_unavailable(), 4, "10% of 40");
    let resets = resets(&sim);
    assert_eq!(resets[0].1, ids(2), "the canaries alone first: {resets:?}");
    assert!(
        resets[1].0 >= resets[0].0 + 600,
        "nothing else before the canaries were back: {resets:?}"
    );
    assert!(ids(40).iter().all(|id| sim.reset_count(id) == 1));
}

#[test]
fn past_max_failures_nothing_new_starts_and_the_next_apply_resumes_within_the_budget() {
    let sim = Sim::start(12, REBOOT);
    // The third instance is released just before its reset: refused, a failure.
    sim.fault(json!({
        "kind": "release", "action": "ResetInstancesPassword",
        "instance_id": "ins-00003", "count": 1
    }));
    let body = rollout("    max_unavailable = 2");
    let mut ws = Workspace::for_resource(&sim, &ids(12), &body);
    let run = ws.apply_failing(&sim);
    let text = run.all();
    assert!(
        text.contains("\"ins-00003\"") && text.contains("Rollout stopped"),
        "{}",
        run.raw()
    );
    let never: Vec<String> = ids(12)
        .into_iter()
        .filter(|id| sim.reset_count(id) == 0 && id != "ins-00003")
        .collect();
    assert!(!never.is_empty(), "some were not reached");
    assert!(
        text.contains(&format!("{} not reached", never.len())),
        "the error counts them: {}",
        run.raw()
    );
    let recorded = ws.state_ids("zenlayer_instance_password.web");
    assert!(recorded.iter().all(|id| sim.reset_count(id) == 1));
    assert!(recorded.iter().all(|id| !never.contains(id)));
    // The released instance is out of RUNNING too (the fault took it, not the rollout).
    assert!(sim.peak_unavailable() <= 2 + 1);

    // Without the released instance, and untainted, the next apply resets exactly the rest.
    let kept: Vec<String> = ids(12).into_iter().filter(|id| id != "ins-00003").collect();
    ws.configure(&sim, &resource("web", &kept, &body));
    ws.tf(&["untaint", "zenlayer_instance_password.web"]).ok();
    sim.reset_unavailable();
    ws.apply();
    assert_eq!(ws.state_ids("zenlayer_instance_password.web"), kept);
    assert!(
        kept.iter().all(|id| sim.reset_count(id) == 1),
        "each reset once"
    );
    assert!(sim.peak_unavailable() <= 2 + 1, "the released one, and 2");
}

#[test]
fn within_max_failures_the_rollout_goes_to_the_end_and_still_names_the_failed() {
    let sim = Sim::start(8, REBOOT);
    sim.fault(json!({
        "kind": "release", "action": "ResetInstancesPassword",
        "instance_id": "ins-00002", "count": 1
    }));
    let ws = Workspace::for_resource(
        &sim,
        &ids(8),
        &rollout("    max_unavailable = 2\n    max_failures = 1"),
    );
    let run = ws.apply_failing(&sim);
    let text = run.all();
    assert!(text.contains("\"ins-00002\" (RELEASING)"), "{}", run.raw());
    assert!(!text.contains("Rollout stopped"), "{}", run.raw());
    assert!(
        text.contains("Rollout: reset 7 of 8, 1 failed, 0 not reached."),
        "{}",
        run.raw()
    );
    let others: Vec<String> = ids(8).into_iter().filter(|id| id != "ins-00002").collect();
    assert!(others.iter().all(|id| sim.reset_count(id) == 1));
    assert_eq!(ws.state_ids("zenlayer_instance_password.web"), others);
}

#[test]
fn a_percentage_on_an_update_is_of_every_listed_instance_not_only_the_added() {
    let sim = Sim::start(8, REBOOT);
    let body = rollout("    max_unavailable = \"50%\"");
    let mut ws = Workspace::for_resource(&sim, &ids(8)[..4], &body);
    ws.apply();
    assert_eq!(sim.peak_unavailable(), 2, "50% of 4");
    sim.reset_unavailable();
    ws.configure(&sim, &resource("web", &ids(8), &body));
    ws.apply();
    // The update resets the 4 added instances, with a window of 50% of the 8 listed.
    assert_eq!(sim.peak_unavailable(), 4);
    assert!(ids(8).iter().all(|id| sim.reset_count(id) == 1));
}

#[test]
fn zone_by_zone_finishes_one_zone_before_the_next() {
    let zones = ["ZONE-B", "ZONE-A", "ZONE-B", "ZONE-A", "ZONE-C", "ZONE-A"];
    let fleet: Vec<Value> = zones
        .iter()
        .enumerate()
        .map(|(n, zone)| json!({"id": format!("z-{}", n + 1), "zone_id": zone}))
        .collect();
    let sim = Sim::start_with_fleet(0, Some(&json!(fleet)), REBOOT);
    let listed: Vec<String> = (1..=6).map(|n| format!("z-{n}")).collect();
    let ws = Workspace::for_resource(
        &sim,
        &listed,
        &rollout("    max_unavailable = 10\n    zone_by_zone = true"),
    );
    ws.apply();
    let order: Vec<Vec<String>> = resets(&sim).into_iter().map(|(_, ids)| ids).collect();
    let strings = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        order,
        vec![
            strings(&["z-2", "z-4", "z-6"]),
            strings(&["z-1", "z-3"]),
            strings(&["z-5"])
        ]
    );
    assert_eq!(sim.peak_unavailable(), 3, "one zone at a time");
}

#[test]
fn the_provider_budget_bounds_every_resource_together() {
    let sim = Sim::start(20, REBOOT);
    let mut ws = Workspace::new();
    let body = format!(
        "{}\n{}",
        resource("a", &ids(20)[..10], ""),
        resource("b", &ids(20)[10..], "")
    );
    ws.configure_with(
        &sim,
        &format!("{FAST_PROVIDER_SETTINGS}  max_unavailable = 3\n"),
        &body,
    );
    ws.apply();
    assert_eq!(sim.peak_unavailable(), 3, "{}", sim.call_summary(0));
    assert!(ids(20).iter().all(|id| sim.reset_count(id) == 1));
}

#[test]
fn bad_rollouts_fail_the_plan_naming_the_argument_and_nothing_is_sent() {
    let sim = Sim::start(3, &[]);
    let cases = [
        ("max_unavailable = 0", "rollout.max_unavailable is \"0\""),
        (
            "max_unavailable = \"0%\"",
            "rollout.max_unavailable is \"0%\"",
        ),
        (
            "max_unavailable = -1",
            "rollout.max_unavailable is negative",
        ),
        (
            "max_unavailable = \"101%\"",
            "rollout.max_unavailable is over 100%",
        ),
        (
            "max_unavailable = 2.5",
            "rollout.max_unavailable is not a whole number",
        ),
        ("max_unavailable = \"\"", "rollout.max_unavailable is empty"),
        (
            "max_unavailable = \"ten\"",
            "rollout.max_unavailable is not a count",
        ),
        (
            "max_unavailable = 1\n    canary = 2",
            "rollout.canary (2) is larger",
        ),
        (
            "max_unavailable = 1\n    max_failures = -1",
            "rollout.max_failures is negative",
        ),
    ];
    for (lines, expected) in cases {
        let ws = Workspace::for_resource(&sim, &ids(3), &rollout(&format!("    {lines}")));
        let run = ws.tf(&["plan"]).failed();
        assert!(
            run.all().contains(expected),
            "{lines}: {expected}\n{}",
            run.raw()
        );
    }
    let no_wait = format!(
        "  wait_for_running = false\n{}",
        rollout("    max_unavailable = 1")
    );
    let ws = Workspace::for_resource(&sim, &ids(3), &no_wait);
    let run = ws.tf(&["plan"]).failed();
    assert!(
        run.all().contains("A rollout needs wait_for_running"),
        "{}",
        run.raw()
    );
    assert_eq!(sim.calls().len(), 0, "{}", sim.call_summary(0));

    let mut ws = Workspace::new();
    ws.configure_with(
        &sim,
        &format!("{FAST_PROVIDER_SETTINGS}  max_unavailable = 0\n"),
        &resource("web", &ids(3), ""),
    );
    let run = ws.tf(&["plan"]).failed();
    assert!(
        run.all().contains("max_unavailable = 0 is not allowed"),
        "{}",
        run.raw()
    );
    assert_eq!(sim.calls().len(), 0, "{}", sim.call_summary(0));
}

#[test]
fn the_provider_budget_needs_waiting_and_says_so_at_plan() {
    let sim = Sim::start(3, &[]);
    let mut ws = Workspace::new();
    ws.configure_with(
        &sim,
        &format!("{FAST_PROVIDER_SETTINGS}  max_unavailable = 2\n"),
        &resource("web", &ids(3), "  wait_for_running = false"),
    );
    let run = ws.tf(&["plan"]).failed();
    assert!(
        run.all()
            .contains("The provider's max_unavailable needs wait_for_running"),
        "{}",
        run.raw()
    );
    assert!(sim.write_calls().is_empty());
}

#[test]
fn more_than_a_hundred_at_once_without_a_budget_is_a_warning_unless_said_on_purpose() {
    let sim = Sim::start(101, &[]);
    let warning = "101 instances will restart at once";
    let ws = Workspace::for_resource(&sim, &ids(101), "");
    let run = ws.tf(&["plan"]).ok();
    assert!(run.all().contains(warning), "{}", run.raw());
    assert!(
        run.all().contains("max_unavailable = \"10%\""),
        "{}",
        run.raw()
    );

    let ws = Workspace::for_resource(&sim, &ids(101), &rollout("    max_unavailable = \"100%\""));
    let run = ws.tf(&["plan"]).ok();
    assert!(!run.all().contains(warning), "{}", run.raw());

    let mut ws = Workspace::new();
    ws.configure_with(
        &sim,
        &format!("{FAST_PROVIDER_SETTINGS}  max_unavailable = 500\n"),
        &resource("web", &ids(101), ""),
    );
    let run = ws.tf(&["plan"]).ok();
    assert!(!run.all().contains(warning), "{}", run.raw());

    let ws = Workspace::for_resource(&sim, &ids(100), "");
    let run = ws.tf(&["plan"]).ok();
    assert!(!run.all().contains("will restart at once"), "{}", run.raw());
    assert!(sim.write_calls().is_empty());
}

#[test]
fn the_resource_log_says_where_the_rollout_is() {
    let sim = Sim::start(6, REBOOT);
    let mut ws = Workspace::for_resource(&sim, &ids(6), &rollout("    max_unavailable = 2"));
    let log = ws.plugin_log();
    ws.set_env("TF_LOG_PROVIDER", "INFO");
    ws.apply();
    let text = std::fs::read_to_string(&log).expect("PLUGIN_LOG_FILE written");
    let counts: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["@message"] == "rollout")
        .collect();
    assert!(counts.len() >= 2, "{text}");
    let last = counts.last().expect("a line");
    assert_eq!(
        (
            &last["total"],
            &last["reset"],
            &last["failed"],
            &last["not_reached"]
        ),
        (&json!(6), &json!(6), &json!(0), &json!(0)),
        "{last}"
    );
    assert_eq!(sim.peak_unavailable(), 2);
}

#[test]
fn ctrl_c_during_a_rollout_starts_nothing_new_and_brings_back_what_it_stopped() {
    interrupted_rollout(Interrupt::CtrlC);
}

#[test]
fn a_cancelled_pipeline_during_a_rollout_starts_nothing_new_either() {
    interrupted_rollout(Interrupt::Cancel);
}

fn interrupted_rollout(how: Interrupt) {
    let sim = Sim::start(10, &["--reboot-delay", "3s", "--stop-delay", "500ms"]);
    let ws = Workspace::for_resource(
        &sim,
        &ids(10),
        &format!(
            "  shutdown_before_reset = true\n{}",
            rollout("    max_unavailable = 2")
        ),
    );
    let child = in_background(&ws, &["apply", "-auto-approve"]);
    sim.wait_for_polling_after_a_reset();
    let run = interrupt(child, how).failed();
    let reset_before = resets(&sim).len();
    poll(
        std::time::Duration::from_secs(60),
        "every instance RUNNING",
        || {
            ids(10)
                .iter()
                .all(|id| sim.status(id) == "RUNNING")
                .then_some(())
        },
    );
    let never: Vec<String> = ids(10)
        .into_iter()
        .filter(|id| sim.reset_count(id) == 0)
        .collect();
    assert!(
        !never.is_empty(),
        "the rollout stopped starting: {}",
        run.raw()
    );
    assert_eq!(
        resets(&sim).len(),
        reset_before,
        "nothing new after the end"
    );
    assert!(sim.peak_unavailable() <= 2);
    let recorded = ws.state_ids("zenlayer_instance_password.web");
    assert!(
        recorded.iter().all(|id| sim.reset_count(id) == 1),
        "{recorded:?}"
    );
}

#[test]
fn the_action_rolls_out_within_its_budget_and_its_progress_says_where_it_is() {
    if !crate::actions::actions_supported() {
        return;
    }
    let sim = Sim::start(12, REBOOT);
    let mut ws = Workspace::new();
    ws.set_env("TF_VAR_reset_password", "Act1!pass");
    ws.configure(
        &sim,
        &reset_action("now", &ids(12), &rollout("      max_unavailable = 3")),
    );
    let log = ws.plugin_log();
    ws.tf(&[
        "apply",
        "-auto-approve",
        "-invoke=action.zenlayer_instance_password_reset.now",
    ])
    .ok();
    assert_eq!(sim.peak_unavailable(), 3, "{}", sim.call_summary(0));
    let lines = invoke_progress(&log);
    let under_way: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("rollout: ") && l.ends_with("not reached yet"))
        .collect();
    assert!(!under_way.is_empty(), "{lines:?}");
    for line in under_way {
        // "rollout: reset R of 12, S restarting, F failed, N not reached yet": they add up.
        let numbers: Vec<usize> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect();
        let [reset, total, restarting, failed, not_reached] = numbers[..] else {
            panic!("{line}");
        };
        assert_eq!(
            (total, reset + restarting + failed + not_reached),
            (12, 12),
            "{line}"
        );
        assert!(restarting <= 3, "{line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l == "rollout: reset 12 of 12, 0 restarting, 0 failed, 0 not reached"),
        "{lines:?}"
    );
    let last = lines.last().expect("a last line");
    assert!(
        last.ends_with("; rollout: reset 12 of 12, 0 failed, 0 not reached"),
        "{last}"
    );
    for id in ids(12) {
        assert_eq!(sim.reset_count(&id), 1, "{id}");
        assert!(sim.password_matches(&id, "Act1!pass"), "{id}");
    }
}

#[test]
fn ctrl_c_during_an_action_s_rollout_ends_it_without_a_crash() {
    if !crate::actions::actions_supported() {
        return;
    }
    let sim = Sim::start(10, &["--reboot-delay", "3s"]);
    let mut ws = Workspace::new();
    ws.set_env("TF_VAR_reset_password", "Act1!pass");
    ws.configure(
        &sim,
        &reset_action("now", &ids(10), &rollout("      max_unavailable = 2")),
    );
    let child = in_background(
        &ws,
        &[
            "apply",
            "-auto-approve",
            "-invoke=action.zenlayer_instance_password_reset.now",
        ],
    );
    sim.wait_for_polling_after_a_reset();
    let run = interrupt(child, Interrupt::CtrlC).failed();
    assert!(!run.raw().contains("TERRAFORM CRASH"), "{}", run.raw());
    assert!(run.all().contains("not reached"), "{}", run.raw());
    let never = ids(10).iter().filter(|id| sim.reset_count(id) == 0).count();
    assert!(never > 0, "the rollout stopped starting");
    assert!(sim.peak_unavailable() <= 2);
}
