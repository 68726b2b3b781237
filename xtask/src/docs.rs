//! The registry docs: each page of docs/ is its template in templates/, with the schema of its
//! object as Terraform reports it (`terraform providers schema -json`) and the example files it
//! includes. `cargo xtask docs` writes them; a test renders them again and compares.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde_json::Value;

use crate::run::root;

/// How a write-only argument is marked after its type.
pub const WRITE_ONLY: &str = ", Write-only";

/// The provider's address in the schema Terraform reports.
pub const SOURCE: &str = "registry.terraform.io/zenlayer/zenlayer";

/// Each page: its template, its output, and where its object's block is in the provider's
/// schema (the provider, a resource, a data source, an action).
const PAGES: [(&str, &str, &[&str]); 4] = [
    ("templates/index.md.tmpl", "docs/index.md", &["provider"]),
    (
        "templates/resources/instance_password.md.tmpl",
        "docs/resources/instance_password.md",
        &["resource_schemas", "zenlayer_instance_password"],
    ),
    (
        "templates/data-sources/instances.md.tmpl",
        "docs/data-sources/instances.md",
        &["data_source_schemas", "zenlayer_instances"],
    ),
    (
        "templates/actions/instance_password_reset.md.tmpl",
        "docs/actions/instance_password_reset.md",
        &["action_schemas", "zenlayer_instance_password_reset"],
    ),
];

/// Every page `schema` (the provider's part of `providers schema -json`) reports an object
/// for, as (output path, content). A Terraform before 1.14 reports no actions: no action page.
pub fn pages(schema: &Value) -> Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    for (template, output, at) in PAGES {
        let object = at.iter().fold(schema, |v, key| &v[*key]);
        if object.is_null() {
            continue;
        }
        let text = std::fs::read_to_string(root().join(template))
            .with_context(|| format!("cannot read {template}"))?;
        out.push((root().join(output), render(&text, &object["block"])?));
    }
    Ok(out)
}

/// Writes every page of [`pages`].
pub fn write(schema: &Value) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (path, content) in pages(schema)? {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The provider's schema, as the Terraform at `terraform` reports it for the provider binary
/// in `provider_dir` (through dev_overrides, in a throwaway directory).
pub fn live_schema(terraform: &Path, provider_dir: &Path) -> Result<Value> {
    let dir = tempfile::tempdir()?;
    let cli = dir.path().join("cli.tfrc");
    std::fs::write(
        &cli,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"zenlayer/zenlayer\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            provider_dir.display()
        ),
    )?;
    std::fs::write(
        dir.path().join("main.tf"),
        "terraform {\n  required_providers {\n    zenlayer = {\n      source = \"zenlayer/zenlayer\"\n    }\n  }\n}\n",
    )?;
    let output = std::process::Command::new(terraform)
        .args(["providers", "schema", "-json"])
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", &cli)
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .with_context(|| format!("cannot run {}", terraform.display()))?;
    anyhow::ensure!(
        output.status.success(),
        "terraform providers schema failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let all: Value = serde_json::from_slice(&output.stdout).context("the schema is not JSON")?;
    Ok(all["provider_schemas"][SOURCE].clone())
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

/// The lines of a block's listing, by section.
#[derive(Default)]
struct Sections {
    required: Vec<String>,
    optional: Vec<String>,
    read_only: Vec<String>,
    /// The nested blocks' own listings, after the block's.
    nested: Vec<String>,
}

/// `- \`name\` (Type, Sensitive) description` lines of a block's attributes.
fn attribute_lines(block: &Value, sections: &mut Sections) {
    let Some(attrs) = block["attributes"].as_object() else {
        return;
    };
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
            sections.required.push(line);
        } else if a["optional"] == true {
            sections.optional.push(line);
        } else {
            sections.read_only.push(line);
        }
    }
}

/// The line of each nested block, and its own listing.
fn block_lines(block: &Value, anchor_prefix: &str, sections: &mut Sections) {
    let Some(blocks) = block["block_types"].as_object() else {
        return;
    };
    let mut names: Vec<&String> = blocks.keys().collect();
    names.sort();
    for name in names {
        let b = &blocks[name];
        let max = b["max_items"]
            .as_u64()
            .map(|m| format!(", Max: {m}"))
            .unwrap_or_default();
        let anchor = format!("{anchor_prefix}{name}");
        sections.optional.push(format!(
            "- `{name}` (Block {}{max}) {} (see [below for nested schema](#{anchor}))",
            match b["nesting_mode"].as_str() {
                Some("list") => "List",
                Some("set") => "Set",
                _ => "Single",
            },
            b["block"]["description"].as_str().unwrap_or("").trim()
        ));
        sections.nested.push(format!(
            "<a id=\"{anchor}\"></a>\n### Nested Schema for `{name}`\n\n{}",
            render_block(&b["block"], &format!("{anchor}--"), true)
        ));
    }
}

/// A block's listing: its attributes by section, then its nested blocks'.
fn render_block(block: &Value, anchor_prefix: &str, nested_level: bool) -> String {
    let mut sections = Sections::default();
    attribute_lines(block, &mut sections);
    block_lines(block, anchor_prefix, &mut sections);
    let mut out = String::new();
    for (title, lines) in [
        ("Required", sections.required),
        ("Optional", sections.optional),
        ("Read-Only", sections.read_only),
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
    for n in sections.nested {
        out.push_str(&n);
    }
    out
}

/// The page `template` with the schema of `block` and the files it includes.
pub fn render(template: &str, block: &Value) -> Result<String> {
    let schema = format!(
        "<!-- The section below is generated from the provider's schema; edit templates/ and the schema, then run `make docs`. -->\n## Schema\n\n{}",
        render_block(block, "nestedblock--", false)
    );
    let mut out = template.replace("{{ .SchemaMarkdown }}", schema.trim_end());
    while let Some(start) = out.find("{{ tffile \"") {
        let rest = &out[start + "{{ tffile \"".len()..];
        let end = rest
            .find("\" }}")
            .context("a tffile include is not closed")?;
        let path = &rest[..end];
        let text = std::fs::read_to_string(root().join(path))
            .with_context(|| format!("{path}, included by a template"))?;
        out = format!(
            "{}{}{}",
            &out[..start],
            text.trim_end(),
            &rest[end + "\" }}".len()..]
        );
    }
    Ok(format!("{}\n", out.trim_end()))
}
