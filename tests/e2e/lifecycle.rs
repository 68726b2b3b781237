//! The resource's lifecycle: create, update, replacement, refresh, destroy.

use serde_json::Value;

use crate::support::*;

const ADDR: &str = "zenlayer_instance_password.web";

#[test]
fn create_resets_every_instance_once_and_records_it() {
    let sim = Sim::start(3, &[]);
    let ws = Workspace::for_resource(&sim, &ids(3), "");
    ws.apply();

    let resets = sim.calls_of("ResetInstancesPassword");
    assert_eq!(resets.len(), 1);
    assert_eq!(Some(resets[0].instance_ids.len()), Some(3));
    for id in ids(3) {
        assert_eq!(sim.reset_count(&id), 1, "{id}");
        assert!(
            sim.password_matches(&id, PASSWORD),
            "{id} has the new password"
        );
        assert_eq!(
            sim.status(&id),
            "RUNNING",
            "wait_for_running waited for {id}"
        );
    }
    let values = ws.resource(ADDR).expect("in state");
    assert_eq!(ws.state_ids(ADDR), ids(3));
    assert_eq!(
        values["request_ids"],
        Value::from(vec![resets[0].request_id.clone()])
    );
    assert!(values["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("zlpw-")));
    assert_eq!(values["shutdown_before_reset"], false);
    assert_eq!(values["wait_for_running"], true);
}

#[test]
fn two_hundred_fifty_instances_take_exactly_three_reset_calls() {
    let sim = Sim::start(250, &[]);
    let ws = Workspace::for_resource(&sim, &ids(250), "");
    ws.apply();

    let resets = sim.calls_of("ResetInstancesPassword");
    let mut sizes: Vec<usize> = resets.iter().map(|c| c.instance_ids.len()).collect();
    sizes.sort();
    assert_eq!(sizes, vec![50, 100, 100]);
    assert!(sim.instances().iter().all(|i| i.reset_count == 1));
    assert_eq!(ws.state_ids(ADDR).len(), 250);
    let request_ids = ws.resource(ADDR).expect("in state")["request_ids"].clone();
    assert_eq!(request_ids.as_array().map(Vec::len), Some(3));
    // Status polls never exceed the API's limit either.
    assert!(sim
        .calls_of("DescribeInstancesStatus")
        .iter()
        .all(|c| c.instance_ids.len() <= 100));
}

#[test]
fn password_change_replaces_and_resets_all_again() {
    let sim = Sim::start(2, &[]);
    let mut ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();
    let first_id = ws.resource(ADDR).expect("in state")["id"].clone();

    ws.set_env("TF_VAR_root_password", "Other2@pass");
    assert_eq!(ws.planned_actions(ADDR), vec!["delete", "create"]);
    let run = ws.apply();
    assert!(run.stdout.contains("must be replaced") || run.stdout.contains("replaced"));
    // The replacement's destroy half does not claim that the instances keep their password.
    assert!(
        !run.all().contains("keep their current password"),
        "{}",
        run.raw()
    );
    for id in ids(2) {
        assert_eq!(sim.reset_count(&id), 2, "{id}");
        assert!(sim.password_matches(&id, "Other2@pass"));
    }
    let values = ws.resource(ADDR).expect("in state");
    assert_ne!(values["id"], first_id, "a replacement has a new id");
    assert_eq!(values["password"], "Other2@pass");
}

#[test]
fn adding_an_instance_updates_in_place_and_resets_only_it() {
    let sim = Sim::start(3, &[]);
    let mut ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();
    let first = ws.resource(ADDR).expect("in state");

    ws.configure(&sim, &resource("web", &ids(3), ""));
    assert_eq!(ws.planned_actions(ADDR), vec!["update"]);
    ws.apply();

    let resets = sim.calls_of("ResetInstancesPassword");
    assert_eq!(resets.len(), 2);
    assert_eq!(resets[1].instance_ids, vec!["ins-00003"]);
    assert_eq!(sim.reset_count("ins-00001"), 1);
    assert_eq!(sim.reset_count("ins-00003"), 1);
    let values = ws.resource(ADDR).expect("in state");
    assert_eq!(values["id"], first["id"], "the id is stable");
    assert_eq!(ws.state_ids(ADDR), ids(3));
    assert_eq!(
        values["request_ids"],
        serde_json::json!([resets[1].request_id])
    );
}

#[test]
fn removing_an_instance_calls_nothing() {
    let sim = Sim::start(3, &[]);
    let mut ws = Workspace::for_resource(&sim, &ids(3), "");
    ws.apply();
    let before = sim.calls().len();
    let request_ids = ws.resource(ADDR).expect("in state")["request_ids"].clone();

    ws.configure(&sim, &resource("web", &ids(2), ""));
    ws.tf(&["apply", "-auto-approve", "-refresh=false"]).ok();
    assert_eq!(sim.calls().len(), before, "no API call at all");
    assert_eq!(ws.state_ids(ADDR), ids(2));
    assert_eq!(
        ws.resource(ADDR).expect("in state")["request_ids"],
        request_ids
    );
    assert_eq!(
        sim.reset_count("ins-00003"),
        1,
        "the removed instance keeps its password"
    );

    // Changing only the behaviour flags or timeouts calls nothing either.
    ws.configure(
        &sim,
        &resource(
            "web",
            &ids(2),
            "  wait_for_running = false\n  timeouts {\n    create = \"5m\"\n  }",
        ),
    );
    ws.tf(&["apply", "-auto-approve", "-refresh=false"]).ok();
    assert_eq!(sim.calls().len(), before);
    assert_eq!(
        ws.resource(ADDR).expect("in state")["wait_for_running"],
        false
    );
}

#[test]
fn a_second_plan_after_apply_shows_no_changes() {
    let sim = Sim::start(2, &[]);
    let ws = Workspace::for_resource(&sim, &ids(2), "  shutdown_before_reset = false");
    ws.apply();
    let run = ws.tf(&["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "exit 2 means changes:\n{}", run.all());
    assert!(run.stdout.contains("No changes"));
}

#[test]
fn refresh_drops_deleted_instances_and_then_the_resource() {
    let sim = Sim::start(2, &[]);
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();

    sim.delete("ins-00002");
    let run = ws.tf(&["apply", "-refresh-only", "-auto-approve"]).ok();
    assert!(
        run.all().contains("ins-00002"),
        "the refresh says what it dropped"
    );
    assert_eq!(ws.state_ids(ADDR), vec!["ins-00001".to_string()]);

    sim.delete("ins-00001");
    ws.tf(&["apply", "-refresh-only", "-auto-approve"]).ok();
    assert!(
        ws.resource(ADDR).is_none(),
        "with no instance left the resource is gone"
    );
    assert_eq!(
        sim.calls_of("ResetInstancesPassword").len(),
        1,
        "refresh never resets"
    );
}

#[test]
fn destroy_calls_nothing_and_warns() {
    let sim = Sim::start(2, &[]);
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();
    let before = sim.calls().len();
    let run = ws.tf(&["destroy", "-auto-approve", "-refresh=false"]).ok();
    assert_eq!(sim.calls().len(), before, "no API call");
    let text = run.all();
    assert!(text.contains("changes no password"), "{text}");
    assert!(
        text.contains("the 2 instances keep the password they have"),
        "{text}"
    );
    assert!(ws.resource(ADDR).is_none());
    for id in ids(2) {
        assert!(sim.password_matches(&id, PASSWORD));
    }
}

#[test]
fn two_resources_listing_one_instance_are_warned_about_at_plan() {
    let sim = Sim::start(3, &[]);
    let mut ws = Workspace::new();
    let body = format!(
        "{}\n{}",
        resource("a", &ids(2), ""),
        resource("b", &["ins-00002".to_string(), "ins-00003".to_string()], "")
            .replace("var.root_password", "\"Other2@pass\"")
    );
    ws.configure(&sim, &body);
    let run = ws.tf(&["plan"]).ok();
    let text = run.all();
    assert!(
        text.contains("1 instance also listed by another zenlayer_instance_password"),
        "{}",
        run.raw()
    );
    // The other resource is named by its instances (Terraform does not tell a provider the
    // addresses of its resources).
    assert!(
        text.contains("\"ins-00002\" is also listed by the zenlayer_instance_password of"),
        "{text}"
    );
    assert!(
        text.contains("\"ins-00001\", \"ins-00002\"")
            || text.contains("\"ins-00002\", \"ins-00003\""),
        "{text}"
    );
    assert!(!text.contains("\"ins-00001\" is also"), "{text}");

    // One resource replaced for a new password is planned twice: no warning.
    let mut ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();
    ws.set_env("TF_VAR_root_password", "Third3#pass");
    let run = ws.tf(&["plan"]).ok();
    assert!(run.all().contains("must be replaced"), "{}", run.raw());
    assert!(!run.all().contains("also listed"), "{}", run.raw());
}

#[test]
fn a_refresh_that_drops_one_instance_says_so_in_the_singular() {
    let sim = Sim::start(2, &[]);
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();
    sim.delete("ins-00002");
    let run = ws.tf(&["apply", "-refresh-only", "-auto-approve"]).ok();
    assert!(
        run.all().contains("1 instance no longer exists"),
        "{}",
        run.raw()
    );
}

#[test]
fn reordering_the_ids_calls_nothing_and_listing_one_twice_fails_the_plan() {
    let sim = Sim::start(3, &[]);
    let mut ws = Workspace::for_resource(&sim, &ids(3), "");
    ws.apply();
    let resets = sim.write_calls().len();
    let mut reversed = ids(3);
    reversed.reverse();
    ws.configure(&sim, &resource("web", &reversed, ""));
    assert_eq!(ws.planned_actions(ADDR), vec!["update"]);
    ws.tf(&["apply", "-auto-approve", "-refresh=false"]).ok();
    assert_eq!(sim.write_calls().len(), resets, "no reset for a new order");
    assert_eq!(
        ws.resource(ADDR).expect("in state")["instance_ids"],
        serde_json::json!(reversed)
    );

    let twice = vec![ids(3)[0].clone(), ids(3)[1].clone(), ids(3)[0].clone()];
    ws.configure(&sim, &resource("web", &twice, ""));
    let run = ws.tf(&["plan"]).failed();
    assert!(
        run.all()
            .contains("instance_ids lists \"ins-00001\" more than once"),
        "{}",
        run.raw()
    );
}

#[test]
fn a_state_written_when_instance_ids_was_a_set_is_upgraded_without_a_change() {
    let sim = Sim::start(2, &[]);
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    ws.apply();
    // Rewrite the state as the set-typed version 1 of the schema left it.
    let path = ws.path().join("terraform.tfstate");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("state")).expect("JSON");
    let resource = &mut state["resources"][0]["instances"][0];
    assert_eq!(resource["schema_version"], 2);
    resource["schema_version"] = serde_json::json!(1);
    std::fs::write(&path, state.to_string()).expect("write state");
    let before = sim.write_calls().len();
    let run = ws.tf(&["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "no change after the upgrade:\n{}", run.raw());
    assert_eq!(sim.write_calls().len(), before);
    ws.apply();
    let upgraded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("state")).expect("JSON");
    assert_eq!(
        upgraded["resources"][0]["instances"][0]["schema_version"],
        2
    );
}
