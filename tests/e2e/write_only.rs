//! `password_wo`: the password never stored. On Terraform 1.11 and later it sets every
//! instance while the state, the saved plan and the logs hold no password; on older versions it
//! is refused clearly and `password` keeps working.

use serde_json::Value;

use crate::support::*;

const ADDR: &str = "zenlayer_instance_password.web";
/// The write-only password most tests set (through TF_VAR_root_password_wo).
const WO: &str = "Wonly1!pass";

/// A resource that takes its password from the ephemeral variable `root_password_wo`.
fn write_only_config(ids: &[String], version: &str) -> String {
    format!(
        "variable \"root_password_wo\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n\
         resource \"zenlayer_instance_password\" \"web\" {{\n  instance_ids        = {}\n  password_wo         = var.root_password_wo\n  password_wo_version = \"{version}\"\n}}\n",
        hcl_list(ids)
    )
}

/// A workspace for `sim` with the write-only resource on `ids` at `version`.
fn write_only_workspace(sim: &Sim, ids: &[String], version: &str) -> Workspace {
    let mut ws = Workspace::new();
    ws.set_env("TF_VAR_root_password_wo", WO);
    ws.configure(sim, &write_only_config(ids, version));
    ws
}

/// On Terraform before 1.11: `password_wo` fails the plan with the version advice and nothing
/// is sent, and `password` still sets the password in the same workspace. Returns whether this
/// Terraform supports write-only arguments (the caller then tests them).
fn write_only_supported_or_refused() -> bool {
    if supports_write_only() {
        return true;
    }
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::new();
    ws.set_env("TF_VAR_root_password_wo", WO);
    // No ephemeral variable: versions before 1.10 do not know them.
    ws.configure(
        &sim,
        &format!(
            "variable \"root_password_wo\" {{\n  type      = string\n  sensitive = true\n}}\n\n\
             resource \"zenlayer_instance_password\" \"web\" {{\n  instance_ids        = {}\n  password_wo         = var.root_password_wo\n  password_wo_version = \"1\"\n}}\n",
            hcl_list(&ids(1))
        ),
    );
    let run = ws.tf(&["plan"]).failed();
    let output = run.all();
    for part in [
        "password_wo needs Terraform 1.11 or later",
        "OpenTofu 1.11",
        "Use password",
    ] {
        assert!(output.contains(part), "{part:?} missing from\n{output}");
    }
    assert!(
        !run.raw().contains(WO),
        "the password leaked:\n{}",
        run.raw()
    );
    assert!(sim.calls().is_empty(), "nothing sent: {:?}", sim.calls());

    ws.configure(&sim, &resource("web", &ids(1), ""));
    ws.apply();
    assert!(sim.password_matches("ins-00001", PASSWORD));
    false
}

#[test]
fn password_wo_is_write_only_in_the_live_schema_or_refused_by_older_terraform() {
    if !write_only_supported_or_refused() {
        return;
    }
    // Only a build on the patched tf-provider can mark an attribute write-only.
    let ws = Workspace::new();
    ws.write(&required_provider("zenlayer", SOURCE));
    let run = ws.tf(&["providers", "schema", "-json"]).ok();
    let schema: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    let attrs = &schema["provider_schemas"]["registry.terraform.io/zenlayer/zenlayer"]
        ["resource_schemas"]["zenlayer_instance_password"]["block"]["attributes"];
    assert_eq!(attrs["password_wo"]["write_only"], true, "{attrs}");
    assert_eq!(attrs["password_wo"]["sensitive"], true);
    assert_ne!(attrs["password"]["write_only"], true);
    assert_ne!(attrs["password_wo_version"]["write_only"], true);
}

