//! The guides under docs/guides say what happens; these tests check each claim that can be
//! checked here (OpenTofu and other providers cannot be installed, so their parts are not).

use crate::support::*;

fn guide(name: &str) -> String {
    std::fs::read_to_string(root().join("docs/guides").join(name)).expect("a guide")
}

#[test]
fn the_rotation_example_sets_the_password_once_per_rotation() {
    if !supports_write_only() {
        eprintln!("skipped: examples/rotation needs Terraform 1.11 or later");
        return;
    }
    let sim = Sim::start(2, &[]);
    let mut ws = Workspace::new();
    let text = std::fs::read_to_string(root().join("examples/rotation/main.tf")).expect("example");
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", ACCESS_KEY_PASSWORD);
    ws.write(&format!(
        "{text}\nprovider \"zenlayer\" {{\n  endpoint = \"{}\"\n{FAST_PROVIDER_SETTINGS}}}\n",
        sim.url
    ));
    let rotate = |month: &str| {
        ws.tf(&[
            "apply",
            "-auto-approve",
            "-var",
            &format!("rotation={month}"),
        ])
    };
    rotate("2026-11").ok();
    assert!(sim.instances().iter().all(|i| i.reset_count == 1));
    // The same rotation again: no change, nothing reset.
    let again = ws.tf(&["plan", "-detailed-exitcode", "-var", "rotation=2026-11"]);
    assert_eq!(again.code, 0, "{}", again.raw());
    rotate("2026-12").ok();
    for id in ids(2) {
        assert_eq!(sim.reset_count(&id), 2, "{id}");
        assert!(sim.password_matches(&id, PASSWORD), "{id}");
    }
    assert_file_free_of(&ws.path().join("terraform.tfstate"), PASSWORD);
    assert!(guide("rotation.md").contains("examples/rotation"));
}

#[test]
fn the_upgrade_guide_s_two_effects_are_what_it_says() {
    let sim = Sim::start(2, &[]);
    let addr = "zenlayer_instance_password.web";
    let mut ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();
    // The state as a set-typed build left it (sorted), read by a config in another order.
    let path = ws.path().join("terraform.tfstate");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("state")).expect("JSON");
    state["resources"][0]["instances"][0]["schema_version"] = serde_json::json!(1);
    std::fs::write(&path, state.to_string()).expect("write state");
    let mut reversed = ids(2);
    reversed.reverse();
    ws.configure(&sim, &resource("web", &reversed, ""));
    let writes = sim.write_calls().len();
    assert_eq!(
        ws.planned_actions(addr),
        vec!["update"],
        "N to change, once"
    );
    ws.tf(&["apply", "-auto-approve", "-refresh=false"]).ok();
    assert_eq!(
        sim.write_calls().len(),
        writes,
        "no API call, nothing reset"
    );
    let clean = ws.tf(&["plan", "-detailed-exitcode"]);
    assert_eq!(clean.code, 0, "{}", clean.raw());

    // for_each over the list fails; over toset() of it, it plans.
    let each = |expr: &str| {
        format!(
            "data \"zenlayer_instances\" \"web\" {{\n  ids = {}\n}}\n\nresource \"zenlayer_instance_password\" \"each\" {{\n  for_each     = {expr}\n  instance_ids = [each.key]\n  password     = var.root_password\n}}\n",
            hcl_list(&ids(2))
        )
    };
    let mut ws = Workspace::new();
    ws.configure(&sim, &each("data.zenlayer_instances.web.ids"));
    let run = ws.tf(&["plan"]).failed();
    assert!(
        run.all().contains("Invalid for_each argument"),
        "{}",
        run.raw()
    );
    ws.configure(&sim, &each("toset(data.zenlayer_instances.web.ids)"));
    ws.tf(&["plan"]).ok();
    let text = guide("upgrading.md");
    assert!(text.contains("Invalid for_each argument") && text.contains("toset("));
}

