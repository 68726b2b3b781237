//! `terraform-provider-zenlayer`: the plugin binary Terraform starts.

use std::process::ExitCode;

use zenlayer::provider::ZenlayerProvider;
use zenlayer::{logging, stop, VERSION};

/// The handshake cookie Terraform sets for its plugins.
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn usage() -> String {
    format!(
        "terraform-provider-zenlayer {VERSION}\n\
         \n\
         This is a Terraform/OpenTofu provider plugin: Terraform starts it, it is not meant to be run by hand.\n\
         It manages the resource zenlayer_instance_password (the login password of Zenlayer instances).\n\
         \n\
         To use it, declare it in your configuration:\n\
         \n  terraform {{\n    required_providers {{\n      zenlayer = {{ source = \"zenlayer/zenlayer\" }}\n    }}\n  }}\n\
         \n\
         and install it (see the README: a filesystem mirror or dev_overrides), then run terraform init/plan/apply.\n\
         \n\
         Options: --version prints the version; --help prints this text.\n"
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args
        .iter()
        .any(|a| a == "--version" || a == "-v" || a == "version")
    {
        println!("terraform-provider-zenlayer {VERSION}");
        return ExitCode::SUCCESS;
    }
    if args
        .iter()
        .any(|a| a == "--help" || a == "-h" || a == "help")
    {
        print!("{}", usage());
        return ExitCode::SUCCESS;
    }
    if std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE) {
        eprint!("{}", usage());
        eprintln!(
            "\nError: started outside Terraform (no plugin handshake cookie); nothing to do."
        );
        return ExitCode::from(1);
    }

    // Before any thread exists: keep Rust backtraces out of diagnostics and take
    // PLUGIN_LOG_FILE away from tf-provider (see logging::prepare_environment).
    // SAFETY: single-threaded at this point; nothing reads the environment concurrently.
    let log_file = unsafe { logging::prepare_environment() };
    let log_file = log_file.and_then(|path| std::fs::File::create(path).ok());
    let level = logging::level_from_env(
        std::env::var("TF_LOG_PROVIDER").ok().as_deref(),
        std::env::var("TF_LOG").ok().as_deref(),
    );
    logging::init(level, log_file);

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("terraform-provider-zenlayer: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        stop::watch_signals();
        tf_provider::serve("zenlayer", ZenlayerProvider::new(stop::token())).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("terraform-provider-zenlayer: {e}");
            ExitCode::FAILURE
        }
    }
}
