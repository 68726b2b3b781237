//! Rollouts within a disruption budget, end to end: `terraform apply` with a `rollout` block
//! (or the provider's `max_unavailable`) against `zenlayer-sim`, whose own record gives the
//! most instances out of RUNNING at once. Against the limit (ceil(N / window) reboots), and,
//! with reboots drawn from 20 to 40 s, against waves: the same instances in resources of one
//! window each, chained with `depends_on`, each waiting for its slowest instance. Each wave
//! has the same rollout, but its window holds all its instances, so nothing waits for a place
//! and it polls at the usual pace, as waves written by hand would.

use std::time::Instant;

use serde_json::json;

use super::{Row, LATENCY_MS};
use crate::support::*;

/// One measured rollout.
pub(crate) struct RolloutRun {
    /// What was applied, in words.
    pub(crate) label: String,
    pub(crate) n: usize,
    /// The most instances allowed out of RUNNING at once.
    pub(crate) window: usize,
    /// The reboot, as `--reboot-delay` gives it (`5s`, `20s..40s`).
    pub(crate) reboot: String,
    /// Wall time of `terraform apply`, from an empty state.
    pub(crate) apply_s: f64,
    /// The simulator's record: the most instances out of RUNNING at once.
    pub(crate) peak: usize,
    pub(crate) reset_calls: usize,
    /// Rounds of status calls after the first reset, and the most calls in one round.
    pub(crate) rounds: usize,
    pub(crate) most_calls_in_a_round: usize,
}

/// A simulator of `n` instances tagged `env=prod`, answering in 50 ms, with reboots `reboot`.
fn sim(n: usize, reboot: &str) -> Sim {
    let fleet: Vec<serde_json::Value> = (1..=n)
        .map(|i| json!({"id": format!("prod-{i:05}"), "tags": {"env": "prod"}}))
        .collect();
    let latency = format!("{LATENCY_MS}ms");
    Sim::start_with_fleet(
        0,
        Some(&json!(fleet)),
        &[
            "--latency",
            &latency,
            "--reboot-delay",
            reboot,
            "--threads",
            "2",
        ],
    )
}

/// The status calls after the first reset, split into rounds at gaps of more than 30 ms: how
/// many rounds, and the most calls in one.
fn status_rounds(sim: &Sim) -> (usize, usize) {
    let calls = sim.calls();
    let Some(first) = calls
        .iter()
        .position(|c| c.action == "ResetInstancesPassword")
    else {
        return (0, 0);
    };
    let mut times: Vec<u64> = calls[first..]
        .iter()
        .filter(|c| c.action == "DescribeInstancesStatus")
        .map(|c| c.at_ms)
        .collect();
    times.sort_unstable();
    let mut rounds: Vec<usize> = Vec::new();
    let mut last: Option<u64> = None;
    for t in times {
        match (last, rounds.last_mut()) {
            (Some(l), Some(n)) if t - l <= 30 => *n += 1,
            _ => rounds.push(1),
        }
        last = Some(t);
    }
    (rounds.len(), rounds.into_iter().max().unwrap_or(0))
}

/// Applies `ws` against `sim` and measures it as `label`.
fn measure(ws: &Workspace, sim: &Sim, label: String, window: usize, reboot: &str) -> RolloutRun {
    let started = Instant::now();
    ws.apply();
    let apply_s = started.elapsed().as_secs_f64();
    let n = sim.instances().len();
    assert!(
        sim.instances().iter().all(|i| i.reset_count == 1),
        "every instance reset once"
    );
    let (rounds, most_calls_in_a_round) = status_rounds(sim);
    let run = RolloutRun {
        label,
        n,
        window,
        reboot: reboot.to_string(),
        apply_s,
        peak: sim.peak_unavailable(),
        reset_calls: sim.calls_of("ResetInstancesPassword").len(),
        rounds,
        most_calls_in_a_round,
    };
    eprintln!(
        "rollout {} N={n} reboot {reboot}: {:.1} s, peak {}, {} reset calls, {} status rounds of at most {} calls",
        run.label, run.apply_s, run.peak, run.reset_calls, run.rounds, run.most_calls_in_a_round
    );
    run
}

/// `examples/fleet` on `n` instances with `vars`.
fn fleet_example(
    n: usize,
    reboot: &str,
    vars: &[(&str, &str)],
    label: &str,
    window: usize,
) -> RolloutRun {
    let sim = sim(n, reboot);
    let mut ws = Workspace::new();
    ws.write(
        &std::fs::read_to_string(root().join("examples/fleet/main.tf")).expect("examples/fleet"),
    );
    ws.set_env("TF_VAR_endpoint", &sim.url);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", ACCESS_KEY_PASSWORD);
    for (k, v) in vars {
        ws.set_env(&format!("TF_VAR_{k}"), v);
    }
    measure(&ws, &sim, label.to_string(), window, reboot)
}

