//! The benchmark: builds nothing itself (cargo builds the release binaries), runs every figure
//! of the performance targets against `zenlayer-sim` and the real `terraform`, and writes
//! `BENCHMARKS.md` and `benchmarks/apply-time.svg`.
//!
//! Run it with `cargo xtask bench` (or `make bench`), which also fetches the Go provider it
//! is compared with and a client certificate, and passes them in `BENCH_GO_PROVIDER`,
//! `BENCH_GO_SOURCE` and `BENCH_CLIENT_CERT`.
//!
//! `BENCH_ONLY=plugin` (or `scale`, `refresh`, `fleet`, `action`, `rollout`, comma-separated) runs only those sections and
//! writes `target/bench/BENCHMARKS-partial.md` instead, leaving the committed report alone.

#[path = "../../tests/e2e/support.rs"]
mod support;

mod action;
mod fleet;
mod report;
mod rollout;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use support::*;

/// The provider's default concurrency (max_concurrency).
pub(crate) const CONCURRENCY: usize = 8;
/// Simulated latency of every API call.
pub(crate) const LATENCY_MS: u64 = 50;
/// Instance counts of the scale figures.
const SIZES: [usize; 5] = [1, 100, 101, 1000, 10_000];

/// A simulator of `n` instances, plus those `fleet` describes, answering every call after
/// `latency_ms`, with reboots of `reboot_ms`, on two threads.
fn bench_sim(n: usize, fleet: Option<&serde_json::Value>, latency_ms: u64, reboot_ms: u64) -> Sim {
    let latency = format!("{latency_ms}ms");
    let reboot = format!("{reboot_ms}ms");
    Sim::start_with_fleet(
        n,
        fleet,
        &[
            "--latency",
            &latency,
            "--reboot-delay",
            &reboot,
            "--threads",
            "2",
        ],
    )
}

