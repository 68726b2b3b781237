//! `zenlayer-sim`: runs the local Zenlayer VM API simulator. Prints its base URL as the first
//! line on stdout, then serves until interrupted.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use zenlayer::api::Credentials;
use zenlayer::secret::Secret;
use zenlayer::sim::world::{PowerRule, Settings};
use zenlayer::sim::{bind_loopback, Sim};

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
        hide_env_values = true,
        hide_default_value = true
    )]
    access_key_password: String,
    /// Number of RUNNING instances to create, named PREFIX00001, PREFIX00002, ...
    #[arg(long, default_value_t = 3)]
    instances: usize,
    /// Prefix of the created instance ids.
    #[arg(long, default_value = "ins-")]
    prefix: String,
    /// Which power state ResetInstancesPassword requires.
    #[arg(long, value_enum, default_value = "running")]
    power_rule: PowerRule,
    /// How long REBOOT lasts after a reset (e.g. 2s, 300ms, 0s).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2s")]
    reboot_delay: Duration,
    /// How long BOOTING lasts after StartInstances.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2s")]
    boot_delay: Duration,
    /// How long STOPPING lasts after StopInstances.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2s")]
    stop_delay: Duration,
    /// Latency added to every API call.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "0s")]
    latency: Duration,
    /// Worker threads of the server's runtime.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zenlayer-sim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let listener = match bind_loopback(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("zenlayer-sim: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("zenlayer-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sim = Sim::new(
        Credentials {
            access_key_id: args.access_key_id.clone(),
            access_key_password: Secret::new(args.access_key_password),
        },
        Settings {
            power_rule: args.power_rule,
            reboot_delay: args.reboot_delay,
            boot_delay: args.boot_delay,
            stop_delay: args.stop_delay,
            latency: args.latency,
        },
    );
    {
        let mut world = sim.lock();
        for n in 1..=args.instances {
            world.upsert(&format!("{}{n:05}", args.prefix), "RUNNING", true);
        }
    }
    // The first line on stdout is the base URL; tools read it to find the port.
    println!("http://{addr}");
    eprintln!(
        "zenlayer-sim: {} instances, power rule {:?}, access key id {}; inspection at http://{addr}/_sim/instances",
        args.instances, args.power_rule, args.access_key_id
    );
    tokio::select! {
        r = sim.serve(listener) => {
            if let Err(e) = r {
                eprintln!("zenlayer-sim: {e}");
                return ExitCode::FAILURE;
            }
        }
        _ = tokio::signal::ctrl_c() => {}
    }
    ExitCode::SUCCESS
}
