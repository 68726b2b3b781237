//! `zenlayer_instances`: every filter, tags and a name pattern combined, paging past a page,
//! an invalid pattern, an empty result fed to the resource, and throttling while paging.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::support::*;

/// A small fleet with distinct attributes, beside no generated instances.
fn fleet() -> Value {
    json!([
        {"id": "web-1", "name": "web-1", "zone_id": "HKG-A", "instance_type": "z2a.cpu.2",
         "image_id": "img-ubuntu", "resource_group_id": "rg-web", "subnet_id": "subnet-a",
         "security_group_ids": ["sg-web"], "public_ip_addresses": ["203.0.113.10"],
         "private_ip_addresses": ["10.1.0.10"], "tags": {"env": "prod", "role": "web"}},
        {"id": "web-2", "name": "web-2", "zone_id": "HKG-A",
         "public_ip_addresses": ["203.0.113.11"], "private_ip_addresses": ["10.1.0.11"],
         "tags": {"env": "prod", "role": "web"}},
        {"id": "db-1", "name": "db-1", "zone_id": "SGP-B", "instance_type": "z2a.mem.4",
         "image_id": "img-debian", "resource_group_id": "rg-db", "subnet_id": "subnet-b",
         "security_group_ids": ["sg-db"], "status": "STOPPED",
         "tags": {"env": "prod", "role": "db"}},
        {"id": "dev-1", "name": "dev-web-1", "zone_id": "HKG-A", "tags": {"env": "dev"}}
    ])
}

/// `terraform output -json` as name → value.
fn outputs(ws: &Workspace) -> BTreeMap<String, Value> {
    let run = ws.tf(&["output", "-json"]).ok();
    let all: BTreeMap<String, Value> = serde_json::from_str(&run.stdout).expect("outputs");
    all.into_iter()
        .map(|(k, v)| (k, v["value"].clone()))
        .collect()
}

fn sorted(value: &Value) -> Vec<String> {
    let mut ids: Vec<String> = value
        .as_array()
        .expect("a list of ids")
        .iter()
        .map(|v| v.as_str().expect("an id").to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn every_filter_selects_what_it_says() {
    let sim = Sim::start_with_fleet(0, Some(&fleet()), &[]);
    let cases: [(&str, &str, &[&str]); 15] = [
        ("zone", "zone_id = \"HKG-A\"", &["dev-1", "web-1", "web-2"]),
        ("status", "instance_status = \"STOPPED\"", &["db-1"]),
        ("type", "instance_type = \"z2a.mem.4\"", &["db-1"]),
        ("image", "image_id = \"img-ubuntu\"", &["web-1"]),
        ("group", "resource_group_id = \"rg-web\"", &["web-1"]),
        ("subnet", "subnet_id = \"subnet-b\"", &["db-1"]),
        (
            "security_group",
            "security_group_id = \"sg-web\"",
            &["web-1"],
        ),
        (
            "public",
            "public_ip_addresses = [\"203.0.113.11\"]",
            &["web-2"],
        ),
        (
            "private",
            "private_ip_addresses = [\"10.1.0.10\"]",
            &["web-1"],
        ),
        (
            "tags",
            "tags = { env = \"prod\", role = \"web\" }",
            &["web-1", "web-2"],
        ),
        (
            "tag_keys",
            "tag_keys = [\"role\"]",
            &["db-1", "web-1", "web-2"],
        ),
        ("ids", "ids = [\"web-2\", \"ins-missing\"]", &["web-2"]),
        ("regex", "name_regex = \"^web-\"", &["web-1", "web-2"]),
        (
            "combined",
            "tags = { env = \"prod\" }\n  name_regex = \"-2$\"",
            &["web-2"],
        ),
        ("none", "zone_id = \"NOWHERE\"", &[]),
    ];
    let mut body = String::new();
    for (name, filter, _) in &cases {
        body.push_str(&format!(
            "data \"zenlayer_instances\" \"{name}\" {{\n  {filter}\n}}\noutput \"{name}\" {{\n  value = data.zenlayer_instances.{name}.ids\n}}\n"
        ));
    }
    body.push_str("output \"web_1\" {\n  value = data.zenlayer_instances.image.instances[0]\n}\n");
    let mut ws = Workspace::new();
    ws.configure(&sim, &body);
    ws.apply();
    let out = outputs(&ws);
    for (name, _, expected) in &cases {
        assert_eq!(sorted(&out[*name]), *expected, "{name}");
    }
    let web_1 = &out["web_1"];
    assert_eq!(web_1["id"], "web-1");
    assert_eq!(web_1["name"], "web-1");
    assert_eq!(web_1["zone_id"], "HKG-A");
    assert_eq!(web_1["instance_type"], "z2a.cpu.2");
    assert_eq!(web_1["status"], "RUNNING");
    assert_eq!(web_1["tags"], json!({"env": "prod", "role": "web"}));
    assert_eq!(web_1["public_ip_addresses"], json!(["203.0.113.10"]));
    assert_eq!(web_1["cpu_count"], 1);
    // The filters reached the API: no read returned the whole fleet to be filtered here.
    let filtered: Vec<String> = sim
        .calls_of("DescribeInstances")
        .iter()
        .map(|c| c.status.map_or("-".to_string(), |s| s.to_string()))
        .collect();
    assert!(filtered.iter().all(|s| s == "200"), "{filtered:?}");
    assert!(sim.write_calls().is_empty(), "a data source only reads");
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
