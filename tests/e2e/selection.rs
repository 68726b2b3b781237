//! A selection never wider than asked: empty filters select nothing, blank or null values fail
//! the plan, every row the API returns is checked against every filter, a read that races with
//! a changing fleet misses no instance, instances that cannot be reset can be left out, and
//! odd values in a row do not fail the read.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::support::*;

/// `terraform output -json` as name → value.
pub(crate) fn outputs(ws: &Workspace) -> BTreeMap<String, Value> {
    let run = ws.tf(&["output", "-json"]).ok();
    let all: BTreeMap<String, Value> = serde_json::from_str(&run.stdout).expect("outputs");
    all.into_iter()
        .map(|(k, v)| (k, v["value"].clone()))
        .collect()
}

/// A data source `name` with `filter`, and an output of its ids.
fn selecting(name: &str, filter: &str) -> String {
    format!(
        "data \"zenlayer_instances\" \"{name}\" {{\n  {filter}\n}}\noutput \"{name}\" {{\n  value = data.zenlayer_instances.{name}.ids\n}}\n"
    )
}

#[test]
fn an_empty_list_or_map_filter_selects_nothing() {
    let sim = Sim::start(5, &[]);
    let cases = [
        ("ids", "ids = []"),
        ("tag_keys", "tag_keys = []"),
        ("public", "public_ip_addresses = []"),
        ("private", "private_ip_addresses = []"),
        ("tags", "tags = {}"),
    ];
    let body: String = cases.iter().map(|(n, f)| selecting(n, f)).collect();
    let mut ws = Workspace::new();
    ws.configure(&sim, &body);
    let run = ws.apply();
    let out = outputs(&ws);
    for (name, filter) in cases {
        assert_eq!(out[name], json!([]), "{filter} selected {}", out[name]);
    }
    assert!(run.all().contains("selects nothing"), "{}", run.raw());
    assert!(sim.write_calls().is_empty());
}

#[test]
fn a_blank_or_null_filter_value_fails_the_plan_naming_it_and_reads_nothing() {
    let sim = Sim::start(3, &[]);
    let cases = [
        ("ids", "ids = [\"\"]"),
        ("zone_id", "zone_id = \"\""),
        ("instance_type", "instance_type = \"  \""),
        ("tag_keys", "tag_keys = [\"role\", \"\"]"),
        ("tags", "tags = { env = var.nothing }"),
        ("public_ip_addresses", "public_ip_addresses = [var.nothing]"),
    ];
    for (argument, filter) in cases {
        let mut ws = Workspace::new();
        ws.configure(
            &sim,
            &format!(
                "variable \"nothing\" {{\n  type    = string\n  default = null\n}}\n{}",
                selecting("bad", filter)
            ),
        );
        let run = ws.tf(&["plan"]).failed();
        let text = run.all();
        assert!(
            text.contains(&format!("in {argument}")),
            "{filter}: the error does not name {argument}:\n{}",
            run.raw()
        );
        assert!(text.contains("Nothing was read"), "{filter}: {}", run.raw());
    }
    assert!(
        sim.calls().is_empty(),
        "nothing reached the API: {}",
        sim.call_summary(0)
    );
}

#[test]
fn ids_that_turn_out_empty_at_apply_reset_no_instance() {
    // The ids come from a value known only at apply (here: a filter over another resource's
    // request ids, which keeps none). Before, the empty list selected the whole account and
    // the apply reset every instance in it.
    let sim = Sim::start(5, &[]);
    let mut ws = Workspace::new();
    ws.configure(
        &sim,
        r#"
resource "zenlayer_instance_password" "seed" {
  instance_ids = ["ins-00001"]
  password     = var.root_password
}

data "zenlayer_instances" "selected" {
  ids = [for r in zenlayer_instance_password.seed.request_ids : r if r == "none"]
}

resource "zenlayer_instance_password" "fleet" {
  instance_ids = data.zenlayer_instances.selected.ids
  password     = var.root_password
}
"#,
    );
    let run = ws.apply_failing(&sim);
    assert!(
        run.all().contains("at least one instance id"),
        "{}",
        run.raw()
    );
    assert_eq!(sim.reset_count("ins-00001"), 1, "only the seed's instance");
    for id in &ids(5)[1..] {
        assert_eq!(sim.reset_count(id), 0, "{id} was never selected");
    }
}

