//! `zenlayer_instance_password_reset`, the action (Terraform 1.14 and later): `-invoke` resets
//! exactly the listed instances and streams a line per call, the password stays out of the
//! saved plan and the state, bad input fails before any reset, a refusal part-way is reported
//! per instance, an `action_trigger` fires once per change, and Ctrl-C ends a wait promptly.
//! On older Terraform each test says it is skipped, and the schema fetch still works.

use serde_json::Value;

use crate::support::*;

const ACTION: &str = "action.zenlayer_instance_password_reset.now";
/// The password the tests set, through the ephemeral variable `reset_password`.
const NEW: &str = "Act1!pass";

/// Whether this Terraform has actions; says why the test is skipped when it has not.
pub(crate) fn actions_supported() -> bool {
    let version = terraform_version();
    if version >= (1, 14) {
        return true;
    }
    eprintln!(
        "skipped: actions need Terraform 1.14 or later, and this is {}.{}",
        version.0, version.1
    );
    false
}

/// A workspace for `sim` with the action on `ids`, in batches of `batch_size`.
fn action_workspace(sim: &Sim, ids: &[String], batch_size: usize, extra: &str) -> Workspace {
    let mut ws = Workspace::new();
    ws.set_env("TF_VAR_reset_password", NEW);
    ws.configure_with(
        sim,
        &format!("{FAST_PROVIDER_SETTINGS}  batch_size = {batch_size}\n"),
        &reset_action("now", ids, extra),
    );
    ws
}

/// `terraform apply -invoke` of the action.
fn invoke(ws: &Workspace) -> Run {
    ws.tf(&["apply", "-auto-approve", &format!("-invoke={ACTION}")])
}

fn reset_calls(sim: &Sim) -> usize {
    sim.calls_of("ResetInstancesPassword").len()
}

#[test]
fn invoke_resets_exactly_the_listed_instances_and_says_so_per_call() {
    if !actions_supported() {
        return;
    }
    let sim = Sim::start(7, &[]);
    let listed = ids(5);
    let mut ws = action_workspace(&sim, &listed, 2, "");
    let log = ws.plugin_log();
    let run = invoke(&ws).ok();
    let lines = invoke_progress(&log);
    let calls: Vec<&String> = lines.iter().filter(|l| l.contains("(call ")).collect();
    assert_eq!(calls.len(), 3, "a line per call:\n{lines:?}");
    assert!(
        calls[2].starts_with("reset 5 of 5 instances (call 3 of 3)"),
        "{calls:?}"
    );
    let last = "finished: the password was reset on 5 of 5 instances (3 accepted calls)";
    assert_eq!(lines.last().map(String::as_str), Some(last));
    // Terraform 1.14 and 1.15 are sent no progress event: the last line is in the report.
    assert!(
        !run.stdout.contains("(triggered by CLI): reset"),
        "no progress event: {}",
        run.raw()
    );
    assert!(
        run.all()
            .contains(&format!("zenlayer_instance_password_reset {last}")),
        "{}",
        run.raw()
    );
    for id in &listed {
        assert!(sim.password_matches(id, NEW), "{id}");
        assert_eq!(sim.reset_count(id), 1, "{id}");
    }
    for id in ["ins-00006", "ins-00007"] {
        assert_eq!(sim.reset_count(id), 0, "{id} was not listed");
    }
    let sent: Vec<usize> = sim
        .calls_of("ResetInstancesPassword")
        .iter()
        .map(|c| c.instance_ids.len())
        .collect();
    assert_eq!(sent.iter().sum::<usize>(), 5, "{sent:?}");

    // An action keeps no state: a second invoke resets them all again.
    invoke(&ws).ok();
    for id in &listed {
        assert_eq!(sim.reset_count(id), 2, "{id}");
    }
    assert!(
        ws.state()["resources"]
            .as_array()
            .is_none_or(|r| r.is_empty()),
        "nothing in state: {}",
        ws.state()
    );
}

