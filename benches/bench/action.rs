//! The action at scale: `terraform apply -invoke` of `zenlayer_instance_password_reset` on
//! 1,000 and 10,000 instances with a modelled real reboot (30 s), with the provider's default
//! settings, on the Terraform that `BENCH_TERRAFORM_ACTIONS` names (1.14 or later; `cargo
//! xtask bench` passes 1.15.5). At 1,000 the resource's goal; at 10,000 the resource on the
//! same ids as the peer; the reset calls; and the progress lines the provider logged.

use std::time::{Duration, Instant};

use super::{bench_sim, Row, LATENCY_MS};
use crate::support::*;

/// The modelled reboot.
const REBOOT: Duration = Duration::from_secs(30);
const ADDRESS: &str = "action.zenlayer_instance_password_reset.fleet";

/// The measure, with the progress lines.
pub(crate) struct Invoke {
    pub(crate) wall_s: f64,
    pub(crate) reset_calls: usize,
    pub(crate) lines: Vec<String>,
}

/// A workspace on `sim` with the Terraform at `terraform`, the provider's defaults and `body`.
fn workspace(sim: &Sim, terraform: &std::path::Path, body: &str) -> Workspace {
    let mut ws = Workspace::new();
    ws.use_terraform(terraform.to_path_buf());
    ws.set_env("TF_VAR_reset_password", "Bench1!pass");
    ws.configure_with(sim, "", body);
    ws
}

/// Invokes the action on `n` instances with the Terraform at `terraform`.
fn invoke(terraform: &std::path::Path, n: usize) -> Invoke {
    let sim = bench_sim(n, None, LATENCY_MS, REBOOT.as_millis() as u64);
    let mut ws = workspace(&sim, terraform, &reset_action("fleet", &ids(n), ""));
    let log = ws.plugin_log();
    let started = Instant::now();
    ws.tf(&["apply", "-auto-approve", &format!("-invoke={ADDRESS}")])
        .ok();
    let wall_s = started.elapsed().as_secs_f64();
    assert!(
        sim.instances().iter().all(|i| i.reset_count == 1),
        "every instance reset once"
    );
    Invoke {
        wall_s,
        reset_calls: sim.calls_of("ResetInstancesPassword").len(),
        lines: invoke_progress(&log),
    }
}

/// `terraform apply` of one resource on the same `n` ids, the action's peer.
fn resource_apply_s(terraform: &std::path::Path, n: usize) -> f64 {
    let sim = bench_sim(n, None, LATENCY_MS, REBOOT.as_millis() as u64);
    let ws = workspace(&sim, terraform, &resource("fleet", &ids(n), ""));
    let started = Instant::now();
    ws.apply();
    started.elapsed().as_secs_f64()
}

/// The action's rows, and a note with its progress lines; nothing without
/// `BENCH_TERRAFORM_ACTIONS`.
pub(crate) fn section(rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    if !crate::wanted("action") {
        return;
    }
    let Some(terraform) = std::env::var_os("BENCH_TERRAFORM_ACTIONS").filter(|p| !p.is_empty())
    else {
        eprintln!("action: skipped (BENCH_TERRAFORM_ACTIONS names no Terraform 1.14 or later)");
        return;
    };
    let terraform = std::path::PathBuf::from(terraform);
    let reboot = REBOOT.as_secs_f64();
    let small = invoke(&terraform, 1000);
    eprintln!(
        "action N=1000: {:.1} s, {} reset calls",
        small.wall_s, small.reset_calls
    );
    let limit_s = 1.5 * reboot + 10.0;
    rows.push(Row {
        figure: format!(
            "`terraform apply -invoke` of the action, N = 1000, reboot {reboot:.0} s (Terraform 1.15.5)"
        ),
        target: format!("≤ 1.5 × the reboot + 10 s = {limit_s:.0} s"),
        measured: format!("{:.1} s", small.wall_s),
        ratio: format!("{:.2}", small.wall_s / limit_s),
        met: small.wall_s <= limit_s,
    });
    calls_row(rows, 1000, small.reset_calls);
    let large = invoke(&terraform, 10_000);
    let peer = resource_apply_s(&terraform, 10_000);
    eprintln!(
        "action N=10000: {:.1} s against the resource's {peer:.1} s",
        large.wall_s
    );
    rows.push(Row {
        figure: format!(
            "`terraform apply -invoke` of the action, N = 10000 (a list), reboot {reboot:.0} s, against `terraform apply` of one resource on the same ids"
        ),
        target: "≤ 1.3 × the resource".into(),
        measured: format!("{:.1} s vs {peer:.1} s", large.wall_s),
        ratio: format!("{:.2}", large.wall_s / peer),
        met: large.wall_s <= 1.3 * peer,
    });
    calls_row(rows, 10_000, large.reset_calls);
    notes.push(format!(
        "The action's invoke of 1000 instances logged {} progress lines (Terraform 1.14 and 1.15 are sent none: they crash on one that arrives after Ctrl-C):\n\n```\n{}\n```",
        small.lines.len(),
        small.lines.join("\n")
    ));
}

/// The row of an invoke's ResetInstancesPassword calls against the fewest possible.
fn calls_row(rows: &mut Vec<Row>, n: usize, calls: usize) {
    let fewest = n.div_ceil(100);
    rows.push(Row {
        figure: format!("ResetInstancesPassword calls of that invoke, N = {n}"),
        target: format!("= ceil(N/100) = {fewest}"),
        measured: calls.to_string(),
        ratio: format!("{:.2}", calls as f64 / fewest as f64),
        met: calls == fewest,
    });
}
