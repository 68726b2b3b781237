//! `terraform-provider-zenlayer`: the plugin binary Terraform starts.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use zenlayer::provider::ZenlayerProvider;
use zenlayer::stop::{Stop, StopReason};
use zenlayer::{logging, VERSION};

/// The handshake cookie Terraform sets for its plugins.
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn usage() -> String {
    format!(
        "terraform-provider-zenlayer {VERSION}\n\
         \n\
         This is a Terraform/OpenTofu provider plugin: Terraform starts it, it is not meant to be run by hand.\n\
         It offers the resource zenlayer_instance_password (the login password of Zenlayer instances),\n\
         the data source zenlayer_instances (instances selected by zone, tags, name and more) and,\n\
         for Terraform 1.14 and later, the action zenlayer_instance_password_reset (a reset on demand).\n\
         \n\
         To use it, declare it in your configuration:\n\
         \n  terraform {{\n    required_providers {{\n      zenlayer = {{ source = \"zenlayer/zenlayer\" }}\n    }}\n  }}\n\
         \n\
         and install it (see the README: a filesystem mirror or dev_overrides), then run terraform init/plan/apply.\n\
         \n\
         Options: --version prints the version; --help prints this text.\n"
    )
}

/// What the command line asks for, when it is run by hand.
enum Invocation {
    Serve,
    Version,
    Help,
    Unknown(String),
}

fn invocation(args: &[String]) -> Invocation {
    match args.first().map(String::as_str) {
        None => Invocation::Serve,
        Some("--version" | "-v" | "version") => Invocation::Version,
        Some("--help" | "-h" | "help") => Invocation::Help,
        Some(other) => Invocation::Unknown(other.to_string()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match invocation(&args) {
        Invocation::Version => {
            println!("terraform-provider-zenlayer {VERSION}");
            return ExitCode::SUCCESS;
        }
        Invocation::Help => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Invocation::Unknown(option) => {
            eprint!("{}", usage());
            eprintln!("\nError: unknown option {option:?}.");
            return ExitCode::from(2);
        }
        Invocation::Serve => {}
    }
    if std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE) {
        eprint!("{}", usage());
        eprintln!(
            "\nError: started outside Terraform (no plugin handshake cookie); nothing to do."
        );
        return ExitCode::from(1);
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("terraform-provider-zenlayer: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Serves Terraform until it shuts the plugin down, or until SIGTERM.
fn run() -> anyhow::Result<()> {
    // Before any thread exists: keep Rust backtraces out of diagnostics and take
    // PLUGIN_LOG_FILE away from tf-provider (see logging::prepare_environment).
    // SAFETY: single-threaded at this point; nothing reads the environment concurrently.
    let log_path = unsafe { logging::prepare_environment() };
    let log_file = log_path.and_then(open_log_file);
    let level = logging::level_from_env(
        std::env::var("TF_LOG_PROVIDER").ok().as_deref(),
        std::env::var("TF_LOG").ok().as_deref(),
    );
    let stop = Stop::new();
    logging::install(level, log_file).context("cannot install the log")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let served = runtime.block_on(serve(stop));
    // Whatever is still running (an idle connection, the stdio stream) ends with the process.
    runtime.shutdown_timeout(Duration::from_millis(200));
    served
}

async fn serve(stop: Stop) -> anyhow::Result<()> {
    stop.ignore_interrupts()
        .context("cannot install the SIGINT handler")?;
    let terminated = stop
        .terminated()
        .context("cannot install the SIGTERM handler")?;
    let parent_gone = stop.parent_gone();
    let served = tokio::select! {
        served = tf_provider::serve("zenlayer", ZenlayerProvider::new(stop.clone())) => served,
        () = terminated => return Ok(()),
        () = parent_gone => Ok(()),
    };
    // Terraform is gone, or closed the server: resets still running bring back the power they
    // took away before the process exits.
    if stop.operations() > 0 {
        stop.stop_and_drain(StopReason::TerraformGone).await;
    }
    served
}

/// Opens `PLUGIN_LOG_FILE` for appending (a plan's lines stay when the apply starts a new
/// plugin process). A failure is said on stderr, where Terraform shows it, and logging to the
/// file is skipped.
fn open_log_file(path: OsString) -> Option<File> {
    match OpenOptions::new().create(true).append(true).open(&path) {
        Ok(file) => Some(file),
        Err(e) => {
            eprintln!(
                "{}",
                logging::format_line(
                    &tracing::Level::WARN,
                    "zenlayer",
                    &format!(
                        "cannot open PLUGIN_LOG_FILE {}: {e}; logging to stderr only",
                        std::path::Path::new(&path).display()
                    ),
                    serde_json::Map::new(),
                )
            );
            None
        }
    }
}