#[test]
fn the_password_stays_out_of_the_saved_plan_the_state_and_the_output() {
    if !actions_supported() {
        return;
    }
    let sim = Sim::start(3, &[]);
    let ws = action_workspace(&sim, &ids(3), 100, "");
    let planned = ws
        .tf(&["plan", &format!("-invoke={ACTION}"), "-out=tfplan"])
        .ok();
    let plan = ws.path().join("tfplan");
    let (holding, members) = plan_members_holding(&plan, NEW);
    assert!(members >= 3, "a plan file has several members");
    assert!(
        holding.is_empty(),
        "plan members holding the password: {holding:?}"
    );
    let (holding_ids, _) = plan_members_holding(&plan, "ins-00003");
    assert!(!holding_ids.is_empty(), "the plan holds the invocation");
    assert_eq!(reset_calls(&sim), 0, "a plan resets nothing");

    let applied = ws.tf(&["apply", "tfplan"]).ok();
    for id in ids(3) {
        assert!(sim.password_matches(&id, NEW), "{id}");
    }
    for run in [&planned, &applied] {
        assert!(
            !run.raw().contains(NEW),
            "the password leaked:\n{}",
            run.raw()
        );
    }
    let state = ws.path().join("terraform.tfstate");
    if state.exists() {
        assert_file_free_of(&state, NEW);
    }
}

#[test]
fn a_weak_password_or_an_unknown_id_fails_before_any_reset() {
    if !actions_supported() {
        return;
    }
    let sim = Sim::start(2, &[]);
    let mut ws = action_workspace(&sim, &ids(2), 100, "");
    ws.set_env("TF_VAR_reset_password", "weakpass");
    let run = invoke(&ws).failed();
    assert!(
        run.all()
            .contains("Invalid password for zenlayer_instance_password_reset"),
        "{}",
        run.raw()
    );
    assert!(!run.raw().contains("weakpass"), "{}", run.raw());
    assert!(
        sim.calls().is_empty(),
        "nothing sent: {}",
        sim.call_summary(0)
    );

    ws.set_env("TF_VAR_reset_password", NEW);
    let unknown = vec!["ins-00001".to_string(), "ins-99999".to_string()];
    ws.configure(&sim, &reset_action("now", &unknown, ""));
    let run = invoke(&ws).failed();
    assert!(
        run.all().contains("1 instance id not found") && run.all().contains("\"ins-99999\""),
        "{}",
        run.raw()
    );
    assert_eq!(reset_calls(&sim), 0, "{}", sim.call_summary(0));

    // A list, as the resource's: an id listed twice fails the plan, naming it.
    let twice = vec![
        "ins-00001".to_string(),
        "ins-00002".into(),
        "ins-00001".into(),
    ];
    ws.configure(&sim, &reset_action("now", &twice, ""));
    let run = ws.tf(&["plan", &format!("-invoke={ACTION}")]).failed();
    assert!(
        run.all().contains("Instance listed twice") && run.all().contains("\"ins-00001\""),
        "{}",
        run.raw()
    );
    assert_eq!(reset_calls(&sim), 0, "{}", sim.call_summary(0));
}

#[test]
fn ids_known_only_at_invoke_are_checked_then_and_the_missing_named() {
    if !actions_supported() {
        return;
    }
    // The action's ids are known only at apply (they depend on another resource's request
    // ids), and one does not exist. Before, the API refused their whole batch (404) and none
    // was reset.
    let sim = Sim::start(3, &[]);
    let mut ws = Workspace::new();
    ws.set_env("TF_VAR_reset_password", NEW);
    let body = r#"
variable "reset_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "zenlayer_instance_password" "seed" {
  instance_ids = ["ins-00001"]
  password     = var.root_password
}

action "zenlayer_instance_password_reset" "now" {
  config {
    instance_ids = concat(
      ["ins-00002", "ins-99999", "ins-00003"],
      [for r in zenlayer_instance_password.seed.request_ids : r if r == "none"],
    )
    password_wo = var.reset_password
  }
}

resource "terraform_data" "rotation" {
  input = zenlayer_instance_password.seed.id
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.zenlayer_instance_password_reset.now]
    }
  }
}
"#;
    ws.configure(&sim, body);
    let run = ws.apply_failing(&sim);
    let text = run.all();
    assert!(
        text.contains("1 instance id not found") && text.contains("\"ins-99999\""),
        "{}",
        run.raw()
    );
    assert!(
        sim.calls_of("ResetInstancesPassword")
            .iter()
            .all(|c| !c.instance_ids.contains(&"ins-99999".to_string())),
        "the missing id is never sent"
    );
    for id in ["ins-00002", "ins-00003"] {
        assert!(sim.password_matches(id, NEW), "{id}");
    }
}

