//! Bad input fails the plan, clearly, with nothing sent; refusals are reported with the API's
//! code and request id.

use crate::support::*;

const ADDR: &str = "zenlayer_instance_password.web";

#[test]
fn every_password_rule_violation_fails_the_plan_without_calls_or_echo() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::for_resource(&sim, &ids(1), "");
    let cases = [
        ("Ab1!xyz", "shorter than 8"),
        ("Abcdefgh1!Abcdefgh", "longer than 16"),
        ("ABCDEFG1!", "no lower-case"),
        ("abcdefg1!", "no upper-case"),
        ("Abcdefgh!", "no digit"),
        ("Abcdefgh1", "no special character"),
        ("Abcdef1!~", "not allowed"),
        ("Abcd ef1!", "not allowed"),
    ];
    for (password, expected) in cases {
        ws.set_env("TF_VAR_root_password", password);
        let run = ws.tf(&["plan"]).failed();
        let output = run.all();
        assert!(
            output.contains(expected),
            "{password}: {expected:?} missing from\n{output}"
        );
        assert!(output.contains("Invalid password"), "{output}");
        assert!(
            !run.raw().contains(password),
            "the password leaked:\n{}",
            run.raw()
        );
    }
    // A literal password is judged by `terraform validate` too, and not echoed either.
    let literal = "abcdefg1!";
    ws.configure(
        &sim,
        &resource("web", &ids(1), "").replace("var.root_password", &format!("\"{literal}\"")),
    );
    let run = ws.tf(&["validate"]).failed();
    assert!(run.all().contains("no upper-case"), "{}", run.raw());
    assert!(
        !run.raw().contains(literal),
        "the password leaked:\n{}",
        run.raw()
    );
    assert!(
        sim.calls().is_empty(),
        "nothing reached the API: {:?}",
        sim.calls()
    );
}

#[test]
fn an_unknown_instance_id_fails_the_plan_naming_it() {
    let sim = Sim::start(2, &[]);
    let mut ws = Workspace::new();
    let wanted = vec![
        "ins-00001".to_string(),
        "ins-99999".to_string(),
        "ins-88888".to_string(),
    ];
    ws.configure(&sim, &resource("web", &wanted, ""));
    let run = ws.tf(&["plan"]).failed();
    let output = run.all();
    assert!(output.contains("2 instance ids not found"), "{output}");
    assert!(
        output.contains("these instances: \"ins-88888\", \"ins-99999\"."),
        "only the missing ids are named: {output}"
    );
    assert!(sim.write_calls().is_empty());
}

#[test]
fn empty_ids_and_bad_timeouts_fail_the_plan() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::for_resource(&sim, &["".to_string()], "");
    let run = ws.tf(&["plan"]).failed();
    assert!(run.all().contains("Empty instance id"), "{}", run.all());

    ws.configure(&sim, &resource("web", &[], ""));
    let run = ws.tf(&["plan"]).failed();
    assert!(run.all().contains("at least one"), "{}", run.all());

    ws.configure(
        &sim,
        &resource(
            "web",
            &ids(1),
            "  timeouts {\n    create = \"ten minutes\"\n  }",
        ),
    );
    let run = ws.tf(&["plan"]).failed();
    assert!(run.all().contains("timeouts.create"), "{}", run.all());
    assert!(sim.calls().is_empty());
}

#[test]
fn an_insecure_endpoint_and_missing_credentials_are_refused_clearly() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::for_resource(&sim, &ids(1), "");
    let main_tf = std::fs::read_to_string(ws.path().join("main.tf")).expect("main.tf");
    ws.write(&main_tf.replace(&sim.url, "http://console.zenlayer.com"));
    let run = ws.tf(&["plan"]).failed();
    assert!(run.all().contains("must use https"), "{}", run.all());

    ws.write(&main_tf);
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", "");
    let run = ws.tf(&["plan"]).failed();
    let output = run.all();
    assert!(
        output.contains("access_key_id") && output.contains("ZENLAYERCLOUD_ACCESS_KEY_ID"),
        "{output}"
    );
    assert!(sim.calls().is_empty());
}

