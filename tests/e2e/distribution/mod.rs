//! Distribution: the local install into a filesystem mirror, the release artifacts, and the
//! GitOps pipeline script, each proven with the real terraform.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::support::*;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a project script with the freshly built provider binary (no release build).
fn script(name: &str, envs: &[(&str, &str)]) -> Run {
    let out = Command::new("bash")
        .arg(root().join("scripts").join(name))
        .env("PROVIDER_BINARY", provider_binary())
        .envs(envs.iter().copied())
        .output()
        .expect("script runs");
    let run: Run = out.into();
    assert_eq!(run.code, 0, "{name} failed:\n{}", run.raw());
    run
}

/// A workspace whose CLI configuration installs zenlayer/zenlayer from `mirror` only: no
/// dev_overrides, so `terraform init` must find it there and write the lock file.
fn mirrored_workspace(home: &Path, mirror: &Path) -> Workspace {
    let mut ws = Workspace::new();
    ws.set_cli_config(&format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"zenlayer/zenlayer\"]\n  }}\n}}\n",
        mirror.display()
    ));
    ws.set_env("HOME", &home.display().to_string());
    ws.set_env("TF_PLUGIN_CACHE_DIR", "");
    ws
}

/// `terraform init`, which must install this version of the provider and write the lock
/// file. Returns the init run and the lock file.
fn init_installs_this_version(ws: &Workspace) -> (Run, String) {
    let init = ws.tf(&["init", "-input=false"]).ok();
    assert!(
        init.all()
            .contains(&format!("Installing zenlayer/zenlayer v{VERSION}")),
        "{}",
        init.raw()
    );
    let lock =
        std::fs::read_to_string(ws.path().join(".terraform.lock.hcl")).expect("lock file written");
    (init, lock)
}

/// The `terraform` block requiring this version exactly.
fn required_version() -> String {
    format!("terraform {{\n  required_providers {{\n    zenlayer = {{\n      source  = \"{SOURCE}\"\n      version = \"{VERSION}\"\n    }}\n  }}\n}}\n")
}

#[test]
fn make_install_puts_the_provider_where_terraform_init_finds_it() {
    let home = tempfile::tempdir().expect("home");
    script(
        "install.sh",
        &[("HOME", &home.path().display().to_string())],
    );
    let plugins = home.path().join(".terraform.d/plugins");
    let installed = plugins.join(format!(
        "registry.terraform.io/zenlayer/zenlayer/{VERSION}/linux_amd64/terraform-provider-zenlayer_v{VERSION}"
    ));
    assert!(installed.is_file(), "{} missing", installed.display());

    let sim = Sim::start(2, &[]);
    let mut ws = mirrored_workspace(home.path(), &plugins);
    ws.configure(&sim, &resource("web", &ids(2), ""));
    let main_tf = std::fs::read_to_string(ws.path().join("main.tf")).expect("main.tf");
    ws.write(&main_tf.replace(&required_provider("zenlayer", SOURCE), &required_version()));
    let (init, lock) = init_installs_this_version(&ws);
    assert!(
        lock.contains("provider \"registry.terraform.io/zenlayer/zenlayer\""),
        "{lock}"
    );
    assert!(
        lock.contains(&format!("version     = \"{VERSION}\"")),
        "{lock}"
    );
    assert!(
        !init.all().contains("overrides"),
        "no dev_overrides involved"
    );
    ws.apply();
    assert!(sim.password_matches("ins-00001", PASSWORD));
}

/// Runs gpg in batch mode on the keyring in `home`.
fn gpg(home: &str, args: &[&str]) -> Run {
    Command::new("gpg")
        .arg("--batch")
        .args(args)
        .env("GNUPGHOME", home)
        .output()
        .expect("gpg runs")
        .into()
}

fn sha256_hex(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).expect("read")))
}

