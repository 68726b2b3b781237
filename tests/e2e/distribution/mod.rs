//! Distribution: the local install into a filesystem mirror, the release artifacts, the
//! network mirror (all made by the xtask crate, called here as a library), and the GitOps
//! pipeline, each proven with the real terraform.

mod network_mirror;
mod release;

use std::path::Path;

use sha2::{Digest, Sha256};
use xtask::dist::{release_name, VERSION};

use crate::support::*;

/// The SHA-256 of the file at `path`, in hex.
fn sha256_hex(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).expect("read")))
}

/// A workspace whose CLI configuration installs zenlayer/zenlayer from `mirror` only: no
/// dev_overrides, so `terraform init` must find it there and write the lock file.
fn mirrored_workspace(home: &Path, mirror: &Path) -> Workspace {
    let block = format!(
        "filesystem_mirror {{\n    path    = \"{}\"",
        mirror.display()
    );
    installing_workspace(home, &block)
}

/// A workspace whose CLI configuration installs zenlayer/zenlayer only with the
/// `provider_installation` method `method` (its block, up to its `include` line).
fn installing_workspace(home: &Path, method: &str) -> Workspace {
    let mut ws = Workspace::new();
    ws.set_cli_config(&format!(
        "provider_installation {{\n  {method}\n    include = [\"zenlayer/zenlayer\"]\n  }}\n}}\n"
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
    let plugins = home.path().join(".terraform.d/plugins");
    xtask::mirror::install(&provider_binary(), &plugins).expect("installed");
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

/// A workspace holding the GitOps example, installing the provider from a filesystem mirror
/// under `home`, with the pipeline's environment for `sim`.
fn gitops_workspace(home: &Path, sim: &Sim) -> Workspace {
    let plugins = home.join("plugins");
    xtask::mirror::install(&provider_binary(), &plugins).expect("installed");
    let mut ws = mirrored_workspace(home, &plugins);
    for file in ["main.tf", "pipeline.sh"] {
        std::fs::copy(
            root().join("examples/gitops").join(file),
            ws.path().join(file),
        )
        .expect("copy");
    }
    ws.set_env("TF_VAR_endpoint", &sim.url);
    ws.set_env("TF_VAR_root_password", PASSWORD);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", ACCESS_KEY_PASSWORD);
    ws.set_env("TERRAFORM", &terraform_binary().display().to_string());
    ws
}

/// Runs one step of the example's pipeline.sh.
fn pipeline(ws: &Workspace, step: &str) -> Run {
    ws.run("bash", &["pipeline.sh", step])
}

/// Checks what `pipeline.sh plan` leaves for a pull request: the summary, plan.json and the
/// saved plan, none of which holds the password.
fn assert_plan_artifacts(ws: &Workspace, plan: &Run) {
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
    // The saved plan is the artifact a pull request uploads: it must not hold the password.
    let (holding, members) = plan_members_holding(&ws.path().join("tfplan"), PASSWORD);
    assert!(
        members > 0 && holding.is_empty(),
        "{holding:?} of {members}"
    );
    assert_file_free_of(&ws.path().join("plan.json"), PASSWORD);
    assert!(!summary.contains(PASSWORD) && !plan.raw().contains(PASSWORD));
}

/// A rotation: the secret changes and a pull request bumps password_version; then plan,
/// apply and check each succeed, and every instance has the new password.
fn rotate(ws: &mut Workspace, sim: &Sim) {
    let main_tf = std::fs::read_to_string(ws.path().join("main.tf")).expect("main.tf");
    let bumped = main_tf.replace("password_version = \"1\"", "password_version = \"2\"");
    assert_ne!(bumped, main_tf, "main.tf sets password_version");
    std::fs::write(ws.path().join("main.tf"), bumped).expect("write main.tf");
    ws.set_env("TF_VAR_root_password", "Rotated2@pw");
    for step in ["plan", "apply", "check"] {
        let run = pipeline(ws, step);
        assert_eq!(run.code, 0, "{step} after the bump:\n{}", run.raw());
    }
    for id in ids(4) {
        assert!(sim.password_matches(&id, "Rotated2@pw"), "{id}");
    }
}

/// The lock file is read-only in the pipeline: a different provider build is refused.
fn assert_a_tampered_lock_fails_the_job(ws: &Workspace) {
    let lock = ws.path().join(".terraform.lock.hcl");
    let text = std::fs::read_to_string(&lock).expect("lock");
    let start = text.find("\"h1:").expect("an h1 hash") + 4;
    let tampered = format!("{}AAAA{}", &text[..start], &text[start + 4..]);
    std::fs::write(&lock, tampered).expect("write lock");
    std::fs::remove_dir_all(ws.path().join(".terraform")).expect("fresh init");
    let refused = pipeline(ws, "plan");
    assert_ne!(
        refused.code,
        0,
        "a mismatching provider must fail the job:\n{}",
        refused.raw()
    );
}

#[test]
fn the_gitops_script_plans_applies_the_saved_plan_and_then_sees_no_changes() {
    let home = tempfile::tempdir().expect("home");
    let sim = Sim::start(4, &[]);
    let mut ws = gitops_workspace(home.path(), &sim);
    if !supports_write_only() {
        // The example's password is write-only: older Terraform stops at the ephemeral
        // variable, before anything is sent.
        let refused = pipeline(&ws, "plan");
        assert_ne!(refused.code, 0, "{}", refused.raw());
        assert!(
            refused
                .all()
                .contains("An argument named \"ephemeral\" is not expected here"),
            "{}",
            refused.raw()
        );
        assert!(sim.calls().is_empty(), "nothing sent");
        return;
    }
    // The developer's one-time step: create the lock file that gets committed.
    ws.tf(&["init", "-input=false"]).ok();
    assert!(ws.path().join(".terraform.lock.hcl").is_file());

    let plan = pipeline(&ws, "plan");
    assert_eq!(plan.code, 0, "{}", plan.raw());
    assert!(sim.write_calls().is_empty(), "planning resets nothing");
    assert_plan_artifacts(&ws, &plan);

    let apply = pipeline(&ws, "apply");
    assert_eq!(apply.code, 0, "{}", apply.raw());
    for id in ids(4) {
        assert!(sim.password_matches(&id, PASSWORD), "{id}");
    }
    assert_file_free_of(&ws.path().join("terraform.tfstate"), PASSWORD);
    let check = pipeline(&ws, "check");
    assert_eq!(
        check.code,
        0,
        "a plan after the apply shows no changes:\n{}",
        check.raw()
    );
    rotate(&mut ws, &sim);
    assert_a_tampered_lock_fails_the_job(&ws);
}