#[test]
fn the_troubleshooting_guide_s_messages_are_terraform_s() {
    // No required_providers: Terraform looks for hashicorp/zenlayer.
    let ws = Workspace::new();
    ws.write(&resource("web", &ids(1), ""));
    let run = ws.tf(&["init"]).failed();
    assert!(run.all().contains("hashicorp/zenlayer"), "{}", run.raw());

    // A filesystem mirror holding another build of the same version than the lock file
    // records: init fails, -upgrade does not help, removing the lock entry does.
    let version = env!("CARGO_PKG_VERSION");
    let mirror = tempfile::tempdir().expect("temp dir");
    let dir = mirror.path().join(format!(
        "registry.terraform.io/zenlayer/zenlayer/{version}/linux_amd64"
    ));
    std::fs::create_dir_all(&dir).expect("mirror dir");
    let binary = dir.join(format!("terraform-provider-zenlayer_v{version}"));
    std::fs::copy(provider_binary(), &binary).expect("copy");
    let ws = Workspace::new();
    ws.set_cli_config(&format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"zenlayer/zenlayer\"]\n  }}\n  direct {{\n    exclude = [\"zenlayer/zenlayer\"]\n  }}\n}}\n",
        mirror.path().display()
    ));
    ws.write(&required_provider("zenlayer", SOURCE));
    ws.tf(&["init"]).ok();
    let mut bytes = std::fs::read(&binary).expect("binary");
    bytes.push(0);
    std::fs::write(&binary, bytes).expect("another build");
    std::fs::remove_dir_all(ws.path().join(".terraform")).expect("clean");
    let text = guide("troubleshooting.md");
    for args in [&["init"][..], &["init", "-upgrade"]] {
        let run = ws.tf(args).failed();
        assert!(
            run.all().contains("doesn't match any of the checksums previously recorded in the dependency lock file"),
            "{args:?}: {}",
            run.raw()
        );
    }
    assert!(text.contains("doesn't match any of the"));
    std::fs::remove_file(ws.path().join(".terraform.lock.hcl")).expect("lock file");
    ws.tf(&["init"]).ok();
}

#[test]
fn the_install_guide_names_every_released_platform_and_the_simulator() {
    let text = guide("installing.md");
    let release = std::fs::read_to_string(root().join(".github/workflows/release.yml"))
        .expect("release workflow");
    let targets: Vec<&str> = release
        .split("target: ")
        .skip(1)
        .filter_map(|rest| rest.split(',').next())
        .collect();
    assert_eq!(targets.len(), 6, "{targets:?}");
    for target in targets {
        assert!(
            text.contains(&format!("| `{target}` |")),
            "{target} missing"
        );
    }
    assert!(text.contains("target/debug/zenlayer-sim"));
    assert!(
        root().join("target/debug/zenlayer-sim").is_file()
            || std::env::var_os("ZENLAYER_SIM_BINARY").is_some(),
        "cargo build -p zenlayer-sim puts it where the guide says"
    );
}

/// The first `terraform` block of a guide.
fn first_block(text: &str) -> String {
    text.split("```terraform\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a terraform block")
        .to_string()
}

#[test]
fn the_large_fleet_guide_s_configuration_keeps_its_budget_with_a_canary_first() {
    if !supports_write_only() {
        eprintln!("skipped: the guide's configuration needs Terraform 1.11 or later");
        return;
    }
    let guide = guide("large-fleet.md");
    let fleet: Vec<serde_json::Value> = (1..=30)
        .map(|n| {
            let env = if n <= 20 { "prod" } else { "dev" };
            serde_json::json!({"id": format!("vm-{n:02}"), "tags": {"env": env}})
        })
        .collect();
    let sim = Sim::start_with_fleet(
        0,
        Some(&serde_json::json!(fleet)),
        &["--reboot-delay", "500ms"],
    );
    let mut ws = Workspace::new();
    ws.configure(
        &sim,
        &format!(
            "variable \"rotation\" {{\n  default = \"1\"\n}}\n\n{}",
            first_block(&guide)
        ),
    );
    let text = std::fs::read_to_string(ws.path().join("main.tf")).expect("main.tf");
    ws.write(&text.replace(
        "sensitive = true\n",
        "sensitive = true\n  ephemeral = true\n",
    ));
    ws.apply();
    assert_eq!(sim.peak_unavailable(), 2, "10% of the 20 selected");
    let resets: Vec<(u64, usize)> = sim
        .calls_of("ResetInstancesPassword")
        .iter()
        .map(|c| (c.at_ms, c.instance_ids.len()))
        .collect();
    assert_eq!(resets[0].1, 1, "the canary alone: {resets:?}");
    assert!(resets[1].0 >= resets[0].0 + 500, "{resets:?}");
    for i in sim.instances() {
        let prod = i.id.as_str() <= "vm-20";
        assert_eq!(i.reset_count, usize::from(prod), "{}", i.id);
    }
    for step in [
        "terraform untaint",
        "resettable_only = true",
        "max_unavailable = 200",
    ] {
        assert!(guide.contains(step), "the guide says {step}");
    }
}
