//! Fleets end to end, at real reboot times: `terraform apply` of 1,000 and 10,000 instances
//! selected by the `zenlayer_instances` data source, with `examples/fleet` spread over 1
//! bucket (one resource), over as many buckets as Terraform's default `-parallelism` (10), and
//! over the 64 buckets the docs used to recommend; each at the default `-parallelism` (or
//! `BENCH_PARALLELISM`), with
//! reboots of 0 s and of a modelled real reboot (30 s; `BENCH_REBOOTS` to change), against the
//! same simulator; with the provider's and Terraform's own CPU time, the reset calls, and the
//! status calls of the next plan. Every instance restarts at once here (`max_unavailable =
//! "100%"`): this measures speed; the rollouts are measured apart.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{bench_sim, install_timed_provider, time_lines, Row, LATENCY_MS};
use crate::support::*;

/// Terraform's default `-parallelism`.
const PARALLELISM: usize = 10;

/// The layouts compared: one resource, one bucket per resource Terraform works on at once,
/// and the 64 buckets the docs recommended before these figures.
const LAYOUTS: [usize; 3] = [1, PARALLELISM, 64];

/// One end-to-end measure.
pub(crate) struct EndToEnd {
    /// Instances.
    pub(crate) n: usize,
    /// Buckets (resources) the fleet is spread over.
    pub(crate) buckets: usize,
    /// How long an instance takes to restart after its reset.
    pub(crate) reboot: Duration,
    /// Wall time of `terraform apply` (plan and apply), from an empty state.
    pub(crate) apply_s: f64,
    /// CPU time (user + system) of every provider process of that apply.
    pub(crate) provider_cpu_s: f64,
    /// CPU time of Terraform itself (its own, without the provider processes).
    pub(crate) terraform_cpu_s: f64,
    /// ResetInstancesPassword calls of the apply.
    pub(crate) reset_calls: usize,
    /// DescribeInstancesStatus calls of the next `terraform plan` (the refresh).
    pub(crate) plan_status_calls: usize,
    /// Wall time of that plan.
    pub(crate) plan_s: f64,
}

impl EndToEnd {
    /// The layout, in words.
    pub(crate) fn layout(&self) -> String {
        match self.buckets {
            1 => "one resource".to_string(),
            b => format!("{b} buckets of about {}", self.n / b),
        }
    }
}

/// Runs `terraform args` under GNU time; returns the wall seconds and Terraform's CPU seconds
/// (its own and its children's, the provider processes included).
fn timed_terraform(ws: &Workspace, args: &[&str], cpu_file: &std::path::Path) -> f64 {
    let mut all = vec!["-f", "%U %S", "-a", "-o"];
    let cpu = cpu_file.display().to_string();
    all.push(&cpu);
    let tf = terraform_binary().display().to_string();
    all.push(&tf);
    all.extend_from_slice(args);
    let started = Instant::now();
    let run = ws.run("/usr/bin/time", &all);
    assert_eq!(run.code, 0, "terraform {args:?} failed:\n{}", run.raw());
    started.elapsed().as_secs_f64()
}

/// A workspace applying `examples/fleet` with `buckets` against `sim`, its provider timed into
/// `provider_cpu`.
fn fleet_workspace(sim: &Sim, buckets: usize, provider_cpu: &std::path::Path) -> Workspace {
    let mut ws = Workspace::new();
    install_timed_provider(&ws, &provider_binary(), SOURCE, "%U %S", provider_cpu);
    ws.write(
        &std::fs::read_to_string(root().join("examples/fleet/main.tf")).expect("examples/fleet"),
    );
    ws.set_env("TF_VAR_buckets", &buckets.to_string());
    // Speed alone: every instance at once (the rollouts are measured on their own).
    ws.set_env("TF_VAR_max_unavailable", "100%");
    ws.set_env("TF_VAR_endpoint", &sim.url);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", ACCESS_KEY_PASSWORD);
    ws
}

/// Measures `n` instances over `buckets` resources, with reboots of `reboot`.
pub(crate) fn end_to_end(n: usize, buckets: usize, reboot: Duration) -> EndToEnd {
    let fleet: Vec<serde_json::Value> = (1..=n)
        .map(|i| json!({"id": format!("prod-{i:05}"), "tags": {"env": "prod"}}))
        .collect();
    let sim = bench_sim(
        0,
        Some(&json!(fleet)),
        LATENCY_MS,
        reboot.as_millis() as u64,
    );
    let work = tempfile::tempdir().expect("work");
    let provider_cpu = work.path().join("provider-cpu.txt");
    let terraform_cpu = work.path().join("terraform-cpu.txt");
    let ws = fleet_workspace(&sim, buckets, &provider_cpu);
    let parallelism = format!("-parallelism={}", parallelism());
    let apply_s = timed_terraform(
        &ws,
        &["apply", "-auto-approve", "-no-color", &parallelism],
        &terraform_cpu,
    );
    assert!(
        sim.instances().iter().all(|i| i.reset_count == 1),
        "every instance reset once"
    );
    let cpu_sum = |file: &std::path::Path| -> f64 {
        time_lines(file).iter().map(|v| v.iter().sum::<f64>()).sum()
    };
    let provider_cpu_s = cpu_sum(&provider_cpu);
    let terraform_cpu_s = (cpu_sum(&terraform_cpu) - provider_cpu_s).max(0.0);
    let reset_calls = sim.calls_of("ResetInstancesPassword").len();
    let before = sim.calls().len();
    let plan_s = timed_terraform(&ws, &["plan", "-no-color"], &work.path().join("plan.txt"));
    let plan_status_calls = sim.calls()[before..]
        .iter()
        .filter(|c| c.action == "DescribeInstancesStatus")
        .count();
    EndToEnd {
        n,
        buckets,
        reboot,
        apply_s,
        provider_cpu_s,
        terraform_cpu_s,
        reset_calls,
        plan_status_calls,
        plan_s,
    }
}

