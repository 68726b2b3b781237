//! The `zenlayer-sim` command: runs the simulator on loopback, prints its base URL as the first
//! line on stdout, then serves until interrupted.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{CommandFactory, FromArgMatches, Parser, ValueEnum};
use zenlayer_protocol::PowerRule;

use crate::faults::FaultKind;
use crate::server::{bind_loopback, tls_acceptor};
use crate::settings::parse_reboot_delay;
use crate::state::{Sim, SimCredentials};
use crate::world::{power_rule, FleetEntry, Settings, TagMatch};

/// A local stand-in for the Zenlayer VM API (ResetInstancesPassword, DescribeInstancesStatus,
/// DescribeInstances, StopInstances, StartInstances), with an inspection interface under /_sim/.
#[derive(Parser, Debug)]
#[command(name = "zenlayer-sim", version)]
struct Args {
    /// Address to listen on (loopback only); port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Access key id the simulator accepts.
    #[arg(
        long,
        env = "ZENLAYER_SIM_ACCESS_KEY_ID",
        default_value = "sim-access-key"
    )]
    access_key_id: String,
    /// Access key password the simulator accepts (prefer the environment variable).
    #[arg(
        long,
        env = "ZENLAYER_SIM_ACCESS_KEY_PASSWORD",
        default_value = "sim-access-key-password",
        hide_env_values = true
    )]
    access_key_password: String,
    /// Number of RUNNING instances to create, named PREFIX00001, PREFIX00002, ...
    #[arg(long, default_value_t = 3)]
    instances: usize,
    /// Prefix of the created instance ids.
    #[arg(long, default_value = "ins-")]
    prefix: String,
    /// A JSON file describing more instances: an array of objects with `id` and, optionally,
    /// `status`, `auto_restart`, `name`, `zone_id`, `instance_type`, `image_id`, `image_name`,
    /// `cpu_count`, `memory`, `public_ip_addresses`, `private_ip_addresses`,
    /// `resource_group_id`, `subnet_id`, `security_group_ids`, `tags` (an object) and
    /// `create_time`.
    #[arg(long)]
    fleet: Option<std::path::PathBuf>,
    /// The largest page DescribeInstances returns (the API's maximum is 1000).
    #[arg(long, default_value_t = zenlayer_protocol::MAX_PAGE_SIZE)]
    max_page_size: usize,
    /// Which power state ResetInstancesPassword requires: running or stopped.
    #[arg(long, value_parser = power_rule::parse, default_value = "running")]
    power_rule: PowerRule,
    /// How long REBOOT lasts after a reset (e.g. 2s, 300ms, 0s), or a range each reboot's
    /// length is drawn from (e.g. 20s..40s).
    #[arg(long, value_parser = parse_reboot_delay, default_value = "2s")]
    reboot_delay: (Duration, Option<Duration>),
    /// How long BOOTING lasts after StartInstances.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2s")]
    boot_delay: Duration,
    /// How long STOPPING lasts after StopInstances.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2s")]
    stop_delay: Duration,
    /// Latency added to every API call.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "0s")]
    latency: Duration,
    /// How DescribeInstances combines several tag pairs or tag keys: all (AND) or any (OR, an
    /// API the provider must not trust with its selection).
    #[arg(long, value_enum, default_value = "all")]
    tag_match: TagMatchArg,
    /// A DescribeInstances parameter the simulated API ignores, by its wire name (zoneId,
    /// instanceIds, tags, ...); may be repeated.
    #[arg(long = "ignore-filter", value_name = "PARAMETER")]
    ignored_filters: Vec<String>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key); the first line printed is
    /// then an https URL.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Worker threads of the server's runtime.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TagMatchArg {
    All,
    Any,
}

impl From<TagMatchArg> for TagMatch {
    fn from(arg: TagMatchArg) -> Self {
        match arg {
            TagMatchArg::All => TagMatch::All,
            TagMatchArg::Any => TagMatch::Any,
        }
    }
}

/// The end of `--help`: the inspection interface and the fault kinds it takes.
fn after_help() -> String {
    format!(
        "Inspection interface (for tests and demos), under the printed URL:\n  \
         GET /_sim/instances, GET|PATCH|DELETE /_sim/instances/ID, PUT /_sim/instances,\n  \
         POST /_sim/instances/ID/password-check, GET /_sim/calls, GET|PUT /_sim/settings,\n  \
         GET|DELETE /_sim/unavailable (instances out of RUNNING: now, and the most at once),\n  \
         GET|POST|DELETE /_sim/faults\n\n\
         Fault kinds for POST /_sim/faults (the call log names them the same way):\n  {}\n\
         A rule is {{\"kind\": ..., plus the kind's fields}} with, optionally, \"action\", \
         \"instance_id\", \"count\", \"rate\", \"skip\" and \"after\" (an action: the rule \
         sleeps until a call of it succeeded).",
        FaultKind::NAMES.join(", ")
    )
}

/// The command line, with [`after_help`] added to `--help`.
fn parse_args() -> Args {
    let matches = Args::command().after_help(after_help()).get_matches();
    match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => e.exit(),
    }
}

/// Runs the command with the process's arguments.
pub fn main() -> ExitCode {
    let args = parse_args();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zenlayer-sim: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let listener = bind_loopback(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr().context("no local address")?;
    let sim = Sim::new(
        SimCredentials {
            access_key_id: args.access_key_id.clone(),
            access_key_password: args.access_key_password,
        },
        Settings {
            power_rule: args.power_rule,
            reboot_delay: args.reboot_delay.0,
            reboot_delay_max: args.reboot_delay.1,
            boot_delay: args.boot_delay,
            stop_delay: args.stop_delay,
            latency: args.latency,
            max_page_size: args.max_page_size.max(1),
            tag_match: args.tag_match.into(),
            ignored_filters: args.ignored_filters.clone(),
        },
    );
    let fleet: Vec<FleetEntry> = match &args.fleet {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the fleet file {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{} is not a fleet description", path.display()))?
        }
        None => Vec::new(),
    };
    let described = fleet.len();
    {
        let mut world = sim.lock();
        for n in 1..=args.instances {
            world.upsert(&format!("{}{n:05}", args.prefix), "RUNNING", true);
        }
        for entry in fleet {
            world.add(entry);
        }
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls_acceptor(cert, key)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    // The first line on stdout is the base URL; tools read it to find the port.
    println!("{scheme}://{addr}");
    eprintln!(
        "zenlayer-sim: {} instances, power rule {}, access key id {}; inspection at {scheme}://{addr}/_sim/instances",
        args.instances + described,
        power_rule::name(args.power_rule),
        args.access_key_id
    );
    tokio::select! {
        r = sim.serve(listener, tls) => r.context("serving failed")?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
