//! The registry docs under `docs/` are generated from `templates/` and from the provider's live
//! schema, as `terraform providers schema -json` reports it, by `cargo xtask docs` (`make
//! docs`). This test renders them the same way and fails when the committed docs differ.

use serde_json::Value;

use crate::support::*;
use xtask::docs::{pages, WRITE_ONLY};

/// The schema as Terraform reports it.
fn live_schema() -> Value {
    let provider_dir = provider_binary()
        .parent()
        .expect("provider in a directory")
        .to_path_buf();
    xtask::docs::live_schema(&terraform_binary(), &provider_dir).expect("the live schema")
}

#[test]
fn committed_docs_match_the_live_schema() {
    let schema = live_schema();
    assert!(
        schema["resource_schemas"]["zenlayer_instance_password"].is_object(),
        "the resource is in the schema"
    );
    let rendered = pages(&schema).expect("the pages render");
    let expected = if terraform_version() >= (1, 14) { 4 } else { 3 };
    assert_eq!(
        rendered.len(),
        expected,
        "a page per object Terraform reports"
    );
    for (output, page) in rendered {
        let mut committed = std::fs::read_to_string(&output).unwrap_or_default();
        if !supports_write_only() {
            // Terraform before 1.11 does not report write_only in the schema: compare without it.
            committed = committed.replace(&format!("{WRITE_ONLY})"), ")");
        }
        assert!(
            committed == page,
            "{} is out of date with the provider's schema or templates/: run `cargo xtask docs` (`make docs`)",
            output.display()
        );
    }
}

#[test]
fn every_argument_is_documented_with_a_description() {
    let schema = live_schema();
    let action = &schema["action_schemas"]["zenlayer_instance_password_reset"]["block"];
    for block in [
        &schema["provider"]["block"],
        &schema["resource_schemas"]["zenlayer_instance_password"]["block"],
        &schema["data_source_schemas"]["zenlayer_instances"]["block"],
        action,
    ] {
        if block.is_null() && terraform_version() < (1, 14) {
            continue;
        }
        for (name, a) in block["attributes"].as_object().expect("attributes") {
            let d = a["description"].as_str().unwrap_or("");
            assert!(d.len() > 20, "{name} has no real description: {d:?}");
        }
    }
    let attributes =
        &schema["resource_schemas"]["zenlayer_instance_password"]["block"]["attributes"];
    assert_eq!(attributes["password"]["sensitive"], true);
    assert_eq!(attributes["password_wo"]["sensitive"], true);
    assert_eq!(
        schema["provider"]["block"]["attributes"]["access_key_password"]["sensitive"],
        true
    );
}

#[test]
fn the_provider_page_s_example_names_the_provider_s_source() {
    // Copied alone, a configuration without required_providers resolves hashicorp/zenlayer.
    let page = std::fs::read_to_string(root().join("docs/index.md")).expect("docs/index.md");
    let example = page
        .split("```terraform")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("an example on the provider page");
    assert!(
        example.contains("required_providers")
            && example.contains("source = \"zenlayer/zenlayer\""),
        "{example}"
    );
}

#[test]
fn the_simulator_s_help_shows_its_faults_and_default_credentials() {
    let out = std::process::Command::new(sim_binary())
        .arg("--help")
        .output()
        .expect("zenlayer-sim runs");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{help}");
    // The README names these credentials; --help must show them too.
    for part in ["sim-access-key", "sim-access-key-password", "/_sim/faults"] {
        assert!(help.contains(part), "{part} missing from:\n{help}");
    }
    for kind in zenlayer_sim::faults::FaultKind::NAMES {
        assert!(
            help.contains(kind),
            "fault kind {kind} missing from:\n{help}"
        );
    }
}

#[test]
fn the_gitops_local_run_starts_the_simulator_from_the_repository() {
    // `make install` installs only the provider, so the local run must not call a
    // zenlayer-sim that nothing installed.
    let readme = std::fs::read_to_string(root().join("examples/gitops/README.md")).expect("README");
    let block = readme
        .split("```sh")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the local run");
    for line in block.lines().map(str::trim) {
        assert!(
            !line.starts_with("zenlayer-sim"),
            "a bare zenlayer-sim after make install: {line}"
        );
    }
    assert!(block.contains("cargo run"), "{block}");
}
