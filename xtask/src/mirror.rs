//! Provider mirrors, the two ways Terraform installs a provider that is not on its registry:
//!
//! - [`network`]: the static files of the provider network mirror protocol, for any HTTPS host:
//!   `registry.terraform.io/zenlayer/zenlayer/index.json` (the versions), `VERSION.json` (each
//!   platform's zip, with its `h1:` and `zh:` hashes) and the zips;
//! - [`install`]: this machine's binary in a filesystem mirror, in Terraform's unpacked layout,
//!   by default `~/.terraform.d/plugins`, which Terraform searches by itself.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use base64::Engine as _;
use serde_json::json;

use crate::dist::{self, os_arch, release_name, VERSION};
use crate::run::{sha256_file, sha256_hex, step};
use crate::terraform::make_executable;

/// The provider's directory in a mirror.
const PROVIDER_PATH: &str = "registry.terraform.io/zenlayer/zenlayer";

/// Terraform's `h1:` hash of a provider zip: the SHA-256 over the sorted lines
/// `<SHA-256 of a file>  <its name>\n` of the package's contents, in base64.
pub fn h1(zip_path: &Path) -> Result<String> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path)?)?;
    let mut lines = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        if file.is_dir() {
            continue;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        lines.push(format!("{}  {}\n", sha256_hex(&bytes), file.name()));
    }
    lines.sort();
    let digest = <sha2::Sha256 as sha2::Digest>::digest(lines.concat().as_bytes());
    Ok(format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

/// The network mirror in `mirror` from the release zips in `dist` (made for this machine
/// when there are none). Returns the provider's directory in the mirror.
pub fn network(dist: &Path, mirror: &Path) -> Result<PathBuf> {
    if dist::zips(dist)?.is_empty() {
        dist::local(dist, dist::Signer::from_env().as_ref())?;
    }
    let here = mirror.join(PROVIDER_PATH);
    let _ = std::fs::remove_dir_all(&here);
    std::fs::create_dir_all(&here)?;
    let prefix = format!("{}_", release_name());
    let mut archives = serde_json::Map::new();
    for zip in dist::zips(dist)? {
        let file = zip
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let platform = file
            .trim_start_matches(&prefix)
            .trim_end_matches(".zip")
            .to_string();
        let copy = here.join(&file);
        std::fs::copy(&zip, &copy)?;
        let hashes = json!([h1(&copy)?, format!("zh:{}", sha256_file(&copy)?)]);
        archives.insert(platform, json!({"url": file, "hashes": hashes}));
    }
    let platforms: Vec<String> = archives.keys().cloned().collect();
    let write = |name: String, value: serde_json::Value| -> Result<()> {
        let text = serde_json::to_string_pretty(&value)?;
        std::fs::write(here.join(&name), text).with_context(|| format!("writing {name}"))
    };
    write(format!("{VERSION}.json"), json!({ "archives": archives }))?;
    write("index.json".into(), json!({ "versions": { VERSION: {} } }))?;
    step(format!(
        "network mirror in {} ({} platform{}: {}); publish it at any HTTPS URL (see the README)",
        mirror.display(),
        platforms.len(),
        if platforms.len() == 1 { "" } else { "s" },
        platforms.join(", ")
    ));
    Ok(here)
}

/// `binary` in the filesystem mirror `plugin_dir`, in Terraform's unpacked layout. Returns
/// the installed file.
pub fn install(binary: &Path, plugin_dir: &Path) -> Result<PathBuf> {
    let dest = plugin_dir.join(PROVIDER_PATH).join(VERSION).join(os_arch());
    std::fs::create_dir_all(&dest)?;
    let installed = dest.join(format!("terraform-provider-zenlayer_v{VERSION}"));
    std::fs::copy(binary, &installed)
        .with_context(|| format!("installing {}", binary.display()))?;
    make_executable(&installed)?;
    step(format!(
        "installed zenlayer/zenlayer {VERSION} ({}) into {}",
        os_arch(),
        dest.display()
    ));
    Ok(installed)
}

/// What a user writes to use the installed provider.
pub fn install_advice(plugin_dir: &Path) -> String {
    format!(
        "Use it from any configuration with:\n\n  terraform {{\n    required_providers {{\n      zenlayer = {{\n        source  = \"zenlayer/zenlayer\"\n        version = \"{VERSION}\"\n      }}\n    }}\n  }}\n\nthen run terraform init. (Terraform searches ~/.terraform.d/plugins by itself; for another\ndirectory, add a provider_installation {{ filesystem_mirror {{ path = \"{}\" }} }} block to your\nCLI configuration.)",
        plugin_dir.display()
    )
}