#[test]
fn password_wo_sets_every_instance_and_stays_out_of_the_state_and_the_saved_plan() {
    if !write_only_supported_or_refused() {
        return;
    }
    let sim = Sim::start(3, &[]);
    let ws = write_only_workspace(&sim, &ids(3), "1");
    ws.tf(&["plan", "-out=tfplan"]).ok();
    let (holding, members) = plan_members_holding(&ws.path().join("tfplan"), WO);
    assert!(members >= 3, "a plan file has several members");
    assert!(
        holding.is_empty(),
        "plan members holding the password: {holding:?}"
    );
    // The sanity check of the scan: the plan does hold the instance ids it plans for.
    let (holding_ids, _) = plan_members_holding(&ws.path().join("tfplan"), "ins-00003");
    assert!(!holding_ids.is_empty());

    ws.tf(&["apply", "tfplan"]).ok();
    for id in ids(3) {
        assert!(sim.password_matches(&id, WO), "{id} has the new password");
        assert_eq!(sim.reset_count(&id), 1, "{id}");
    }
    assert_file_free_of(&ws.path().join("terraform.tfstate"), WO);
    let values = ws.resource(ADDR).expect("in state");
    assert_eq!(values["password_wo"], Value::Null);
    assert_eq!(values["password"], Value::Null);
    assert_eq!(values["password_wo_version"], "1");
    assert_eq!(ws.state_ids(ADDR), ids(3));

    let run = ws.tf(&["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "no changes after the apply:\n{}", run.raw());
}

#[test]
fn only_a_new_password_wo_version_sets_a_new_password_wo() {
    if !write_only_supported_or_refused() {
        return;
    }
    let sim = Sim::start(2, &[]);
    let mut ws = write_only_workspace(&sim, &ids(2), "1");
    ws.apply();

    // Terraform never stores password_wo, so a new value alone plans nothing.
    ws.set_env("TF_VAR_root_password_wo", "Second2@pass");
    let run = ws.tf(&["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "no changes:\n{}", run.raw());
    ws.apply();
    assert_eq!(sim.calls_of("ResetInstancesPassword").len(), 1);
    assert!(sim.password_matches("ins-00001", WO));

    // The rotation recipe: bump the version.
    ws.configure(&sim, &write_only_config(&ids(2), "2"));
    assert_eq!(ws.planned_actions(ADDR), vec!["delete", "create"]);
    ws.apply();
    for id in ids(2) {
        assert!(sim.password_matches(&id, "Second2@pass"), "{id}");
        assert_eq!(sim.reset_count(&id), 2, "{id}");
    }
    assert_file_free_of(&ws.path().join("terraform.tfstate"), "Second2@pass");
    assert_eq!(
        ws.resource(ADDR).expect("in state")["password_wo_version"],
        "2"
    );
}

#[test]
fn adding_an_instance_sets_the_current_password_wo_on_it_only() {
    if !write_only_supported_or_refused() {
        return;
    }
    let sim = Sim::start(3, &[]);
    let mut ws = write_only_workspace(&sim, &ids(2), "1");
    ws.apply();
    ws.configure(&sim, &write_only_config(&ids(3), "1"));
    assert_eq!(ws.planned_actions(ADDR), vec!["update"]);
    ws.apply();
    let resets = sim.calls_of("ResetInstancesPassword");
    assert_eq!(resets.len(), 2);
    assert_eq!(resets[1].instance_ids, vec!["ins-00003"]);
    assert!(sim.password_matches("ins-00003", WO));
    assert_eq!(ws.state_ids(ADDR), ids(3));
}

#[test]
fn moving_from_password_to_password_wo_replaces_once_and_empties_the_state() {
    if !write_only_supported_or_refused() {
        return;
    }
    let sim = Sim::start(2, &[]);
    let mut ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();
    let state = std::fs::read_to_string(ws.path().join("terraform.tfstate")).expect("state");
    assert!(
        state.contains(PASSWORD),
        "with password, the state holds it"
    );

    ws.set_env("TF_VAR_root_password_wo", WO);
    ws.configure(&sim, &write_only_config(&ids(2), "1"));
    assert_eq!(ws.planned_actions(ADDR), vec!["delete", "create"]);
    ws.apply();
    for id in ids(2) {
        assert_eq!(sim.reset_count(&id), 2, "{id}: one more reset");
        assert!(sim.password_matches(&id, WO), "{id}");
    }
    assert_file_free_of(&ws.path().join("terraform.tfstate"), PASSWORD);
    assert_file_free_of(&ws.path().join("terraform.tfstate"), WO);
}

#[test]
fn every_password_argument_rule_fails_the_plan_with_nothing_sent() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::new();
    ws.set_env("TF_VAR_root_password_wo", WO);
    let wo_var = "variable \"root_password_wo\" {\n  type      = string\n  sensitive = true\n}\n";
    let cases = [
        (
            "  password_wo = var.root_password_wo\n  password_wo_version = \"1\"",
            "Conflicting password arguments",
        ),
        ("", "Missing password"),
        (
            "  password_wo = var.root_password_wo",
            "password_wo_version is required with password_wo",
        ),
        (
            "  password_wo_version = \"1\"",
            "password_wo_version only goes with password_wo",
        ),
    ];
    for (extra, expected) in cases {
        let mut body = resource("web", &ids(1), extra);
        if extra.is_empty() || expected == "password_wo_version is required with password_wo" {
            body = body.replace("  password     = var.root_password\n", "");
        }
        ws.configure(&sim, &format!("{wo_var}\n{body}"));
        let run = ws.tf(&["plan"]).failed();
        let output = run.all();
        assert!(
            output.contains(expected),
            "{expected:?} missing from\n{output}"
        );
        for secret in [PASSWORD, WO] {
            assert!(!run.raw().contains(secret), "leaked:\n{}", run.raw());
        }
    }
    // The password rule applies to password_wo, without echoing it.
    let weak = "weakpass1";
    ws.set_env("TF_VAR_root_password_wo", weak);
    let body = resource(
        "web",
        &ids(1),
        "  password_wo = var.root_password_wo\n  password_wo_version = \"1\"",
    )
    .replace("  password     = var.root_password\n", "");
    ws.configure(&sim, &format!("{wo_var}\n{body}"));
    let run = ws.tf(&["plan"]).failed();
    let output = run.all();
    if supports_write_only() {
        assert!(
            output.contains("The password_wo argument breaks the Zenlayer password rule"),
            "{output}"
        );
        assert!(output.contains("no upper-case"), "{output}");
    } else {
        // Older versions validate with the variable still unknown: the refusal comes first.
        assert!(output.contains("needs Terraform 1.11"), "{output}");
    }
    assert!(!run.raw().contains(weak), "leaked:\n{}", run.raw());
    assert!(sim.calls().is_empty(), "nothing sent: {:?}", sim.calls());
}

#[test]
fn password_wo_never_reaches_a_trace_log() {
    if !write_only_supported_or_refused() {
        return;
    }
    let sim = Sim::start(2, &[]);
    let mut ws = write_only_workspace(&sim, &ids(2), "1");
    let log_path = ws.path().join("terraform.log");
    ws.set_env("TF_LOG", "TRACE");
    ws.set_env("TF_LOG_PATH", &log_path.display().to_string());
    let mut outputs = vec![ws.tf(&["plan"]).ok().raw(), ws.apply().raw()];
    sim.patch("ins-00002", serde_json::json!({"status": "STOPPED"}));
    ws.configure(&sim, &write_only_config(&ids(2), "2"));
    outputs.push(ws.tf(&["apply", "-auto-approve"]).failed().raw()); // a refused reset
    let log = std::fs::read_to_string(&log_path).expect("TF_LOG_PATH written");
    assert!(
        log.contains("ResetInstancesPassword"),
        "the provider's calls are in the log"
    );
    assert!(!log.contains(WO), "the password is in the TF_LOG=TRACE log");
    for out in outputs {
        assert!(!out.contains(WO), "the password is in the output:\n{out}");
    }
}
