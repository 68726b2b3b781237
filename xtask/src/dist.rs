//! Release artifacts in the layout the Terraform registry expects, in a `dist` directory:
//!
//! - `terraform-provider-zenlayer_VERSION_OS_ARCH.zip` per target: the binary
//!   `terraform-provider-zenlayer_vVERSION` (`.exe` on Windows), executable;
//! - `terraform-provider-zenlayer_VERSION_manifest.json`: the protocol versions;
//! - `terraform-provider-zenlayer_VERSION_SHA256SUMS`: every zip and the manifest;
//! - `terraform-provider-zenlayer_VERSION_SHA256SUMS.sig`: its detached GPG signature, made
//!   with the key `GPG_FINGERPRINT` names, when it names one.
//!
//! The release workflow packages each target on its own runner ([`package`]) and finishes the
//! set once ([`finish`]); `cargo xtask dist` does both for this machine's build ([`local`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use crate::run::{cmd, root, run, sha256_file, step};
use crate::setup;

/// The provider's version, set in the workspace's Cargo.toml only.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The artifacts' common prefix: `terraform-provider-zenlayer_VERSION`.
pub fn release_name() -> String {
    format!("terraform-provider-zenlayer_{VERSION}")
}

/// Terraform's name for this machine's platform, such as `linux_amd64`.
pub fn os_arch() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// The zip of one target: `binary` under the registry's name, executable. Refuses a target
/// that is not OS_ARCH and a binary that does not exist, writing nothing.
pub fn package(dist: &Path, target: &str, binary: &Path) -> Result<PathBuf> {
    if !target.contains('_') {
        bail!("{target} is not an OS_ARCH such as linux_amd64");
    }
    if !binary.is_file() {
        bail!("no binary at {}", binary.display());
    }
    let exe = if target.starts_with("windows_") {
        ".exe"
    } else {
        ""
    };
    let member = format!("terraform-provider-zenlayer_v{VERSION}{exe}");
    let bytes = std::fs::read(binary)?;
    std::fs::create_dir_all(dist)?;
    let archive = dist.join(format!("{}_{target}.zip", release_name()));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive)?);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(
            zip::DateTime::from_date_and_time(2020, 1, 1, 0, 0, 0)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        )
        .unix_permissions(0o755);
    zip.start_file(member, options)?;
    zip.write_all(&bytes)?;
    zip.finish()?;
    step(format!("packaged {target}: {}", display_name(&archive)));
    Ok(archive)
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The zips of this version in `dist`, by name.
pub fn zips(dist: &Path) -> Result<Vec<PathBuf>> {
    let prefix = format!("{}_", release_name());
    let mut zips: Vec<PathBuf> = match std::fs::read_dir(dist) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = display_name(p);
                name.starts_with(&prefix) && name.ends_with(".zip")
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    zips.sort();
    Ok(zips)
}

/// Who signs SHA256SUMS: a GPG key id or fingerprint, in a keyring (GNUPGHOME's by default).
#[derive(Debug, Clone)]
pub struct Signer {
    /// The key, as `gpg --local-user` takes it.
    pub key: String,
    /// The keyring's directory, when not the default one.
    pub gnupg_home: Option<PathBuf>,
}

impl Signer {
    /// The signer `GPG_FINGERPRINT` names, if it names one.
    pub fn from_env() -> Option<Signer> {
        std::env::var("GPG_FINGERPRINT")
            .ok()
            .filter(|k| !k.is_empty())
            .map(|key| Signer {
                key,
                gnupg_home: None,
            })
    }
}

/// The manifest, SHA256SUMS over every zip and the manifest, and, with `signer`, its detached
/// signature. Refuses a `dist` with no zip.
pub fn finish(dist: &Path, signer: Option<&Signer>) -> Result<Vec<PathBuf>> {
    let mut covered = zips(dist)?;
    if covered.is_empty() {
        bail!(
            "no {}_OS_ARCH.zip in {}: package a target first",
            release_name(),
            dist.display()
        );
    }
    let name = release_name();
    let manifest = dist.join(format!("{name}_manifest.json"));
    std::fs::copy(root().join("terraform-registry-manifest.json"), &manifest)?;
    covered.push(manifest);
    let mut sums = String::new();
    for file in &covered {
        sums.push_str(&format!("{}  {}\n", sha256_file(file)?, display_name(file)));
    }
    let sums_file = dist.join(format!("{name}_SHA256SUMS"));
    std::fs::write(&sums_file, sums)?;
    let sig = dist.join(format!("{name}_SHA256SUMS.sig"));
    let _ = std::fs::remove_file(&sig);
    let mut written = covered;
    written.push(sums_file.clone());
    if let Some(signer) = signer {
        setup::gpg()?;
        let mut gpg = cmd("gpg", ["--batch", "--yes", "--local-user", &signer.key]);
        if let Some(home) = &signer.gnupg_home {
            gpg.env("GNUPGHOME", home);
        }
        run(gpg
            .arg("--output")
            .arg(&sig)
            .arg("--detach-sign")
            .arg(&sums_file))
        .context("signing SHA256SUMS")?;
        step(format!(
            "signed {} with {}",
            display_name(&sums_file),
            signer.key
        ));
        written.push(sig);
    }
    step(format!("release artifacts in {}", dist.display()));
    for file in &written {
        eprintln!("{}", display_name(file));
    }
    Ok(written)
}

/// Fails unless `tag` is `v` + the version in Cargo.toml.
pub fn check_tag(tag: &str) -> Result<()> {
    if tag != format!("v{VERSION}") {
        bail!("the tag {tag} does not match the version in Cargo.toml (v{VERSION}); tag v{VERSION}, or change the version first");
    }
    step(format!("tag {tag} matches Cargo.toml"));
    Ok(())
}

/// The release binary: the one `PROVIDER_BINARY` names, else a release build of this
/// machine's.
pub fn provider_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("PROVIDER_BINARY").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    setup::build_deps()?;
    step("cargo build --release");
    run(cmd(
        "cargo",
        [
            "build",
            "--release",
            "--quiet",
            "--bin",
            "terraform-provider-zenlayer",
        ],
    ))?;
    Ok(root().join("target/release/terraform-provider-zenlayer"))
}

/// This machine's release: its build packaged, then the set finished (what `make release`
/// does), in a `dist` cleared of this version's artifacts first.
pub fn local(dist: &Path, signer: Option<&Signer>) -> Result<Vec<PathBuf>> {
    let binary = provider_binary()?;
    let prefix = format!("{}_", release_name());
    if let Ok(entries) = std::fs::read_dir(dist) {
        for entry in entries.flatten() {
            if display_name(&entry.path()).starts_with(&prefix) {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    package(dist, &os_arch(), &binary)?;
    finish(dist, signer)
}