/// Terraform's `-parallelism` for the applies: `BENCH_PARALLELISM`, else its default.
pub(crate) fn parallelism() -> usize {
    std::env::var("BENCH_PARALLELISM")
        .ok()
        .map(|p| p.trim().parse().expect("BENCH_PARALLELISM: a number"))
        .unwrap_or(PARALLELISM)
}

/// The reboot times measured: `BENCH_REBOOTS` (such as `0s,30s`), else 0 s and a modelled
/// real reboot of 30 s.
pub(crate) fn reboots() -> Vec<Duration> {
    std::env::var("BENCH_REBOOTS")
        .unwrap_or_else(|_| "0s,30s".into())
        .split(',')
        .map(|r| humantime::parse_duration(r.trim()).expect("BENCH_REBOOTS: durations"))
        .collect()
}

/// The shipped default of `examples/fleet`'s `buckets`.
pub(crate) fn example_default_buckets() -> usize {
    let text = std::fs::read_to_string(root().join("examples/fleet/main.tf")).expect("example");
    let block = text
        .split("variable \"buckets\"")
        .nth(1)
        .expect("a buckets variable");
    let default = block
        .lines()
        .find_map(|l| l.trim().strip_prefix("default"))
        .expect("a default");
    default
        .trim_start_matches([' ', '='])
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

/// The rows with targets, for the example's shipped layout (all at once): its apply at each
/// reboot time against
/// the goal (10,000 in 2 × the reboot + 30 s, 1,000 in 1.5 × the reboot + 10 s), and the status
/// calls of its next plan.
pub(crate) fn target_rows(results: &[EndToEnd]) -> Vec<Row> {
    let shipped = example_default_buckets();
    let mut rows = Vec::new();
    for r in results.iter().filter(|r| r.buckets == shipped) {
        let reboot = r.reboot.as_secs_f64();
        let (limit_s, goal) = if r.n >= 10_000 {
            (2.0 * reboot + 30.0, "2 × the reboot + 30 s")
        } else {
            (1.5 * reboot + 10.0, "1.5 × the reboot + 10 s")
        };
        rows.push(Row {
            figure: format!(
                "`terraform apply` of examples/fleet, all at once, N = {}, reboot {reboot:.0} s",
                r.n
            ),
            target: format!("≤ {goal} = {limit_s:.0} s"),
            measured: format!("{:.1} s", r.apply_s),
            ratio: format!("{:.2}", r.apply_s / limit_s),
            met: r.apply_s <= limit_s,
        });
        let fewest = r.n.div_ceil(100);
        let limit = (1.2 * fewest as f64).floor() as usize;
        rows.push(Row {
            figure: format!(
                "Status calls of the next plan of examples/fleet, N = {}, reboot {reboot:.0} s",
                r.n
            ),
            target: format!("≤ 1.2 × ceil(N/100) = {limit}"),
            measured: r.plan_status_calls.to_string(),
            ratio: format!("{:.2}", r.plan_status_calls as f64 / fewest as f64),
            met: r.plan_status_calls <= limit,
        });
    }
    rows
}

/// Fleets end to end, in every layout at every reboot time; their rows against the targets.
pub(crate) fn section(rows: &mut Vec<Row>) -> Vec<EndToEnd> {
    let mut fleets = Vec::new();
    if !crate::wanted("fleet") {
        return fleets;
    }
    let sizes: Vec<usize> = std::env::var("BENCH_FLEET_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .map(|n| n.trim().parse().expect("BENCH_FLEET_SIZES: numbers"))
        .collect();
    for reboot in reboots() {
        for &n in &sizes {
            for buckets in LAYOUTS {
                let r = end_to_end(n, buckets, reboot);
                eprintln!(
                    "fleet N={n} {} reboot {:?}: apply {:.1} s, {} reset calls, provider CPU {:.2} s, Terraform CPU {:.1} s, plan {:.1} s with {} status calls",
                    r.layout(), reboot, r.apply_s, r.reset_calls, r.provider_cpu_s, r.terraform_cpu_s, r.plan_s, r.plan_status_calls
                );
                fleets.push(r);
            }
        }
    }
    rows.extend(target_rows(&fleets));
    fleets
}
