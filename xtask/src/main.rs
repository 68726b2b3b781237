//! `cargo xtask COMMAND`: the project's automation. Before `cargo xtask setup` has defined the
//! alias, `cargo run -p xtask -- COMMAND` does the same.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use xtask::{bench, check, demo, dist, mirror, run, setup, terraform};

const USAGE: &str = "usage: cargo xtask COMMAND

  setup                        protoc and the patched tf-provider, for plain cargo commands
  demo                         build, start zenlayer-sim, apply examples/quickstart, show what happened
  test [FILTER...]             the whole test suite (installs what it needs)
  ci                           what CI runs: the tests, the end-to-end tests on Terraform 1.0.3
                               and 1.15.5, formatting and lints
  bench                        the benchmark; writes BENCHMARKS.md (BENCH_ONLY=section,... for a part)
  docs                         regenerate docs/ from templates/ and the provider's schema
  terraform 1.0.3|1.15.5       print the path of that Terraform (installed into .tools/ when missing)
  install                      the release binary into ~/.terraform.d/plugins (PLUGIN_DIR to choose)
  dist                         this machine's release artifacts in dist/ (DIST to choose;
                               GPG_FINGERPRINT to sign)
  dist package OS_ARCH BINARY  one target's zip
  dist finish                  manifest, SHA256SUMS over every zip, and its signature
  dist check-tag TAG           fails unless TAG is v<the version in Cargo.toml>
  mirror                       a provider network mirror in dist/mirror (MIRROR to choose)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A directory from the environment variable `name`, else `default` under the repository.
fn dir_from_env(name: &str, default: &str) -> PathBuf {
    std::env::var_os(name)
        .filter(|d| !d.is_empty())
        .map_or_else(|| run::root().join(default), PathBuf::from)
}

fn dispatch(args: &[String]) -> Result<()> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let signer = dist::Signer::from_env();
    let dist_dir = || dir_from_env("DIST", "dist");
    match words.as_slice() {
        ["setup"] => {
            setup::build_deps()?;
            run::step("ready: cargo build, cargo test and cargo clippy use the patched tf-provider; cargo xtask runs this automation");
            Ok(())
        }
        ["demo"] => demo::demo(),
        ["test", filters @ ..] => check::test(&args[1..1 + filters.len()]),
        ["ci"] => check::ci(),
        ["bench"] => bench::bench(),
        ["docs"] => check::update_docs(),
        ["terraform", "1.0.3"] => {
            println!("{}", terraform::v1_0_3()?.display());
            Ok(())
        }
        ["terraform", "1.15.5"] => {
            println!("{}", terraform::v1_15_5()?.display());
            Ok(())
        }
        ["install"] => {
            let plugins = std::env::var_os("PLUGIN_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".terraform.d/plugins"))
                })
                .ok_or_else(|| anyhow::anyhow!("set PLUGIN_DIR or HOME"))?;
            mirror::install(&dist::provider_binary()?, &plugins)?;
            println!("{}", mirror::install_advice(&plugins));
            Ok(())
        }
        ["dist"] => dist::local(&dist_dir(), signer.as_ref()).map(drop),
        ["dist", "package", target, binary] => {
            dist::package(&dist_dir(), target, &PathBuf::from(binary)).map(drop)
        }
        ["dist", "finish"] => dist::finish(&dist_dir(), signer.as_ref()).map(drop),
        ["dist", "check-tag", tag] => dist::check_tag(tag),
        ["mirror"] => {
            mirror::network(&dist_dir(), &dir_from_env("MIRROR", "dist/mirror")).map(drop)
        }
        ["help" | "--help" | "-h"] | [] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            bail!("unknown command: {}", args.join(" "))
        }
    }
}