/// `n` instances in one resource with a window of `window` (`waves`: false), or in resources
/// of `window` instances each, each waiting for the one before (`waves`: true).
fn sliding_or_waves(n: usize, window: usize, reboot: &str, waves: bool) -> RolloutRun {
    let sim = sim(n, reboot);
    let all: Vec<String> = (1..=n).map(|i| format!("prod-{i:05}")).collect();
    // The same rollout block for both: the sliding window polls every half second, a wave
    // (whose window holds all its instances) at the usual pace.
    let rollout = format!("  rollout {{\n    max_unavailable = {window}\n  }}");
    let body = if waves {
        all.chunks(window)
            .enumerate()
            .map(|(k, ids)| {
                let after = match k {
                    0 => String::new(),
                    k => format!("  depends_on = [zenlayer_instance_password.w{}]", k - 1),
                };
                resource(&format!("w{k}"), ids, &format!("{rollout}\n{after}"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        resource("fleet", &all, &rollout)
    };
    let mut ws = Workspace::new();
    ws.configure_with(&sim, "", &body);
    let label = if waves {
        format!(
            "{} resources of {window}, chained (waves)",
            n.div_ceil(window)
        )
    } else {
        format!("one resource, rollout max_unavailable = {window}")
    };
    measure(&ws, &sim, label, window, reboot)
}

/// The rows of one rollout against its limit of ceil(N / window) reboots of `reboot_s`.
fn limit_rows(rows: &mut Vec<Row>, r: &RolloutRun, reboot_s: f64, goal: f64) {
    let limit_s = r.n.div_ceil(r.window) as f64 * reboot_s;
    rows.push(Row {
        figure: format!(
            "`terraform apply`, {}, N = {}, reboot {}",
            r.label, r.n, r.reboot
        ),
        target: format!(
            "≤ {goal} × ceil(N/{}) × {reboot_s:.0} s = {:.0} s",
            r.window,
            goal * limit_s
        ),
        measured: format!("{:.1} s", r.apply_s),
        ratio: format!("{:.2}", r.apply_s / limit_s),
        met: r.apply_s <= goal * limit_s,
    });
    budget_rows(rows, r);
}

/// The rows of a rollout's budget (the simulator's record) and of its status calls per round.
fn budget_rows(rows: &mut Vec<Row>, r: &RolloutRun) {
    rows.push(Row {
        figure: "Most instances out of RUNNING at once (the simulator's record), that apply".into(),
        target: format!("≤ {}", r.window),
        measured: r.peak.to_string(),
        ratio: format!("{:.2}", r.peak as f64 / r.window as f64),
        met: r.peak <= r.window,
    });
    let fewest = r.window.min(r.n).div_ceil(100);
    rows.push(Row {
        figure: "Status calls per polling round of that rollout".into(),
        target: format!("≤ ceil(in flight/100) = {fewest}"),
        measured: format!(
            "{} (most, over {} rounds)",
            r.most_calls_in_a_round, r.rounds
        ),
        ratio: format!("{:.2}", r.most_calls_in_a_round as f64 / fewest as f64),
        met: r.most_calls_in_a_round <= fewest,
    });
}

/// The rollouts: their rows against the targets, and every run for the report's table.
pub(crate) fn section(rows: &mut Vec<Row>) -> Vec<RolloutRun> {
    let mut runs = Vec::new();
    if !crate::wanted("rollout") {
        return runs;
    }
    let small = fleet_example(
        1000,
        "5s",
        &[("max_unavailable", "100")],
        "examples/fleet, rollout max_unavailable = 100",
        100,
    );
    limit_rows(rows, &small, 5.0, 1.2);
    runs.push(small);
    let large = fleet_example(
        10_000,
        "30s",
        &[("max_unavailable", "10%")],
        "examples/fleet as shipped, rollout max_unavailable = \"10%\"",
        1000,
    );
    limit_rows(rows, &large, 30.0, 1.1);
    runs.push(large);
    let buckets = fleet_example(
        1000,
        "5s",
        &[("buckets", "10"), ("max_unavailable", "100%"), ("fleet_max_unavailable", "100")],
        "examples/fleet in 10 buckets, each max_unavailable = \"100%\", provider max_unavailable = 100",
        100,
    );
    limit_rows(rows, &buckets, 5.0, 1.2);
    runs.push(buckets);
    let sliding = sliding_or_waves(1000, 100, "20s..40s", false);
    let waves = sliding_or_waves(1000, 100, "20s..40s", true);
    rows.push(Row {
        figure: format!(
            "`terraform apply`, {}, N = 1000, reboots drawn from 20 to 40 s, against {}",
            sliding.label, waves.label
        ),
        target: "≤ 0.9 × waves".into(),
        measured: format!("{:.1} s vs {:.1} s", sliding.apply_s, waves.apply_s),
        ratio: format!("{:.2}", sliding.apply_s / waves.apply_s),
        met: sliding.apply_s <= 0.9 * waves.apply_s,
    });
    budget_rows(rows, &sliding);
    runs.push(sliding);
    runs.push(waves);
    runs
}
