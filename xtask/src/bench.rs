//! The benchmark's set-up: the Go provider it is compared with (from PyPI, never committed), a
//! client certificate like the one Terraform gives its plugins, GNU time; then `cargo bench`,
//! which writes BENCHMARKS.md (or, with `BENCH_ONLY`, a partial report).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::run::{cmd, on_path, root, run, step};
use crate::terraform::make_executable;
use crate::{setup, terraform};

/// The Go provider the plugin's cost is compared with.
const GO_PROVIDER: &str = "terraform-provider-workato_v0.16.0";
/// Its path inside the PyPI wheel `workato-terraform-provider==0.16.0`.
const GO_MEMBER: &str = "workato_terraform_provider/payload/registry.terraform.io/local/workato/0.16.0/linux_amd64/terraform-provider-workato_v0.16.0";

/// The Go provider, taken from its PyPI wheel into `dir` when missing.
fn go_provider(dir: &Path) -> Result<PathBuf> {
    let binary = dir.join(GO_PROVIDER);
    if binary.is_file() {
        return Ok(binary);
    }
    step("fetching the Go provider to compare with (PyPI: workato-terraform-provider==0.16.0)");
    setup::pip_download("workato-terraform-provider==0.16.0", None, false, dir)?;
    let wheel = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with("workato_terraform_provider-0.16.0-") && n.ends_with(".whl")
            })
        })
        .context("the downloaded wheel")?;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&wheel)?)?;
    let mut bytes = Vec::new();
    archive
        .by_name(GO_MEMBER)
        .context("the provider in the wheel")?
        .read_to_end(&mut bytes)?;
    std::fs::write(&binary, bytes)?;
    make_executable(&binary)?;
    Ok(binary)
}

/// A client certificate like the one Terraform generates for each plugin it starts (EC
/// P-521, self-signed), made with openssl.
fn client_certificate(dir: &Path) -> Result<PathBuf> {
    let cert = dir.join("client-cert.pem");
    run(cmd(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
            "-nodes",
            "-subj",
            "/O=HashiCorp/CN=localhost",
            "-days",
            "1",
            "-keyout",
        ],
    )
    .arg(dir.join("client-key.pem"))
    .arg("-out")
    .arg(&cert)
    .stderr(std::process::Stdio::null()))?;
    Ok(cert)
}

/// Runs the benchmark (release build); `BENCH_ONLY` chooses sections.
pub fn bench() -> Result<()> {
    setup::build_deps()?;
    setup::python()?;
    let tf = terraform::for_tests()?;
    if !Path::new("/usr/bin/time").is_file() {
        setup::apt_install(&["time"])?;
    }
    if on_path("openssl").is_none() {
        setup::apt_install(&["openssl"])?;
    }
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let go = go_provider(&dir)?;
    let with_actions = terraform::v1_15_5()?;
    let cert = client_certificate(&dir)?;
    crate::check::build_simulator(true)?;
    step("cargo bench (release build)");
    run(cmd("cargo", ["bench", "--bench", "bench"])
        .env("TF_ACC_TERRAFORM_PATH", &tf)
        .env("BENCH_GO_PROVIDER", &go)
        .env("BENCH_GO_SOURCE", "local/workato")
        .env("BENCH_CLIENT_CERT", &cert)
        .env("BENCH_TERRAFORM_ACTIONS", &with_actions)
        .env(
            "BENCH_COMMAND",
            std::env::var("BENCH_COMMAND").unwrap_or_else(|_| "make bench".into()),
        ))?;
    step("results in BENCHMARKS.md");
    Ok(())
}
