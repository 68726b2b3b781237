//! What DescribeInstances reports of an instance besides its status, and the filters it takes.
//! A fleet can be described in JSON (`zenlayer-sim --fleet FILE`, or `PUT /_sim/instances`), so
//! that demos and tests select instances by zone, tag, name, image, network and the like.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::settings::{Settings, TagMatch};

/// An instance's attributes. Every field has a default, so a fleet file gives only what
/// matters to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attributes {
    /// `instanceName`.
    pub name: String,
    /// `zoneId`.
    pub zone_id: String,
    /// `instanceType`.
    pub instance_type: String,
    /// `imageId`.
    pub image_id: String,
    /// `imageName`.
    pub image_name: String,
    /// `cpuCount`.
    pub cpu_count: u32,
    /// `memory`, in GiB.
    pub memory: u32,
    /// `publicIpAddresses`.
    pub public_ip_addresses: Vec<String>,
    /// `privateIpAddresses`.
    pub private_ip_addresses: Vec<String>,
    /// `resourceGroupId`.
    pub resource_group_id: String,
    /// `subnetId`.
    pub subnet_id: String,
    /// `securityGroupIds`.
    pub security_group_ids: Vec<String>,
    /// `tags`, as key and value.
    pub tags: BTreeMap<String, String>,
    /// `createTime`.
    pub create_time: String,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            name: String::new(),
            zone_id: "SIM-A".into(),
            instance_type: "z2a.cpu.1".into(),
            image_id: "img-sim-linux".into(),
            image_name: "Sim Linux 1.0".into(),
            cpu_count: 1,
            memory: 2,
            public_ip_addresses: Vec::new(),
            private_ip_addresses: Vec::new(),
            resource_group_id: "rg-default".into(),
            subnet_id: "subnet-sim".into(),
            security_group_ids: vec!["sg-default".into()],
            tags: BTreeMap::new(),
            create_time: "2026-01-01T00:00:00Z".into(),
        }
    }
}

impl Attributes {
    /// The attributes of the `n`th generated instance `id`: its name is the id, its private
    /// address follows from `n`.
    pub fn generated(id: &str, n: usize) -> Self {
        Attributes {
            name: id.to_string(),
            private_ip_addresses: vec![format!("10.0.{}.{}", n / 250, n % 250 + 1)],
            ..Attributes::default()
        }
    }

    /// The DescribeInstances row of this instance.
    pub(crate) fn row(&self, id: &str, status: &str) -> Value {
        let tags: Vec<Value> = self
            .tags
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        json!({
            "instanceId": id,
            "instanceName": self.name,
            "instanceStatus": status,
            "zoneId": self.zone_id,
            "instanceType": self.instance_type,
            "imageId": self.image_id,
            "imageName": self.image_name,
            "cpuCount": self.cpu_count,
            "memory": self.memory,
            "publicIpAddresses": self.public_ip_addresses,
            "privateIpAddresses": self.private_ip_addresses,
            "resourceGroupId": self.resource_group_id,
            "subnetId": self.subnet_id,
            "securityGroupIds": self.security_group_ids,
            "createTime": self.create_time,
            "tags": {"tags": tags},
        })
    }
}

/// A tag filter of DescribeInstances.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TagFilter {
    key: String,
    #[serde(default)]
    value: Option<String>,
}

/// The filters of DescribeInstances (all optional, combined with AND).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Filter {
    zone_id: Option<String>,
    resource_group_id: Option<String>,
    instance_type: Option<String>,
    image_id: Option<String>,
    subnet_id: Option<String>,
    instance_status: Option<String>,
    instance_name: Option<String>,
    security_group_id: Option<String>,
    public_ip_addresses: Option<Vec<String>>,
    private_ip_addresses: Option<Vec<String>>,
    tag_keys: Option<Vec<String>>,
    tags: Option<Vec<TagFilter>>,
}

/// Whether `wanted` is absent or equal to `actual`.
fn same(wanted: &Option<String>, actual: &str) -> bool {
    wanted.as_deref().is_none_or(|w| w == actual)
}

/// Whether `wanted` is absent or shares an address with `actual`.
fn any_of(wanted: &Option<Vec<String>>, actual: &[String]) -> bool {
    wanted
        .as_ref()
        .is_none_or(|w| w.iter().any(|a| actual.contains(a)))
}

/// Whether every item (or, under [`TagMatch::Any`], one item) of `items` passes `test`.
fn combined<T>(items: &[T], mode: TagMatch, test: impl Fn(&T) -> bool) -> bool {
    match mode {
        TagMatch::All => items.iter().all(test),
        TagMatch::Any => items.is_empty() || items.iter().any(test),
    }
}