#[test]
fn release_artifacts_install_from_a_packed_mirror_and_verify() {
    let dist = tempfile::tempdir().expect("dist");
    let gnupg = tempfile::tempdir().expect("gnupg home");
    let gnupg_home = gnupg.path().display().to_string();
    let gen = gpg(
        &gnupg_home,
        &[
            "--passphrase",
            "",
            "--quick-gen-key",
            "Release Test <release@example.invalid>",
            "ed25519",
            "sign",
            "1d",
        ],
    );
    assert!(gen.code == 0, "{}", gen.raw());
    script(
        "release.sh",
        &[
            ("DIST", &dist.path().display().to_string()),
            ("GNUPGHOME", &gnupg_home),
            ("GPG_FINGERPRINT", "release@example.invalid"),
        ],
    );
    let name = format!("terraform-provider-zenlayer_{VERSION}");
    let zip = dist.path().join(format!("{name}_linux_amd64.zip"));
    let sums = dist.path().join(format!("{name}_SHA256SUMS"));
    let manifest = dist.path().join(format!("{name}_manifest.json"));
    let sig = dist.path().join(format!("{name}_SHA256SUMS.sig"));
    for f in [&zip, &sums, &manifest, &sig] {
        assert!(f.is_file(), "{} missing", f.display());
    }
    let manifest_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).expect("manifest")).expect("JSON");
    assert_eq!(
        manifest_json["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );
    let sums_text = std::fs::read_to_string(&sums).expect("sums");
    assert!(
        sums_text.contains(&format!("{}  {name}_linux_amd64.zip", sha256_hex(&zip))),
        "{sums_text}"
    );
    assert!(
        sums_text.contains(&format!("{}  {name}_manifest.json", sha256_hex(&manifest))),
        "{sums_text}"
    );
    let verify = gpg(
        &gnupg_home,
        &[
            "--verify",
            &sig.display().to_string(),
            &sums.display().to_string(),
        ],
    );
    assert!(verify.code == 0, "signature: {}", verify.raw());

    // The zip holds the binary under the registry's name, executable.
    let listing = Command::new("python3")
        .args(["-c", "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print([(i.filename, oct(i.external_attr>>16)) for i in z.infolist()])"])
        .arg(&zip)
        .output()
        .expect("python3 runs");
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.contains(&format!(
            "('terraform-provider-zenlayer_v{VERSION}', '0o100755')"
        )),
        "{listing}"
    );

    // A packed-layout mirror holds the zip itself; terraform init installs from it.
    let home = tempfile::tempdir().expect("home");
    let mirror = home.path().join("mirror");
    let dir = mirror.join("registry.terraform.io/zenlayer/zenlayer");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(&zip, dir.join(zip.file_name().expect("name"))).expect("copy");
    let sim = Sim::start(1, &[]);
    let mut ws = mirrored_workspace(home.path(), &mirror);
    ws.configure(&sim, &resource("web", &ids(1), ""));
    // A packed mirror holds nothing but the zip: a successful init proves the archive is what
    // Terraform expects (name, layout, an executable named for the version).
    let (_, lock) = init_installs_this_version(&ws);
    assert!(lock.contains("\"h1:"), "{lock}");
    ws.apply();
    assert!(sim.password_matches("ins-00001", PASSWORD));
}

#[test]
fn the_gitops_script_plans_applies_the_saved_plan_and_then_sees_no_changes() {
    let home = tempfile::tempdir().expect("home");
    let plugins = home.path().join("plugins");
    script(
        "install.sh",
        &[("PLUGIN_DIR", &plugins.display().to_string())],
    );
    let sim = Sim::start(4, &[]);
    let mut ws = mirrored_workspace(home.path(), &plugins);
    for file in ["main.tf", "pipeline.sh"] {
        std::fs::copy(
            root().join("examples/gitops").join(file),
            ws.path().join(file),
        )
        .expect("copy");
    }
    ws.set_env("TF_VAR_endpoint", &sim.url);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", ACCESS_KEY_PASSWORD);
    ws.set_env("TERRAFORM", &terraform_binary().display().to_string());
    // The developer's one-time step: create the lock file that gets committed.
    ws.tf(&["init", "-input=false"]).ok();
    assert!(ws.path().join(".terraform.lock.hcl").is_file());

    let pipeline = |step: &str| ws.run("bash", &["pipeline.sh", step]);
    let plan = pipeline("plan");
    assert_eq!(plan.code, 0, "{}", plan.raw());
    assert!(sim.write_calls().is_empty(), "planning resets nothing");
    let summary = std::fs::read_to_string(ws.path().join("summary.md")).expect("summary");
    assert!(summary.contains("2 to create"), "{summary}");
    assert!(
        summary.contains("`zenlayer_instance_password.web` | create"),
        "{summary}"
    );
    let plan_json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("plan.json")).expect("plan.json"),
    )
    .expect("JSON");
    assert_eq!(
        plan_json["resource_changes"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(!summary.contains(PASSWORD) && !plan.raw().contains(PASSWORD));

    let apply = pipeline("apply");
    assert_eq!(apply.code, 0, "{}", apply.raw());
    for id in ids(4) {
        assert!(sim.password_matches(&id, PASSWORD), "{id}");
    }
    let check = pipeline("check");
    assert_eq!(
        check.code,
        0,
        "a plan after the apply shows no changes:\n{}",
        check.raw()
    );

    // The lock file is read-only in the pipeline: a different provider build is refused.
    let lock = ws.path().join(".terraform.lock.hcl");
    let text = std::fs::read_to_string(&lock).expect("lock");
    let start = text.find("\"h1:").expect("an h1 hash") + 4;
    let tampered = format!("{}AAAA{}", &text[..start], &text[start + 4..]);
    std::fs::write(&lock, tampered).expect("write lock");
    std::fs::remove_dir_all(ws.path().join(".terraform")).expect("fresh init");
    let refused = pipeline("plan");
    assert_ne!(
        refused.code,
        0,
        "a mismatching provider must fail the job:\n{}",
        refused.raw()
    );
}