/// Whether `section` runs: every section, unless `BENCH_ONLY` names some.
fn wanted(section: &str) -> bool {
    std::env::var("BENCH_ONLY").map_or(true, |only| only.split(',').any(|s| s.trim() == section))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub(crate) fn command_output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// One line of the results table.
pub(crate) struct Row {
    pub(crate) figure: String,
    pub(crate) target: String,
    pub(crate) measured: String,
    pub(crate) ratio: String,
    pub(crate) met: bool,
}

/// The provider's own account of its apply: the `elapsed_ms` of "reset finished".
fn provider_elapsed_ms(log: &str) -> Option<u64> {
    log.lines()
        .filter(|l| l.contains("reset finished"))
        .filter_map(|l| {
            let start = l.find("elapsed_ms=")? + "elapsed_ms=".len();
            l[start..].split_whitespace().next()?.parse().ok()
        })
        .next_back()
}

pub(crate) struct Scale {
    pub(crate) n: usize,
    reset_calls: usize,
    pub(crate) provider_ms: f64,
    wall_ms: f64,
    fixed_ms: f64,
}

/// The least time N resets can take: one latency per round of `CONCURRENCY` calls.
pub(crate) fn ideal_ms(n: usize, batch: usize) -> f64 {
    let calls = n.div_ceil(batch);
    (calls.div_ceil(CONCURRENCY) as u64 * LATENCY_MS) as f64
}

/// Plans to a file, then applies that saved plan; returns the apply's wall time in ms and the
/// API calls the apply made (the plan's refresh is not counted).
fn timed_saved_apply(ws: &Workspace, sim: &Sim) -> (f64, Vec<SimCall>) {
    ws.tf(&["plan", "-out=tfplan"]).ok();
    let before = sim.calls().len();
    let ms = timed_apply(ws);
    (ms, sim.calls()[before..].to_vec())
}

/// Applies the saved plan; returns its wall time in ms.
fn timed_apply(ws: &Workspace) -> f64 {
    let started = Instant::now();
    ws.tf(&["apply", "tfplan"]).ok();
    started.elapsed().as_secs_f64() * 1000.0
}

/// Applies a saved plan that resets `n` instances in batches of `batch`, with
/// wait_for_running off and no reboot delay, and measures it; with `baseline`, also measures
/// Terraform's fixed cost for the same state.
fn reset_at_scale(n: usize, batch: usize, baseline: bool) -> Scale {
    let sim = bench_sim(n, None, LATENCY_MS, 0);
    let mut ws = Workspace::new();
    let log = ws.path().join("provider.log");
    ws.set_env("TF_LOG_PROVIDER", "INFO");
    ws.set_env("TF_LOG_PATH", &log.display().to_string());
    let args = format!(
        "{FAST_PROVIDER_SETTINGS}  batch_size = {batch}\n  max_concurrency = {CONCURRENCY}\n"
    );
    ws.configure_with(
        &sim,
        &args,
        &resource("web", &ids(n), "  wait_for_running = false"),
    );
    let (wall_ms, calls) = timed_saved_apply(&ws, &sim);
    let reset_calls = calls
        .iter()
        .filter(|c| c.action == "ResetInstancesPassword")
        .count();
    let provider_ms = provider_elapsed_ms(&std::fs::read_to_string(&log).unwrap_or_default())
        .expect("the provider logged its apply") as f64;

    if !baseline {
        return Scale {
            n,
            reset_calls,
            provider_ms,
            wall_ms,
            fixed_ms: f64::NAN,
        };
    }
    // Terraform's own cost for the same state: an update that calls no API.
    ws.configure_with(
        &sim,
        &args,
        &resource("web", &ids(n), "  wait_for_running = true"),
    );
    let (fixed_ms, calls) = timed_saved_apply(&ws, &sim);
    assert!(
        calls.is_empty(),
        "the baseline apply calls no API: {calls:?}"
    );
    Scale {
        n,
        reset_calls,
        provider_ms,
        wall_ms,
        fixed_ms,
    }
}

/// Resets `n` instances with wait_for_running on (instances take 300ms to reboot) and returns
/// the largest number of status calls in one polling round.
fn polling_per_round(n: usize) -> (usize, usize) {
    let sim = bench_sim(n, None, LATENCY_MS, 300);
    let mut ws = Workspace::new();
    let args = format!("{FAST_PROVIDER_SETTINGS}  poll_interval = \"100ms\"\n");
    let args = args.replace("  poll_interval        = \"50ms\"\n", "");
    ws.configure_with(&sim, &args, &resource("web", &ids(n), ""));
    ws.apply();
    let calls = sim.calls();
    let last_reset = calls
        .iter()
        .rposition(|c| c.action == "ResetInstancesPassword")
        .expect("resets");
    // Rounds are separated by the polling interval (100ms or more); the calls of one round are
    // sent together, back to back under the concurrency limit.
    let mut rounds: Vec<usize> = Vec::new();
    let mut last_end: Option<u64> = None;
    for c in &calls[last_reset + 1..] {
        if c.action != "DescribeInstancesStatus" {
            continue;
        }
        let at = c.at_ms;
        match last_end {
            Some(end) if at <= end + 30 => *rounds.last_mut().expect("a round") += 1,
            _ => rounds.push(1),
        }
        last_end = Some(c.done_ms.unwrap_or(at));
    }
    (rounds.iter().copied().max().unwrap_or(0), rounds.len())
}

/// `terraform plan` then `plan` again (refresh) for `n` resources of one instance each.
/// Returns (status calls of the first plan's existence checks, status calls of the refresh).
fn refresh_at_scale(n: usize) -> (usize, usize) {
    let sim = bench_sim(n, None, 20, 0);
    let mut ws = Workspace::new();
    let body = format!(
        "resource \"zenlayer_instance_password\" \"each\" {{\n  for_each         = toset({})\n  instance_ids     = [each.key]\n  password         = var.root_password\n  wait_for_running = false\n}}\n",
        hcl_list(&ids(n))
    );
    ws.configure(&sim, &body);
    ws.tf(&["plan"]).ok();
    let checks = sim.calls_of("DescribeInstancesStatus").len();
    ws.apply();
    let before = sim.calls().len();
    ws.tf(&["plan"]).ok();
    let refresh = sim.calls()[before..]
        .iter()
        .filter(|c| c.action == "DescribeInstancesStatus")
        .count();
    (checks, refresh)
}

/// Milliseconds from process start to the handshake line on stdout, as Terraform launches a
/// provider (cookie, protocol versions, client certificate).
fn handshake_ms(binary: &Path, cert: &str) -> f64 {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", cert)
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("provider starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("handshake");
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    assert!(line.starts_with("1|"), "not a handshake: {line:?}");
    let _ = child.kill();
    let _ = child.wait();
    ms
}

/// Installs `binary` for `source` in `ws` (dev_overrides) behind GNU time, which appends the
/// `format` of each provider process to `out` (one line per process).
pub(crate) fn install_timed_provider(
    ws: &Workspace,
    binary: &Path,
    source: &str,
    format: &str,
    out: &Path,
) {
    let plugin_dir = ws.path().join("plugins");
    std::fs::create_dir_all(&plugin_dir).expect("mkdir");
    let name = source.rsplit('/').next().expect("type name");
    let wrapper = plugin_dir.join(format!("terraform-provider-{name}"));
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec /usr/bin/time -f '{format}' -a -o '{}' '{}' \"$@\"\n",
            out.display(),
            binary.display()
        ),
    )
    .expect("wrapper");
    Command::new("chmod")
        .args(["+x", &wrapper.display().to_string()])
        .status()
        .expect("chmod");
    ws.set_cli_config(&dev_overrides_config(source, &plugin_dir));
}