#[test]
fn a_refused_reset_reports_code_request_id_and_instances() {
    let sim = Sim::start(2, &[]);
    sim.patch(
        "ins-00002",
        serde_json::json!({"status": "STOPPED", "auto_restart": false}),
    );
    let ws = Workspace::for_resource(&sim, &ids(2), "");
    let run = ws.tf(&["apply", "-auto-approve"]).failed();
    let output = run.all();

    let refused = sim
        .calls_of("ResetInstancesPassword")
        .into_iter()
        .find(|c| c.code.as_deref() == Some("OPERATION_DENIED_INSTANCE_NOT_RUNNING"))
        .expect("the simulator refused a reset");
    let request_id = refused.request_id.as_str();
    for part in [
        "OPERATION_DENIED_INSTANCE_NOT_RUNNING",
        request_id,
        "HTTP 403",
        "ResetInstancesPassword",
        "\"ins-00002\" (STOPPED)",
        "only RUNNING instances",
    ] {
        assert!(output.contains(part), "{part:?} missing from\n{output}");
    }
    // ins-00001 was reset after the refusal was narrowed down; only it is in state.
    assert!(sim.password_matches("ins-00001", PASSWORD));
    assert!(!sim.password_matches("ins-00002", PASSWORD));
    assert_eq!(ws.state_ids(ADDR), vec!["ins-00001".to_string()]);
    assert!(
        ws.tainted(ADDR),
        "Terraform taints a resource whose create failed"
    );
}

#[test]
fn huge_durations_are_refused_at_plan_naming_their_maximum() {
    let sim = Sim::start(1, &[]);
    let huge = "500000000000y";
    let mut ws = Workspace::for_resource(
        &sim,
        &ids(1),
        &format!("  timeouts {{\n    create = \"{huge}\"\n  }}"),
    );
    let run = ws.tf(&["plan"]).failed();
    assert!(
        run.all().contains("timeouts.create must be at most"),
        "{}",
        run.raw()
    );
    for argument in [
        "request_timeout",
        "retry_base_delay",
        "restart_grace_period",
    ] {
        ws.configure_with(
            &sim,
            &format!("  {argument} = \"{huge}\""),
            &resource("web", &ids(1), ""),
        );
        let run = ws.tf(&["plan"]).failed();
        assert!(
            run.all().contains(&format!("{argument} must be at most")),
            "{argument}: {}",
            run.raw()
        );
        assert!(!run.all().contains("panicked"), "{}", run.raw());
    }
    assert!(sim.calls().is_empty());
}

#[test]
fn an_empty_access_key_id_argument_is_an_error_not_a_fall_back() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::new();
    ws.configure_with(
        &sim,
        &format!("{FAST_PROVIDER_SETTINGS}  access_key_id = \"\""),
        &resource("web", &ids(1), ""),
    );
    let run = ws.tf(&["plan"]).failed();
    assert!(
        run.all().contains("access_key_id is empty"),
        "the environment's key id was used instead: {}",
        run.raw()
    );
    assert!(sim.calls().is_empty());
}

#[test]
fn a_key_read_from_a_file_with_its_line_break_fails_the_plan_naming_it() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::for_resource(&sim, &ids(1), "");
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", &format!("{ACCESS_KEY_ID}\n"));
    let run = ws.tf(&["plan"]).failed();
    let text = run.all();
    for part in [
        "access_key_id holds a line break",
        "ZENLAYERCLOUD_ACCESS_KEY_ID holds a line break at its end",
        "trimspace(file(",
    ] {
        assert!(text.contains(part), "{part:?} missing from {}", run.raw());
    }
    assert!(!text.contains("proxy or firewall"), "{}", run.raw());
    assert!(
        sim.calls().is_empty(),
        "nothing sent: {}",
        sim.call_summary(0)
    );

    // The password given as an argument, with a trailing space: named, never shown.
    ws.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID);
    ws.set_env("TF_VAR_key_password", ACCESS_KEY_PASSWORD);
    let provider_args =
        format!("{FAST_PROVIDER_SETTINGS}  access_key_password = \"${{var.key_password}} \"\n");
    let body = format!(
        "variable \"key_password\" {{\n  type      = string\n  sensitive = true\n}}\n\n{}",
        resource("web", &ids(1), "")
    );
    ws.configure_with(&sim, &provider_args, &body);
    let run = ws.tf(&["plan"]).failed();
    assert!(
        run.all()
            .contains("The provider's access_key_password holds a space at its end"),
        "{}",
        run.raw()
    );
    assert!(!run.raw().contains(ACCESS_KEY_PASSWORD), "{}", run.raw());
    assert!(sim.calls().is_empty());
}