/// A fleet whose attributes tell every filter apart, plus generated instances.
pub(crate) fn fleet() -> Value {
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

/// Every filter kind, with the ids it must select from [`fleet`] (and the generated
/// `ins-00001`, which has default attributes).
pub(crate) const FILTER_CASES: [(&str, &str, &[&str]); 16] = [
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
        "tag_keys = [\"role\", \"env\"]",
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
    ("all", "", &["db-1", "dev-1", "ins-00001", "web-1", "web-2"]),
];

/// Applies one data source per case of [`FILTER_CASES`] against `sim` and checks each result.
pub(crate) fn every_filter_selects_what_it_says_on(sim: &Sim) -> Run {
    let body: String = FILTER_CASES
        .iter()
        .map(|(name, filter, _)| selecting(name, filter))
        .collect();
    let mut ws = Workspace::new();
    ws.configure(sim, &body);
    let run = ws.apply();
    let out = outputs(&ws);
    for (name, filter, expected) in FILTER_CASES {
        let mut got: Vec<String> = serde_json::from_value(out[name].clone()).expect("ids");
        got.sort();
        assert_eq!(got, expected, "{name}: {filter}");
    }
    assert!(sim.write_calls().is_empty(), "a data source only reads");
    run
}

#[test]
fn every_row_is_checked_against_every_filter_whatever_the_api_does() {
    // An API that ORs tag filters and ignores every other one returns far more than asked;
    // the selection must come out exactly as against an API that honours them all.
    let mut lax = vec!["--tag-match", "any"];
    for parameter in [
        "zoneId",
        "instanceStatus",
        "instanceType",
        "imageId",
        "resourceGroupId",
        "subnetId",
        "securityGroupId",
        "publicIpAddresses",
        "privateIpAddresses",
        "instanceIds",
    ] {
        lax.extend(["--ignore-filter", parameter]);
    }
    let sim = Sim::start_with_fleet(1, Some(&fleet()), &lax);
    let run = every_filter_selects_what_it_says_on(&sim);
    let text = run.all();
    assert!(
        text.contains("did not pass its filters"),
        "the rows left out are reported: {}",
        run.raw()
    );
}

#[test]
fn a_read_while_an_instance_is_deleted_misses_no_other_instance() {
    // 5,000 instances in pages of 300; ins-00010 is deleted after the first page is read.
    let sim = Sim::start(5000, &["--max-page-size", "300"]);
    sim.fault(
        json!({"kind": "delete", "target": "ins-00010", "action": "DescribeInstances",
                     "skip": 1, "count": 1}),
    );
    let mut ws = Workspace::new();
    ws.configure(&sim, &selecting("all", ""));
    ws.apply();
    let got: Vec<String> = serde_json::from_value(outputs(&ws)["all"].clone()).expect("ids");
    let reads = sim.calls_of("DescribeInstances").len();
    eprintln!("{} ids in {reads} DescribeInstances calls", got.len());
    assert!(
        got.contains(&"ins-00301".to_string()),
        "ins-00301 existed throughout"
    );
    assert!(!got.contains(&"ins-00010".to_string()), "ins-00010 is gone");
    let mut expected = ids(5000);
    expected.retain(|id| id != "ins-00010");
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "every other instance, once");
}