#[test]
fn an_instance_refused_part_way_is_reported_exactly() {
    if !actions_supported() {
        return;
    }
    let sim = Sim::start(3, &[]);
    sim.power_rule("running");
    sim.patch(
        "ins-00002",
        serde_json::json!({"status": "STOPPED", "auto_restart": false}),
    );
    let ws = action_workspace(&sim, &ids(3), 100, "");
    let run = invoke(&ws).failed();
    let text = run.all();
    assert!(
        text.contains("What is known, of 3 instances: reset (2): \"ins-00001\", \"ins-00003\"; not reset (1): \"ins-00002\"; unknown (0): none."),
        "{}",
        run.raw()
    );
    assert!(
        text.contains("OPERATION_DENIED_INSTANCE_NOT_RUNNING"),
        "{text}"
    );
    assert!(sim.password_matches("ins-00001", NEW));
    assert!(sim.password_matches("ins-00003", NEW));
    assert_eq!(sim.reset_count("ins-00002"), 0);
}

/// A `terraform_data` holding a rotation marker, whose changes fire the action.
fn triggered_config(marker: &str) -> String {
    format!(
        "{}\nresource \"terraform_data\" \"rotation\" {{\n  input = \"{marker}\"\n  lifecycle {{\n    action_trigger {{\n      events  = [after_create, after_update]\n      actions = [action.zenlayer_instance_password_reset.now]\n    }}\n  }}\n}}\n",
        reset_action("now", &ids(2), "")
    )
}

#[test]
fn an_action_trigger_fires_once_per_change_of_its_marker() {
    if !actions_supported() {
        return;
    }
    let sim = Sim::start(2, &[]);
    let mut ws = action_workspace(&sim, &ids(2), 100, "");
    ws.configure(&sim, &triggered_config("2026-11"));
    ws.apply();
    assert_eq!(sim.reset_count("ins-00001"), 1, "fired on create");

    let unchanged = ws.tf(&["plan", "-detailed-exitcode"]);
    assert_eq!(unchanged.code, 0, "no change planned:\n{}", unchanged.raw());
    ws.apply();
    assert_eq!(sim.reset_count("ins-00001"), 1, "no change, no reset");

    ws.configure(&sim, &triggered_config("2026-12"));
    ws.apply();
    for id in ids(2) {
        assert_eq!(sim.reset_count(&id), 2, "fired again on the change: {id}");
        assert!(sim.password_matches(&id, NEW));
    }
}

#[test]
fn ctrl_c_during_an_invoke_ends_its_wait_promptly() {
    if !actions_supported() {
        return;
    }
    let sim = Sim::start(2, &["--reboot-delay", "120s"]);
    let ws = action_workspace(&sim, &ids(2), 100, "");
    let child = in_background(
        &ws,
        &["apply", "-auto-approve", &format!("-invoke={ACTION}")],
    );
    sim.wait_for_polling_after_a_reset();
    let started = std::time::Instant::now();
    let run = interrupt(child, Interrupt::CtrlC).failed();
    let took = started.elapsed();
    eprintln!("Ctrl-C during the invoke: ended after {took:?}");
    assert!(
        took < std::time::Duration::from_secs(20),
        "took {took:?}:\n{}",
        run.raw()
    );
    assert!(
        !run.raw().contains("TERRAFORM CRASH"),
        "a progress line reached Terraform after its stop:\n{}",
        run.raw()
    );
    let text = run.all();
    assert!(
        text.contains("Terraform asked the provider to stop"),
        "{}",
        run.raw()
    );
    assert!(
        text.contains("reset (2): \"ins-00001\", \"ins-00002\""),
        "{}",
        run.raw()
    );
    assert_eq!(
        sim.status("ins-00001"),
        "REBOOT",
        "the wait ended, not the reboot"
    );
}

#[test]
fn the_schema_fetch_works_with_and_without_actions() {
    let ws = Workspace::new();
    ws.write(&required_provider("zenlayer", SOURCE));
    let run = ws.tf(&["providers", "schema", "-json"]).ok();
    let schema: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    let provider = schema["provider_schemas"]
        .as_object()
        .and_then(|p| p.values().next())
        .expect("the provider's schemas");
    assert!(provider["resource_schemas"]["zenlayer_instance_password"].is_object());
    assert!(provider["data_source_schemas"]["zenlayer_instances"].is_object());
    if terraform_version() < (1, 14) {
        return;
    }
    let action = &provider["action_schemas"]["zenlayer_instance_password_reset"];
    let password = &action["block"]["attributes"]["password_wo"];
    assert_eq!(password["write_only"], true, "{action}");
    assert_eq!(password["sensitive"], true, "{action}");
    assert_eq!(
        action["block"]["attributes"]["instance_ids"]["type"],
        serde_json::json!(["list", "string"])
    );
}
