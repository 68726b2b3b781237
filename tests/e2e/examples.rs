//! Every example is validated by `terraform validate`, and applied against the simulator where
//! it can be.

use std::path::{Path, PathBuf};

use crate::support::*;

fn example(path: &str) -> PathBuf {
    root().join("examples").join(path)
}

/// Copies an example's `.tf` files into a workspace. The resource and data source snippets of
/// the registry pages omit `required_providers`, and the copy gets it, as the configuration
/// they are pasted into would have it; every other example must stand alone (without it,
/// Terraform would look for hashicorp/zenlayer).
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
    // Copied alone, an example without it would make Terraform look for hashicorp/zenlayer.
    assert!(
        has_required,
        "{} declares no required_providers",
        example_dir.display()
    );
    ws
}

#[test]
fn every_example_validates() {
    for dir in [
        "provider",
        "resources/zenlayer_instance_password",
        "quickstart",
        "fleet",
        "data-sources/zenlayer_instances",
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
    // The write-only examples need Terraform 1.11, and say so to older versions.
    for dir in ["write-only", "gitops", "rotation"] {
        let ws = workspace_with(&example(dir));
        let run = ws.tf(&["validate"]);
        if supports_write_only() {
            assert_eq!(run.code, 0, "examples/{dir}:\n{}", run.raw());
        } else {
            assert_ne!(run.code, 0, "examples/{dir}");
            assert!(refuses_for_its_version(&run), "{dir}: {}", run.raw());
        }
    }
}

fn sim_env(ws: &mut Workspace, sim: &Sim) {
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", ACCESS_KEY_PASSWORD);
    ws.set_env("TF_VAR_endpoint", &sim.url);
}

/// An example written for the registry pages (no provider block of its own), given one that
/// points at `sim` with the tests' quick settings.
fn registry_example(dir: &str, sim: &Sim) -> Workspace {
    let mut ws = workspace_with(&example(dir));
    sim_env(&mut ws, sim);
    std::fs::write(
        ws.path().join("provider.tf"),
        format!(
            "provider \"zenlayer\" {{\n  endpoint = \"{}\"\n{FAST_PROVIDER_SETTINGS}}}\n",
            sim.url
        ),
    )
    .expect("provider.tf");
    ws
}

#[test]
fn the_resource_example_applies() {
    let sim = Sim::start(3, &[]);
    let ws = registry_example("resources/zenlayer_instance_password", &sim);
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

/// `n` instances tagged env=prod (prod-00001...) and `others` that are not.
fn tagged_fleet(n: usize, others: usize) -> serde_json::Value {
    let prod =
        (1..=n).map(|i| serde_json::json!({"id": format!("prod-{i:05}"), "tags": {"env": "prod"}}));
    let dev = (1..=others)
        .map(|i| serde_json::json!({"id": format!("dev-{i:05}"), "tags": {"env": "dev"}}));
    serde_json::Value::Array(prod.chain(dev).collect())
}

#[test]
fn the_data_source_example_selects_and_resets_the_web_servers() {
    let fleet = serde_json::json!([
        {"id": "ins-web1", "name": "web-1", "zone_id": "HKG-A", "tags": {"env": "prod", "role": "web"}},
        {"id": "ins-web2", "name": "web-2", "zone_id": "SGP-B", "tags": {"env": "prod", "role": "web"}},
        {"id": "ins-db1", "name": "web-db", "zone_id": "HKG-A", "tags": {"env": "prod", "role": "db"}}
    ]);
    let sim = Sim::start_with_fleet(0, Some(&fleet), &[]);
    let ws = registry_example("data-sources/zenlayer_instances", &sim);
    let run = ws.apply();
    assert!(
        run.stdout.contains("ins-web1 web-1 RUNNING"),
        "{}",
        run.raw()
    );
    assert!(sim.password_matches("ins-web1", PASSWORD));
    assert!(!sim.password_matches("ins-web2", PASSWORD), "another zone");
    assert!(!sim.password_matches("ins-db1", PASSWORD), "another role");
}

#[test]
fn the_fleet_example_selects_by_tag_and_adding_one_resets_only_it() {
    let n = 300;
    let sim = Sim::start_with_fleet(0, Some(&tagged_fleet(n, 20)), &["--reboot-delay", "0s"]);
    let mut ws = workspace_with(&example("fleet"));
    sim_env(&mut ws, &sim);
    let run = ws.apply();
    assert!(
        run.stdout.contains(&format!("instances_reset = {n}")),
        "{}",
        run.raw()
    );
    for i in sim.instances() {
        let expected = usize::from(i.id.starts_with("prod-"));
        assert_eq!(i.reset_count, expected, "{}", i.id);
    }
    // The example's rollout: 10% of the listed instances out of RUNNING at once.
    assert_eq!(sim.peak_unavailable(), n / 10, "{}", sim.call_summary(0));
    let resets = sim.calls_of("ResetInstancesPassword");
    assert!(
        resets.len() >= 10 && resets.iter().all(|c| c.instance_ids.len() <= n / 10),
        "{n} instances, 10% at a time: {}",
        sim.call_summary(0)
    );

    // A new instance with the tag joins the fleet, and only it is reset.
    sim.add_instances(serde_json::json!([{"id": "prod-extra", "tags": {"env": "prod"}}]));
    let before = sim.calls_of("ResetInstancesPassword").len();
    let run = ws.apply();
    assert!(run.stdout.contains("1 changed"), "{}", run.raw());
    let resets = sim.calls_of("ResetInstancesPassword");
    assert_eq!(resets.len(), before + 1);
    assert_eq!(resets[before].instance_ids, vec!["prod-extra"]);
}

#[test]
fn the_actions_example_rotates_on_a_marker_change_and_on_demand() {
    if terraform_version() < (1, 14) {
        eprintln!("skipped: examples/actions needs Terraform 1.14 or later");
        return;
    }
    let sim = Sim::start(3, &[]);
    let mut ws = workspace_with(&example("actions"));
    sim_env(&mut ws, &sim);
    ws.set_env("TF_VAR_reset_password", "Rot4te!pw");
    ws.tf(&["validate"]).ok();
    ws.apply();
    let counts =
        |sim: &Sim| -> Vec<usize> { ids(3).iter().map(|id| sim.reset_count(id)).collect() };
    assert_eq!(counts(&sim), [1, 1, 1], "fired when the marker was created");
    ws.apply();
    assert_eq!(counts(&sim), [1, 1, 1], "the same marker resets nothing");
    ws.set_env("TF_VAR_rotation", "2026-12");
    ws.apply();
    assert_eq!(counts(&sim), [2, 2, 2], "a new marker resets again");
    ws.tf(&[
        "apply",
        "-auto-approve",
        "-invoke=action.zenlayer_instance_password_reset.rotate",
    ])
    .ok();
    assert_eq!(counts(&sim), [3, 3, 3], "on demand");
    assert!(ids(3)
        .iter()
        .all(|id| sim.password_matches(id, "Rot4te!pw")));
}
