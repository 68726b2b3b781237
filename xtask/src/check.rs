//! The test suite and what CI runs: `cargo xtask test` installs what the tests need and runs
//! every unit, property and end-to-end test; `cargo xtask ci` runs that, then the end-to-end
//! tests again on Terraform 1.0.3 (the oldest supported version) and 1.15.5 (a recent one, with
//! actions), then formatting and lints.

use std::time::Instant;

use anyhow::Result;

use crate::run::{cmd, run, step};
use crate::{setup, terraform};

/// How many tests run at once (`TEST_THREADS`, else 4).
fn threads() -> String {
    std::env::var("TEST_THREADS").unwrap_or_else(|_| "4".into())
}

/// Builds `zenlayer-sim`, which the end-to-end tests start (it is another package's binary, so
/// cargo does not build it for the provider's tests); `release` for the benchmark.
pub fn build_simulator(release: bool) -> Result<()> {
    let mut build = cmd("cargo", ["build", "--quiet", "--package", "zenlayer-sim"]);
    if release {
        build.arg("--release");
    }
    run(build)
}

/// Every test whose name contains one of `filters` (every test without), on the Terraform
/// [`terraform::for_tests`] finds.
pub fn test(filters: &[String]) -> Result<()> {
    setup::build_deps()?;
    build_simulator(false)?;
    setup::python()?;
    setup::gpg()?;
    setup::workflow_linters()?;
    let tf = terraform::for_tests()?;
    step(format!(
        "cargo test (Terraform: {}, {})",
        terraform::describe(&tf),
        tf.display()
    ));
    run(cmd(
        "cargo",
        [
            "test",
            "--workspace",
            "--lib",
            "--bins",
            "--tests",
            "--quiet",
            "--",
            "--test-threads",
            &threads(),
        ],
    )
    .args(filters)
    .env("TF_ACC_TERRAFORM_PATH", &tf))
}

/// The end-to-end tests on the Terraform at `tf`.
fn end_to_end_on(tf: &std::path::Path) -> Result<()> {
    step(format!("end-to-end tests on {}", terraform::describe(tf)));
    run(cmd(
        "cargo",
        [
            "test",
            "--test",
            "e2e",
            "--quiet",
            "--",
            "--test-threads",
            &threads(),
        ],
    )
    .env("TF_ACC_TERRAFORM_PATH", tf))
}

/// What CI runs on a clean clone. Fails (never skips) when no terraform can be found.
pub fn ci() -> Result<()> {
    let started = Instant::now();
    test(&[])?;
    end_to_end_on(&terraform::v1_0_3()?)?;
    end_to_end_on(&terraform::v1_15_5()?)?;
    step("cargo fmt --all --check");
    run(cmd("cargo", ["fmt", "--all", "--check"]))?;
    step("cargo clippy --workspace --all-targets -- -D warnings");
    run(cmd(
        "cargo",
        [
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ],
    ))?;
    step(format!("CI passed in {}s", started.elapsed().as_secs()));
    Ok(())
}

/// Regenerates docs/ from templates/ and the provider's live schema, as Terraform 1.15.5
/// reports it (it reports actions); the docs test renders them the same way and compares.
pub fn update_docs() -> Result<()> {
    setup::build_deps()?;
    step("building the provider");
    run(cmd(
        "cargo",
        ["build", "--quiet", "--bin", "terraform-provider-zenlayer"],
    ))?;
    let tf = terraform::v1_15_5()?;
    step("regenerating docs/");
    let provider_dir = crate::run::root().join("target/debug");
    let schema = crate::docs::live_schema(&tf, &provider_dir)?;
    for path in crate::docs::write(&schema)? {
        eprintln!("  {}", path.display());
    }
    Ok(())
}
