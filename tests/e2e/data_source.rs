//! `zenlayer_instances`: every filter, tags and a name pattern combined, paging past a page,
//! an invalid pattern, an empty result fed to the resource, and throttling while paging.

use serde_json::json;

use crate::selection::{every_filter_selects_what_it_says_on, fleet, outputs};
use crate::support::*;

#[test]
fn every_filter_selects_what_it_says() {
    let sim = Sim::start_with_fleet(1, Some(&fleet()), &[]);
    every_filter_selects_what_it_says_on(&sim);
    // The filters reached the API: no read was refused.
    let answered: Vec<Option<u16>> = sim
        .calls_of("DescribeInstances")
        .iter()
        .map(|c| c.status)
        .collect();
    assert!(answered.iter().all(|s| *s == Some(200)), "{answered:?}");
}

#[test]
fn each_row_carries_the_instance_s_attributes() {
    let sim = Sim::start_with_fleet(0, Some(&fleet()), &[]);
    let mut ws = Workspace::new();
    ws.configure(
        &sim,
        "data \"zenlayer_instances\" \"web\" {\n  ids = [\"web-1\"]\n}\noutput \"web_1\" {\n  value = data.zenlayer_instances.web.instances[0]\n}\n",
    );
    ws.apply();
    let web_1 = &outputs(&ws)["web_1"];
    assert_eq!(web_1["id"], "web-1");
    assert_eq!(web_1["name"], "web-1");
    assert_eq!(web_1["zone_id"], "HKG-A");
    assert_eq!(web_1["instance_type"], "z2a.cpu.2");
    assert_eq!(web_1["status"], "RUNNING");
    assert_eq!(web_1["tags"], json!({"env": "prod", "role": "web"}));
    assert_eq!(web_1["public_ip_addresses"], json!(["203.0.113.10"]));
    assert_eq!(web_1["cpu_count"], 1);
}

#[test]
fn paging_reads_every_page_of_a_large_fleet() {
    let sim = Sim::start(2500, &[]);
    let mut ws = Workspace::new();
    ws.configure(
        &sim,
        "data \"zenlayer_instances\" \"all\" {}\noutput \"count\" {\n  value = length(data.zenlayer_instances.all.ids)\n}\noutput \"last\" {\n  value = data.zenlayer_instances.all.instances[2499].id\n}\n",
    );
    ws.apply();
    let out = outputs(&ws);
    assert_eq!(out["count"], 2500);
    assert_eq!(out["last"], "ins-02500", "ordered by id");
    let reads = sim.calls_of("DescribeInstances");
    let per_read = 3;
    assert_eq!(reads.len() % per_read, 0, "{} calls", reads.len());
    eprintln!(
        "2,500 instances: {} DescribeInstances calls over {} reads",
        reads.len(),
        reads.len() / per_read
    );
}

#[test]
fn throttling_while_paging_is_ridden_out() {
    let sim = Sim::start(2500, &[]);
    sim.fault(json!({"kind": "throttle", "action": "DescribeInstances", "count": 2}));
    let mut ws = Workspace::new();
    ws.configure(
        &sim,
        "data \"zenlayer_instances\" \"all\" {}\noutput \"count\" {\n  value = length(data.zenlayer_instances.all.ids)\n}\n",
    );
    ws.apply();
    assert_eq!(outputs(&ws)["count"], 2500);
    let throttled = sim
        .calls_of("DescribeInstances")
        .iter()
        .filter(|c| c.code.as_deref() == Some("REQUEST_LIMIT_EXCEEDED"))
        .count();
    assert_eq!(throttled, 2);
}

#[test]
fn an_invalid_name_regex_fails_the_plan_naming_it() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::new();
    ws.configure(
        &sim,
        "data \"zenlayer_instances\" \"bad\" {\n  name_regex = \"web-(\"\n}\n",
    );
    let run = ws.tf(&["plan"]).failed();
    assert!(run.all().contains("Invalid name_regex"), "{}", run.raw());
    assert!(run.all().contains("\"web-(\""), "{}", run.raw());
    assert!(sim.calls().is_empty());
}

#[test]
fn name_regex_takes_case_insensitive_matching_and_unicode_classes() {
    let names = json!([
        {"id": "ins-a", "name": "WEB-1"},
        {"id": "ins-b", "name": "web-2"},
        {"id": "ins-c", "name": "数据库-1"},
        {"id": "ins-d", "name": "db-2"}
    ]);
    let sim = Sim::start_with_fleet(0, Some(&names), &[]);
    let mut ws = Workspace::new();
    let cases = [
        ("nocase", r#"(?i)^web"#, vec!["ins-a", "ins-b"]),
        ("han", r#"\\p{Han}"#, vec!["ins-c"]),
        ("word", r#"^\\w+-2$"#, vec!["ins-b", "ins-d"]),
    ];
    let body: String = cases
        .iter()
        .map(|(name, regex, _)| {
            format!("data \"zenlayer_instances\" \"{name}\" {{\n  name_regex = \"{regex}\"\n}}\noutput \"{name}\" {{\n  value = data.zenlayer_instances.{name}.ids\n}}\n")
        })
        .collect();
    ws.configure(&sim, &body);
    ws.apply();
    let out = outputs(&ws);
    for (name, regex, expected) in cases {
        assert_eq!(out[name], json!(expected), "{regex}");
    }
}

#[test]
fn an_empty_selection_gets_the_resource_s_own_error() {
    let sim = Sim::start(2, &[]);
    let mut ws = Workspace::new();
    ws.configure(
        &sim,
        "data \"zenlayer_instances\" \"none\" {\n  tags = { env = \"nowhere\" }\n}\nresource \"zenlayer_instance_password\" \"web\" {\n  instance_ids = data.zenlayer_instances.none.ids\n  password     = var.root_password\n}\n",
    );
    let run = ws.tf(&["plan"]).failed();
    assert!(
        run.all().contains("at least one instance id"),
        "{}",
        run.raw()
    );
    assert!(sim.write_calls().is_empty());
}

#[test]
fn details_false_leaves_the_rows_out_and_keeps_the_ids() {
    let sim = Sim::start(3, &[]);
    let mut ws = Workspace::new();
    ws.configure(
        &sim,
        "data \"zenlayer_instances\" \"all\" {\n  details = false\n}\noutput \"ids\" {\n  value = data.zenlayer_instances.all.ids\n}\noutput \"rows\" {\n  value = data.zenlayer_instances.all.instances\n}\n",
    );
    ws.apply();
    let out = outputs(&ws);
    assert_eq!(out["ids"], json!(ids(3)), "in order");
    assert!(
        out.get("rows").is_none_or(|rows| rows.is_null()),
        "{:?}",
        out.get("rows")
    );
}
