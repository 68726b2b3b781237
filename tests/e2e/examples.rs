//! Every example is validated by `terraform validate`, and applied against the simulator where
//! it can be.

use std::path::{Path, PathBuf};

use crate::support::*;

fn example(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(path)
}

/// Copies an example's `.tf` files into a workspace. Examples written for the registry pages
/// omit `required_providers`; the copy gets it, as a user's configuration would have it.
fn workspace_with(example_dir: &Path) -> Workspace {
    let ws = Workspace::new();
    let mut has_required = false;
    for entry in std::fs::read_dir(example_dir).expect("example dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            let text = std::fs::read_to_string(&path).expect("read example");
            has_required |= text.contains("required_providers");
            std::fs::write(ws.path().join(path.file_name().expect("name")), text).expect("copy");
        }
    }
    if !has_required {
        std::fs::write(
            ws.path().join("versions.tf"),
            required_provider("zenlayer", SOURCE),
        )
        .expect("versions.tf");
    }
    ws
}

#[test]
fn every_example_validates() {
    for dir in [
        "provider",
        "resources/zenlayer_instance_password",
        "quickstart",
        "fleet",
        "gitops",
    ] {
        let ws = workspace_with(&example(dir));
        let run = ws.tf(&["validate"]);
        assert_eq!(
            run.code,
            0,
            "examples/{dir} does not validate:\n{}",
            run.raw()
        );
    }
    // The write-only example needs Terraform 1.11, and says so to older versions.
    let ws = workspace_with(&example("write-only"));
    let run = ws.tf(&["validate"]);
    if supports_write_only() {
        assert_eq!(run.code, 0, "examples/write-only:\n{}", run.raw());
    } else {
        assert_ne!(run.code, 0);
        assert!(refuses_for_its_version(&run), "{}", run.raw());
    }
}

fn sim_env(ws: &mut Workspace, sim: &Sim) {
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", ACCESS_KEY_PASSWORD);
    ws.set_env("TF_VAR_endpoint", &sim.url);
}

#[test]
fn the_resource_example_applies() {
    let sim = Sim::start(3, &[]);
    let mut ws = workspace_with(&example("resources/zenlayer_instance_password"));
    sim_env(&mut ws, &sim);
    std::fs::write(
        ws.path().join("provider.tf"),
        format!(
            "provider \"zenlayer\" {{\n  endpoint = \"{}\"\n{FAST_PROVIDER_SETTINGS}}}\n",
            sim.url
        ),
    )
    .expect("provider.tf");
    ws.apply();
    for id in ids(3) {
        assert!(sim.password_matches(&id, PASSWORD), "{id}");
        assert_eq!(sim.status(&id), "RUNNING");
    }
}

#[test]
fn the_quickstart_applies() {
    let sim = Sim::start(3, &[]);
    let mut ws = workspace_with(&example("quickstart"));
    sim_env(&mut ws, &sim);
    ws.set_env(
        "TF_VAR_instance_ids",
        &serde_json::to_string(&ids(3)).expect("json"),
    );
    let run = ws.apply();
    assert!(run.stdout.contains("request_ids"), "{}", run.raw());
    assert!(sim.instances().iter().all(|i| i.reset_count == 1));
}

/// Whether Terraform refused the write-only example for being too old: by its
/// `required_version`, or (1.0 parses first) by not knowing ephemeral variables.
fn refuses_for_its_version(run: &Run) -> bool {
    let all = run.all();
    all.contains("Unsupported Terraform Core version")
        || all.contains("An argument named \"ephemeral\" is not expected here")
}

#[test]
fn the_write_only_example_applies_and_rotates_with_the_version() {
    let sim = Sim::start(2, &[]);
    let mut ws = workspace_with(&example("write-only"));
    sim_env(&mut ws, &sim);
    ws.set_env(
        "TF_VAR_instance_ids",
        &serde_json::to_string(&ids(2)).expect("json"),
    );
    ws.set_env("TF_VAR_root_password", "Wonly1!pass");
    if !supports_write_only() {
        let run = ws.tf(&["apply", "-auto-approve"]).failed();
        assert!(refuses_for_its_version(&run), "{}", run.raw());
        assert!(sim.calls().is_empty());
        return;
    }
    ws.apply();
    ws.set_env("TF_VAR_root_password", "Second2@pass");
    ws.tf(&["apply", "-auto-approve", "-var", "password_version=2"])
        .ok();
    for id in ids(2) {
        assert!(sim.password_matches(&id, "Second2@pass"), "{id}");
        assert_eq!(sim.reset_count(&id), 2, "{id}");
    }
    let state = std::fs::read_to_string(ws.path().join("terraform.tfstate")).expect("state");
    assert!(!state.contains("Wonly1!pass") && !state.contains("Second2@pass"));
}

#[test]
fn the_fleet_example_resets_a_large_fleet_in_few_calls() {
    let n = 300;
    let sim = Sim::start(n, &["--reboot-delay", "0s"]);
    let mut ws = workspace_with(&example("fleet"));
    sim_env(&mut ws, &sim);
    ws.set_env(
        "TF_VAR_instance_ids",
        &serde_json::to_string(&ids(n)).expect("json"),
    );
    let run = ws.apply();
    assert!(
        run.stdout.contains(&format!("instances_reset = {n}")),
        "{}",
        run.raw()
    );
    assert!(sim.instances().iter().all(|i| i.reset_count == 1));
    let resets = sim.calls_of("ResetInstancesPassword").len();
    assert!(
        resets <= 16,
        "{resets} reset calls for {n} instances in 16 groups"
    );

    // Adding one instance touches only its group, and resets only it.
    sim.create(&["ins-extra".to_string()], "RUNNING");
    let mut more = ids(n);
    more.push("ins-extra".into());
    ws.set_env(
        "TF_VAR_instance_ids",
        &serde_json::to_string(&more).expect("json"),
    );
    let before = sim.calls_of("ResetInstancesPassword").len();
    ws.apply();
    let resets = sim.calls_of("ResetInstancesPassword");
    assert_eq!(resets.len(), before + 1);
    assert_eq!(resets[before].instance_ids, vec!["ins-extra"]);
}
