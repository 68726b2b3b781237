//! The registry docs under `docs/` are generated from `templates/` and from the provider's live
//! schema, as `terraform providers schema -json` reports it. This test fails when the committed
//! docs differ from what it generates; `UPDATE_DOCS=1` (or `make docs`) rewrites them.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

const SOURCE: &str = "registry.terraform.io/zenlayer/zenlayer";

/// How a write-only argument is marked after its type.
const WRITE_ONLY: &str = ", Write-only";

/// The schema as Terraform reports it.
fn live_schema() -> Value {
    let ws = Workspace::new();
    ws.write(&required_provider("zenlayer", SOURCE));
    let run = ws.tf(&["providers", "schema", "-json"]).ok();
    let all: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    all["provider_schemas"][SOURCE].clone()
}

fn type_name(t: &Value) -> String {
    match t {
        Value::String(s) => match s.as_str() {
            "string" => "String".into(),
            "number" => "Number".into(),
            "bool" => "Boolean".into(),
            other => other.to_string(),
        },
        Value::Array(parts) if parts.len() == 2 && parts[0] == "object" => "Object".into(),
        Value::Array(parts) if parts.len() == 2 => {
            let outer = match parts[0].as_str() {
                Some("set") => "Set",
                Some("list") => "List",
                Some("map") => "Map",
                _ => "Collection",
            };
            format!("{outer} of {}", type_name(&parts[1]))
        }
        other => other.to_string(),
    }
}

/// `- \`name\` (Type, Sensitive) description` lines of a block, by section.
fn render_block(block: &Value, anchor_prefix: &str, nested_level: bool) -> String {
    let mut required = Vec::new();
    let mut optional = Vec::new();
    let mut read_only = Vec::new();
    let mut nested = Vec::new();
    if let Some(attrs) = block["attributes"].as_object() {
        let mut names: Vec<&String> = attrs.keys().collect();
        names.sort();
        for name in names {
            let a = &attrs[name];
            let mut kind = type_name(&a["type"]);
            if a["sensitive"] == true {
                kind.push_str(", Sensitive");
            }
            if a["write_only"] == true {
                kind.push_str(WRITE_ONLY);
            }
            let line = format!(
                "- `{name}` ({kind}) {}",
                a["description"].as_str().unwrap_or("").trim()
            );
            if a["required"] == true {
                required.push(line);
            } else if a["optional"] == true {
                optional.push(line);
            } else {
                read_only.push(line);
            }
        }
    }
    if let Some(blocks) = block["block_types"].as_object() {
        let mut names: Vec<&String> = blocks.keys().collect();
        names.sort();
        for name in names {
            let b = &blocks[name];
            let max = b["max_items"]
                .as_u64()
                .map(|m| format!(", Max: {m}"))
                .unwrap_or_default();
            let anchor = format!("{anchor_prefix}{name}");
            optional.push(format!(
                "- `{name}` (Block {}{max}) {} (see [below for nested schema](#{anchor}))",
                match b["nesting_mode"].as_str() {
                    Some("list") => "List",
                    Some("set") => "Set",
                    _ => "Single",
                },
                b["block"]["description"].as_str().unwrap_or("").trim()
            ));
            nested.push(format!(
                "<a id=\"{anchor}\"></a>\n### Nested Schema for `{name}`\n\n{}",
                render_block(&b["block"], &format!("{anchor}--"), true)
            ));
        }
    }
    let mut out = String::new();
    for (title, lines) in [
        ("Required", required),
        ("Optional", optional),
        ("Read-Only", read_only),
    ] {
        if !lines.is_empty() {
            let heading = if nested_level {
                format!("{title}:")
            } else {
                format!("### {title}")
            };
            out.push_str(&format!("{heading}\n\n{}\n\n", lines.join("\n")));
        }
    }
    for n in nested {
        out.push_str(&n);
    }
    out
}

fn render(template: &str, block: &Value) -> String {
    let schema = format!(
        "<!-- The section below is generated from the provider's schema; edit templates/ and the schema, then run `make docs`. -->\n## Schema\n\n{}",
        render_block(block, "nestedblock--", false)
    );
    let mut out = template.replace("{{ .SchemaMarkdown }}", schema.trim_end());
    while let Some(start) = out.find("{{ tffile \"") {
        let rest = &out[start + "{{ tffile \"".len()..];
        let end = rest.find("\" }}").expect("closed tffile");
        let path = &rest[..end];
        let text =
            std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        out = format!(
            "{}{}{}",
            &out[..start],
            text.trim_end(),
            &rest[end + "\" }}".len()..]
        );
    }
    format!("{}\n", out.trim_end())
}

fn check(template: &Path, output: &Path, block: &Value) {
    let rendered = render(&std::fs::read_to_string(template).expect("template"), block);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(output.parent().expect("parent")).expect("mkdir");
        std::fs::write(output, &rendered).expect("write docs");
        return;
    }
    let mut committed = std::fs::read_to_string(output).unwrap_or_default();
    if !supports_write_only() {
        // Terraform before 1.11 does not report write_only in the schema: compare without it.
        committed = committed.replace(&format!("{WRITE_ONLY})"), ")");
    }
    assert!(
        committed == rendered,
        "{} is out of date with the provider's schema or templates/: run `make docs` (UPDATE_DOCS=1 cargo test --test e2e docs)",
        output.display()
    );
}

#[test]
fn committed_docs_match_the_live_schema() {
    let schema = live_schema();
    let resource = &schema["resource_schemas"]["zenlayer_instance_password"];
    assert!(resource.is_object(), "the resource is in the schema");
    check(
        &root().join("templates/index.md.tmpl"),
        &root().join("docs/index.md"),
        &schema["provider"]["block"],
    );
    check(
        &root().join("templates/resources/instance_password.md.tmpl"),
        &root().join("docs/resources/instance_password.md"),
        &resource["block"],
    );
    let instances = &schema["data_source_schemas"]["zenlayer_instances"];
    assert!(instances.is_object(), "the data source is in the schema");
    check(
        &root().join("templates/data-sources/instances.md.tmpl"),
        &root().join("docs/data-sources/instances.md"),
        &instances["block"],
    );
    if terraform_version() < (1, 14) {
        eprintln!("the action's page is checked on Terraform 1.14 and later only: older versions do not report actions");
        return;
    }
    let action = &schema["action_schemas"]["zenlayer_instance_password_reset"];
    assert!(action.is_object(), "the action is in the schema");
    check(
        &root().join("templates/actions/instance_password_reset.md.tmpl"),
        &root().join("docs/actions/instance_password_reset.md"),
        &action["block"],
    );
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
