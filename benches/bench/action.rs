//! The action at scale: `terraform apply -invoke` of `zenlayer_instance_password_reset` on
//! 1,000 instances with a modelled real reboot (30 s), with the provider's default settings, on
//! the Terraform that `BENCH_TERRAFORM_ACTIONS` names (1.14 or later; `cargo xtask bench`
//! passes 1.15.5). The same goal as the resource's fleet of that size; the reset calls; and
//! the progress lines the provider logged.

use std::time::{Duration, Instant};

use super::{bench_sim, Row, LATENCY_MS};
use crate::support::*;

/// Instances invoked on.
const N: usize = 1000;
/// The modelled reboot.
const REBOOT: Duration = Duration::from_secs(30);
const ADDRESS: &str = "action.zenlayer_instance_password_reset.fleet";

/// The measure, with the progress lines.
pub(crate) struct Invoke {
    pub(crate) wall_s: f64,
    pub(crate) reset_calls: usize,
    pub(crate) lines: Vec<String>,
}

/// Invokes the action on `N` instances with the Terraform at `terraform`.
fn invoke(terraform: std::path::PathBuf) -> Invoke {
    let sim = bench_sim(N, None, LATENCY_MS, REBOOT.as_millis() as u64);
    let mut ws = Workspace::new();
    ws.use_terraform(terraform);
    let log = ws.plugin_log();
    ws.set_env("TF_VAR_reset_password", "Bench1!pass");
    ws.configure_with(&sim, "", &reset_action("fleet", &ids(N), ""));
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
    let m = invoke(terraform.into());
    eprintln!(
        "action N={N}: {:.1} s, {} reset calls, {} progress lines",
        m.wall_s,
        m.reset_calls,
        m.lines.len()
    );
    let reboot = REBOOT.as_secs_f64();
    let limit_s = 1.5 * reboot + 10.0;
    rows.push(Row {
        figure: format!(
            "`terraform apply -invoke` of the action, N = {N}, reboot {reboot:.0} s (Terraform 1.15.5)"
        ),
        target: format!("≤ 1.5 × the reboot + 10 s = {limit_s:.0} s"),
        measured: format!("{:.1} s", m.wall_s),
        ratio: format!("{:.2}", m.wall_s / limit_s),
        met: m.wall_s <= limit_s,
    });
    let fewest = N.div_ceil(100);
    rows.push(Row {
        figure: format!("ResetInstancesPassword calls of that invoke, N = {N}"),
        target: format!("= ceil(N/100) = {fewest}"),
        measured: m.reset_calls.to_string(),
        ratio: format!("{:.2}", m.reset_calls as f64 / fewest as f64),
        met: m.reset_calls == fewest,
    });
    notes.push(format!(
        "The action's invoke of {N} instances logged {} progress lines (Terraform 1.14 and 1.15 are sent none: they crash on one that arrives after Ctrl-C):\n\n```\n{}\n```",
        m.lines.len(),
        m.lines.join("\n")
    ));
}