impl Filter {
    /// Whether an instance with `status` and `attributes` passes every filter the simulated
    /// API honours (see [`Settings::ignored_filters`] and [`Settings::tag_match`]). The name
    /// filter matches a part of the name (how the API matches is not documented).
    pub(crate) fn matches(&self, status: &str, a: &Attributes, settings: &Settings) -> bool {
        let on = |wire_name: &str| !settings.ignores(wire_name);
        let mode = settings.tag_match;
        (!on("zoneId") || same(&self.zone_id, &a.zone_id))
            && (!on("resourceGroupId") || same(&self.resource_group_id, &a.resource_group_id))
            && (!on("instanceType") || same(&self.instance_type, &a.instance_type))
            && (!on("imageId") || same(&self.image_id, &a.image_id))
            && (!on("subnetId") || same(&self.subnet_id, &a.subnet_id))
            && (!on("instanceStatus") || same(&self.instance_status, status))
            && (!on("instanceName")
                || self
                    .instance_name
                    .as_deref()
                    .is_none_or(|n| a.name.contains(n)))
            && (!on("securityGroupId")
                || self
                    .security_group_id
                    .as_deref()
                    .is_none_or(|g| a.security_group_ids.iter().any(|s| s == g)))
            && (!on("publicIpAddresses")
                || any_of(&self.public_ip_addresses, &a.public_ip_addresses))
            && (!on("privateIpAddresses")
                || any_of(&self.private_ip_addresses, &a.private_ip_addresses))
            && (!on("tagKeys")
                || self
                    .tag_keys
                    .as_ref()
                    .is_none_or(|keys| combined(keys, mode, |k| a.tags.contains_key(k))))
            && (!on("tags")
                || self.tags.as_ref().is_none_or(|tags| {
                    combined(tags, mode, |t| match (&t.value, a.tags.get(&t.key)) {
                        (Some(v), Some(actual)) => v == actual,
                        (None, Some(_)) => true,
                        (_, None) => false,
                    })
                }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(pairs: &[(&str, &str)]) -> Attributes {
        Attributes {
            tags: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Attributes::generated("ins-00001", 1)
        }
    }

    #[test]
    fn filters_combine_with_and() {
        let a = tagged(&[("env", "prod"), ("role", "web")]);
        let f: Filter = serde_json::from_value(json!({
            "zoneId": "SIM-A", "tags": [{"key": "env", "value": "prod"}], "tagKeys": ["role"],
            "privateIpAddresses": ["10.0.0.2"]
        }))
        .expect("filter");
        let strict = Settings::default();
        assert!(f.matches("RUNNING", &a, &strict));
        let f: Filter = serde_json::from_value(json!({
            "zoneId": "SIM-A", "tags": [{"key": "env", "value": "dev"}]
        }))
        .expect("filter");
        assert!(!f.matches("RUNNING", &a, &strict));
        let f: Filter =
            serde_json::from_value(json!({"instanceStatus": "STOPPED"})).expect("filter");
        assert!(!f.matches("RUNNING", &a, &strict));
    }

    #[test]
    fn an_api_that_ors_tags_or_ignores_a_filter_returns_more() {
        let a = tagged(&[("env", "prod")]);
        let two_pairs: Filter = serde_json::from_value(json!({
            "tags": [{"key": "env", "value": "prod"}, {"key": "role", "value": "web"}]
        }))
        .expect("filter");
        assert!(!two_pairs.matches("RUNNING", &a, &Settings::default()));
        let ors = Settings {
            tag_match: TagMatch::Any,
            ..Settings::default()
        };
        assert!(two_pairs.matches("RUNNING", &a, &ors));
        let zone: Filter = serde_json::from_value(json!({"zoneId": "ELSEWHERE"})).expect("filter");
        assert!(!zone.matches("RUNNING", &a, &Settings::default()));
        let ignores = Settings {
            ignored_filters: vec!["zoneId".into()],
            ..Settings::default()
        };
        assert!(zone.matches("RUNNING", &a, &ignores));
    }

    #[test]
    fn rows_carry_every_attribute() {
        let row = tagged(&[("env", "prod")]).row("ins-00001", "RUNNING");
        assert_eq!(
            row["tags"]["tags"][0],
            json!({"key": "env", "value": "prod"})
        );
        assert_eq!(row["privateIpAddresses"], json!(["10.0.0.2"]));
        assert_eq!(row["instanceName"], "ins-00001");
    }
}