#[test]
fn instances_that_cannot_be_reset_can_be_left_out_of_a_selection() {
    let fleet = json!([
        {"id": "app-1", "tags": {"env": "prod"}},
        {"id": "app-2", "tags": {"env": "prod"}},
        {"id": "app-3", "tags": {"env": "prod"}, "status": "RECYCLE"},
        {"id": "app-4", "tags": {"env": "prod"}, "status": "STOPPED"}
    ]);
    let sim = Sim::start_with_fleet(0, Some(&fleet), &[]);
    let body = |extra: &str| {
        format!(
            "data \"zenlayer_instances\" \"prod\" {{\n  tags = {{ env = \"prod\" }}\n  {extra}\n}}\nresource \"zenlayer_instance_password\" \"prod\" {{\n  instance_ids = data.zenlayer_instances.prod.ids\n  password     = var.root_password\n  shutdown_before_reset = true\n}}\n"
        )
    };
    let mut ws = Workspace::new();
    ws.configure(&sim, &body(""));
    let run = ws.tf(&["plan"]).failed();
    let text = run.all();
    assert!(text.contains("\"app-3\" (RECYCLE)"), "{}", run.raw());
    assert!(
        text.contains("resettable_only = true"),
        "the advice fits ids from the data source: {}",
        run.raw()
    );

    ws.configure(&sim, &body("resettable_only = true"));
    ws.apply();
    assert_eq!(sim.reset_count("app-3"), 0);
    for id in ["app-1", "app-2", "app-4"] {
        assert!(sim.password_matches(id, PASSWORD), "{id}");
    }
    assert_eq!(sim.status("app-4"), "STOPPED", "left as it was");
}

#[test]
fn attributes_the_api_does_not_report_are_null_and_odd_values_do_not_fail_the_read() {
    let fleet = json!([
        {"id": "odd-1", "row": {"cpuCount": 2.5, "memory": "4", "tags": null,
                                "publicIpAddresses": null, "zoneId": null, "imageName": null}},
        {"id": "bare-1", "row": {"privateIpAddresses": null, "tags": {"tags": []}}}
    ]);
    let sim = Sim::start_with_fleet(0, Some(&fleet), &[]);
    let mut ws = Workspace::new();
    ws.configure(
        &sim,
        "data \"zenlayer_instances\" \"all\" {}\noutput \"rows\" {\n  value = data.zenlayer_instances.all.instances\n}\n",
    );
    ws.set_env("TF_LOG_PROVIDER", "WARN");
    let run = ws.apply();
    let rows = outputs(&ws)["rows"].clone();
    let bare = &rows[0];
    let odd = &rows[1];
    assert_eq!(odd["id"], "odd-1");
    for attribute in [
        "cpu_count",
        "memory",
        "tags",
        "public_ip_addresses",
        "zone_id",
        "image_name",
    ] {
        assert_eq!(odd[attribute], Value::Null, "{attribute} of {odd}");
    }
    assert_eq!(
        odd["private_ip_addresses"],
        json!([]),
        "reported, and empty"
    );
    assert_eq!(bare["private_ip_addresses"], Value::Null);
    assert_eq!(bare["tags"], json!({}), "reported, and empty");
    assert_eq!(bare["cpu_count"], 1);
    let log = run.raw();
    for field in ["cpuCount", "memory"] {
        assert!(
            log.lines()
                .any(|l| l.contains("[WARN]") && l.contains(&format!("field={field}"))),
            "a WARN line says why {field} is null:\n{log}"
        );
    }
}

#[test]
fn an_unknown_instance_status_fails_the_plan_naming_the_valid_ones() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::new();
    ws.configure(&sim, &selecting("bad", "instance_status = \"running\""));
    let run = ws.tf(&["plan"]).failed();
    let text = run.all();
    for part in [
        "instance_status",
        "\"running\"",
        "RUNNING",
        "STOPPED",
        "RECYCLE",
    ] {
        assert!(text.contains(part), "{part} missing: {}", run.raw());
    }
    assert!(sim.calls().is_empty());
}