/// The numbers GNU time wrote to `out`, one list per line.
pub(crate) fn time_lines(out: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            l.split_whitespace()
                .filter_map(|w| w.parse::<f64>().ok())
                .collect()
        })
        .filter(|v: &Vec<f64>| !v.is_empty())
        .collect()
}

/// Peak resident memory (KiB) of a provider through `terraform providers schema -json`,
/// measured by GNU time around the provider process.
fn schema_peak_rss_kib(binary: &Path, source: &str, runs: usize) -> Vec<f64> {
    let ws = Workspace::new();
    let rss_file = ws.path().join("rss.txt");
    install_timed_provider(&ws, binary, source, "%M", &rss_file);
    let name = source.rsplit('/').next().expect("type name");
    ws.write(&required_provider(name, source));
    for _ in 0..runs {
        ws.tf(&["providers", "schema", "-json"]).ok();
    }
    time_lines(&rss_file).into_iter().map(|v| v[0]).collect()
}

/// A log-log line chart of apply time against N.
/// A named, coloured line of (N, milliseconds) points, dashed or not.
type Series<'a> = (&'a str, &'a str, bool, Vec<(f64, f64)>);

fn chart(series: &[Series<'_>]) -> String {
    let (w, h, left, right, top, bottom) = (760.0, 440.0, 80.0, 200.0, 40.0, 60.0);
    let all: Vec<(f64, f64)> = series.iter().flat_map(|s| s.3.iter().copied()).collect();
    let x_max = all.iter().map(|p| p.0).fold(1.0, f64::max).log10().ceil();
    let y_min = all
        .iter()
        .map(|p| p.1)
        .fold(f64::MAX, f64::min)
        .max(1.0)
        .log10()
        .floor();
    let y_max = all.iter().map(|p| p.1).fold(1.0, f64::max).log10().ceil();
    let x = |v: f64| left + (v.max(1.0).log10() / x_max) * (w - left - right);
    let y =
        |v: f64| top + (1.0 - (v.max(1.0).log10() - y_min) / (y_max - y_min)) * (h - top - bottom);
    let mut svg = String::new();
    let _ = writeln!(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">Provider time of one apply ({LATENCY_MS} ms per API call, concurrency {CONCURRENCY})</text>",
        w / 2.0
    );
    for e in 0..=(x_max as i32) {
        let v = 10f64.powi(e);
        let _ = writeln!(svg, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#ddd\"/><text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>", x(v), top, h - bottom, h - bottom + 18.0, v as u64);
    }
    for e in (y_min as i32)..=(y_max as i32) {
        let v = 10f64.powi(e);
        let label = if v >= 1000.0 {
            format!("{} s", v / 1000.0)
        } else {
            format!("{v} ms")
        };
        let _ = writeln!(svg, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#ddd\"/><text x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{label}</text>", left, y(v), w - right, left - 6.0, y(v) + 4.0);
    }
    let _ = writeln!(svg, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">instances in one zenlayer_instance_password (log scale)</text>", (w - right + left) / 2.0, h - 16.0);
    for (i, (name, color, dashed, points)) in series.iter().enumerate() {
        let path: Vec<String> = points
            .iter()
            .map(|(px, py)| format!("{:.1},{:.1}", x(*px), y(*py)))
            .collect();
        let stroke = if *dashed {
            "stroke-width=\"3\" stroke-dasharray=\"7 5\""
        } else {
            "stroke-width=\"2\""
        };
        let _ = writeln!(
            svg,
            "<polyline fill=\"none\" stroke=\"{color}\" {stroke} points=\"{}\"/>",
            path.join(" ")
        );
        for (px, py) in points {
            let _ = writeln!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{color}\"/>",
                x(*px),
                y(*py)
            );
        }
        let ly = top + 20.0 + 22.0 * i as f64;
        let _ = writeln!(svg, "<line x1=\"{0}\" y1=\"{ly}\" x2=\"{1}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"3\"/><text x=\"{2}\" y=\"{3}\">{name}</text>", w - right + 12.0, w - right + 36.0, w - right + 42.0, ly + 4.0);
    }
    svg.push_str("</svg>\n");
    svg
}

/// What the scale section measured: each reset at scale, and the one-call-per-instance runs.
struct ScaleRuns {
    scale: Vec<Scale>,
    one_by_one: Vec<(f64, f64)>,
}

/// Reset at scale: calls and provider time for each N, polling rounds, and one call per
/// instance for comparison.
fn scale_section(rows: &mut Vec<Row>) -> ScaleRuns {
    let mut scale = Vec::new();
    let sizes: &[usize] = if wanted("scale") { &SIZES } else { &[] };
    for &n in sizes {
        let s = reset_at_scale(n, 100, true);
        eprintln!(
            "N={n}: {} resets, provider {:.0} ms, wall {:.0} ms, fixed {:.0} ms",
            s.reset_calls, s.provider_ms, s.wall_ms, s.fixed_ms
        );
        rows.extend(scale_rows(n, &s));
        scale.push(s);
    }
    for &n in sizes {
        let (per_round, rounds) = polling_per_round(n);
        eprintln!("N={n}: {per_round} status calls per polling round at most, {rounds} rounds");
        rows.push(Row {
            figure: format!("Status calls per polling round, N = {n}"),
            target: format!("≤ ceil(N/100) = {}", n.div_ceil(100)),
            measured: format!("{per_round} (over {rounds} rounds)"),
            ratio: format!("{:.2}", per_round as f64 / n.div_ceil(100) as f64),
            met: per_round <= n.div_ceil(100),
        });
    }
    // One call per instance, the pattern of Zenlayer's own provider, through the same client.
    let mut one_by_one = Vec::new();
    for n in [1usize, 100, 1000, 10_000]
        .into_iter()
        .filter(|_| wanted("scale"))
    {
        let s = reset_at_scale(n, 1, false);
        eprintln!(
            "batch 1, N={n}: {} resets, provider {:.0} ms",
            s.reset_calls, s.provider_ms
        );
        one_by_one.push((n as f64, s.provider_ms));
    }
    ScaleRuns { scale, one_by_one }
}

/// The two rows of one reset at scale: its calls and its provider time against the ideal.
fn scale_rows(n: usize, s: &Scale) -> [Row; 2] {
    let ideal = ideal_ms(n, 100);
    let ratio = s.provider_ms / ideal;
    [
        Row {
            figure: format!("ResetInstancesPassword calls, N = {n}"),
            target: format!("= ceil(N/100) = {}", n.div_ceil(100)),
            measured: s.reset_calls.to_string(),
            ratio: format!("{:.2}", s.reset_calls as f64 / n.div_ceil(100) as f64),
            met: s.reset_calls == n.div_ceil(100),
        },
        Row {
            figure: format!("Provider time of the apply, N = {n}"),
            target: format!("≤ 1.2 × ideal {ideal:.0} ms"),
            measured: format!(
                "{:.0} ms (terraform apply {:.0} ms − Terraform's fixed cost {:.0} ms = {:.0} ms)",
                s.provider_ms,
                s.wall_ms,
                s.fixed_ms,
                s.wall_ms - s.fixed_ms
            ),
            ratio: format!("{ratio:.2}"),
            met: ratio <= 1.2,
        },
    ]
}

/// Refresh at scale: the status calls of a plan of 500 one-instance resources.
fn refresh_section(rows: &mut Vec<Row>) {
    if !wanted("refresh") {
        return;
    }
    let (checks, refresh) = refresh_at_scale(500);
    let limit = (1.2 * 500f64 / 10.0).ceil() as usize;
    eprintln!("500 resources: {checks} existence-check calls, {refresh} refresh calls");
    rows.push(Row {
        figure: "Status calls of `terraform plan` (refresh) of 500 one-instance resources".into(),
        target: format!("≤ 1.2 × ceil(500/10) = {limit}"),
        measured: refresh.to_string(),
        ratio: format!("{:.2}", refresh as f64 / 50.0),
        met: refresh <= limit,
    });
    rows.push(Row {
        figure: "Status calls of the plan-time existence checks of 500 new one-instance resources"
            .into(),
        target: format!("≤ {limit}"),
        measured: checks.to_string(),
        ratio: format!("{:.2}", checks as f64 / 50.0),
        met: checks <= limit,
    });
}

/// The plugin's cost against a Go provider built on terraform-plugin-framework, and the
/// release binary's size.
fn plugin_section(rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-zenlayer"));
    match (std::env::var("BENCH_GO_PROVIDER"), std::env::var("BENCH_CLIENT_CERT")) {
        _ if !wanted("plugin") => {}
        (Ok(go), Ok(cert_path)) => rows.extend(plugin_rows(&ours, &PathBuf::from(go), &cert_path)),
        _ => notes.push("The plugin-cost figures need BENCH_GO_PROVIDER and BENCH_CLIENT_CERT (`cargo xtask bench` sets them); they were not measured in this run.".into()),
    }
    let size = std::fs::metadata(&ours).map(|m| m.len()).unwrap_or(0) as f64 / (1024.0 * 1024.0);
    rows.push(Row {
        figure: "Release binary size (stripped, LTO)".into(),
        target: "≤ 10 MiB".into(),
        measured: format!("{size:.2} MiB"),
        ratio: format!("{:.2}", size / 10.0),
        met: size <= 10.0,
    });
}

/// The handshake time and peak memory of `ours` against `go`.
fn plugin_rows(ours: &Path, go: &Path, cert_path: &str) -> [Row; 2] {
    let go_source = std::env::var("BENCH_GO_SOURCE").unwrap_or_else(|_| "local/workato".into());
    let cert = std::fs::read_to_string(cert_path).expect("client certificate");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..31 {
        a.push(handshake_ms(ours, &cert));
        b.push(handshake_ms(go, &cert));
    }
    let (ma, mb) = (median(a), median(b));
    let ra = median(schema_peak_rss_kib(ours, "zenlayer/zenlayer", 7));
    let rb = median(schema_peak_rss_kib(go, &go_source, 7));
    [
        Row {
            figure: "Start to handshake line (median of 31)".into(),
            target: "≤ 0.35 × the Go provider".into(),
            measured: format!("{ma:.2} ms vs {mb:.2} ms"),
            ratio: format!("{:.2}", ma / mb),
            met: ma / mb <= 0.35,
        },
        Row {
            figure: "Peak resident memory through `terraform providers schema -json` (median of 7)"
                .into(),
            target: "≤ 0.35 × the Go provider".into(),
            measured: format!("{:.1} MiB vs {:.1} MiB", ra / 1024.0, rb / 1024.0),
            ratio: format!("{:.2}", ra / rb),
            met: ra / rb <= 0.35,
        },
    ]
}

/// Writes the chart of provider time against N, unless only some sections ran.
fn write_chart(runs: &ScaleRuns) {
    if std::env::var_os("BENCH_ONLY").is_some() {
        return;
    }
    let ours_points: Vec<(f64, f64)> = runs
        .scale
        .iter()
        .map(|s| (s.n as f64, s.provider_ms))
        .collect();
    let ideal_points: Vec<(f64, f64)> = SIZES
        .iter()
        .map(|&n| (n as f64, ideal_ms(n, 100)))
        .collect();
    let svg = chart(&[
        ("ideal", "#2ca02c", true, ideal_points),
        (
            "one call per instance",
            "#d62728",
            false,
            runs.one_by_one.clone(),
        ),
        ("this provider", "#1f77b4", false, ours_points),
    ]);
    std::fs::create_dir_all(root().join("benchmarks")).expect("mkdir");
    std::fs::write(root().join("benchmarks/apply-time.svg"), svg).expect("write chart");
}

fn main() {
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let runs = scale_section(&mut rows);
    refresh_section(&mut rows);
    plugin_section(&mut rows, &mut notes);
    let fleets = fleet::section(&mut rows);
    action::section(&mut rows, &mut notes);
    let rollouts = rollout::section(&mut rows);
    write_chart(&runs);
    let md = report::markdown(&report::Report {
        started,
        rows: &rows,
        notes: &notes,
        scale: &runs.scale,
        one_by_one: &runs.one_by_one,
        fleets: &fleets,
        rollouts: &rollouts,
    });
    let report = if std::env::var_os("BENCH_ONLY").is_some() {
        root().join("target/bench/BENCHMARKS-partial.md")
    } else {
        root().join("BENCHMARKS.md")
    };
    if let Some(dir) = report.parent() {
        std::fs::create_dir_all(dir).expect("the report's directory");
    }
    std::fs::write(&report, md).expect("write the report");
    eprintln!(
        "wrote {} in {:.0}s",
        report.display(),
        started.elapsed().as_secs_f64()
    );
}
