//! Fleets end to end: `terraform apply` of 1,000 and 10,000 instances selected by the
//! `zenlayer_instances` data source, as (a) one resource and (b) the recommended example
//! (examples/fleet: stable buckets), against the same simulator; with the provider's and
//! Terraform's own CPU time, and the status calls of the next plan.

use std::time::Instant;

use serde_json::json;

use super::{bench_sim, install_timed_provider, time_lines, Row, LATENCY_MS};
use crate::support::*;

/// One end-to-end measure.
pub(crate) struct EndToEnd {
    /// Instances.
    pub(crate) n: usize,
    /// Which layout, in words.
    pub(crate) layout: String,
    /// Whether the layout is the one the docs recommend for `n` (about 150 per bucket).
    pub(crate) recommended: bool,
    /// Wall time of `terraform apply` (plan and apply), from an empty state.
    pub(crate) apply_s: f64,
    /// CPU time (user + system) of every provider process of that apply.
    pub(crate) provider_cpu_s: f64,
    /// CPU time of Terraform itself (its own, without the provider processes).
    pub(crate) terraform_cpu_s: f64,
    /// DescribeInstancesStatus calls of the next `terraform plan` (the refresh).
    pub(crate) plan_status_calls: usize,
    /// Wall time of that plan.
    pub(crate) plan_s: f64,
}

/// A configuration that selects the fleet and resets it as one resource.
const ONE_RESOURCE: &str = r#"
terraform {
  required_providers {
    zenlayer = { source = "zenlayer/zenlayer" }
  }
}
variable "endpoint" {
  type = string
}
variable "root_password" {
  type      = string
  sensitive = true
}
provider "zenlayer" {
  endpoint = var.endpoint
}
data "zenlayer_instances" "fleet" {
  tags = { env = "prod" }
}
resource "zenlayer_instance_password" "fleet" {
  instance_ids = data.zenlayer_instances.fleet.ids
  password     = var.root_password
}
"#;

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

/// How a fleet is spread over resources.
#[derive(Clone, Copy)]
pub(crate) enum Layout {
    /// Every id in one resource.
    OneResource,
    /// `examples/fleet` with this many buckets.
    Buckets(usize),
}

/// Whether `buckets` for `n` instances follows the docs' rule of about 150 per bucket.
fn follows_the_rule(n: usize, buckets: usize) -> bool {
    (100..=200).contains(&(n / buckets.max(1)))
}

/// Measures one layout at `n` instances.
pub(crate) fn end_to_end(n: usize, layout: Layout) -> EndToEnd {
    let fleet: Vec<serde_json::Value> = (1..=n)
        .map(|i| json!({"id": format!("prod-{i:05}"), "tags": {"env": "prod"}}))
        .collect();
    let sim = bench_sim(0, Some(&json!(fleet)), LATENCY_MS, 0);
    let mut ws = Workspace::new();
    let provider_cpu = ws.path().join("provider-cpu.txt");
    let terraform_cpu = ws.path().join("terraform-cpu.txt");
    install_timed_provider(&ws, &provider_binary(), SOURCE, "%U %S", &provider_cpu);
    let config = match layout {
        Layout::Buckets(buckets) => {
            ws.set_env("TF_VAR_buckets", &buckets.to_string());
            std::fs::read_to_string(root().join("examples/fleet/main.tf")).expect("examples/fleet")
        }
        Layout::OneResource => ONE_RESOURCE.to_string(),
    };
    ws.write(&config);
    ws.set_env("TF_VAR_endpoint", &sim.url);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", ACCESS_KEY_PASSWORD);
    let apply_s = timed_terraform(
        &ws,
        &["apply", "-auto-approve", "-no-color"],
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
    let before = sim.calls().len();
    let plan_file = ws.path().join("plan-cpu.txt");
    let plan_s = timed_terraform(&ws, &["plan", "-no-color"], &plan_file);
    let plan_status_calls = sim.calls()[before..]
        .iter()
        .filter(|c| c.action == "DescribeInstancesStatus")
        .count();
    let (layout, recommended) = match layout {
        Layout::OneResource => ("one resource".to_string(), false),
        Layout::Buckets(b) if follows_the_rule(n, b) => (
            format!(
                "examples/fleet, {b} buckets of about {} (recommended)",
                n / b
            ),
            true,
        ),
        Layout::Buckets(b) => (
            format!(
                "examples/fleet, {b} buckets of about {} (over-split)",
                n / b
            ),
            false,
        ),
    };
    EndToEnd {
        n,
        layout,
        recommended,
        apply_s,
        provider_cpu_s,
        terraform_cpu_s,
        plan_status_calls,
        plan_s,
    }
}

/// The rows with targets: the recommended example at 10,000 instances.
pub(crate) fn target_rows(results: &[EndToEnd]) -> Vec<Row> {
    let mut rows = Vec::new();
    for r in results.iter().filter(|r| r.recommended) {
        let fewest = r.n.div_ceil(100);
        let limit = (1.2 * fewest as f64).floor() as usize;
        rows.push(Row {
            figure: format!(
                "Status calls of a plan of the recommended fleet example, N = {}",
                r.n
            ),
            target: format!("≤ 1.2 × ceil(N/100) = {limit}"),
            measured: r.plan_status_calls.to_string(),
            ratio: format!("{:.2}", r.plan_status_calls as f64 / fewest as f64),
            met: r.plan_status_calls <= limit,
        });
        if r.n == 10_000 {
            rows.push(Row {
                figure: "End-to-end `terraform apply` of the recommended fleet example, N = 10000"
                    .into(),
                target: "≤ 60 s".into(),
                measured: format!("{:.1} s", r.apply_s),
                ratio: format!("{:.2}", r.apply_s / 60.0),
                met: r.apply_s <= 60.0,
            });
        }
    }
    rows
}

/// Fleets end to end, in the layouts the docs compare; their rows against the targets.
pub(crate) fn section(rows: &mut Vec<Row>) -> Vec<EndToEnd> {
    use Layout::{Buckets, OneResource};
    let mut fleets = Vec::new();
    if !crate::wanted("fleet") {
        return fleets;
    }
    // At 1,000: the recommended 7 buckets and the shipped default of 64 (over-split);
    // at 10,000 the shipped default is the recommended count.
    let runs = [
        (1000usize, [OneResource, Buckets(7), Buckets(64)].as_slice()),
        (10_000, [OneResource, Buckets(64)].as_slice()),
    ];
    for (n, layouts) in runs {
        for &layout in layouts {
            let r = end_to_end(n, layout);
            eprintln!(
                "fleet N={n} {}: apply {:.1} s, provider CPU {:.2} s, Terraform CPU {:.1} s, plan {:.1} s with {} status calls",
                r.layout, r.apply_s, r.provider_cpu_s, r.terraform_cpu_s, r.plan_s, r.plan_status_calls
            );
            fleets.push(r);
        }
    }
    rows.extend(target_rows(&fleets));
    fleets
}
