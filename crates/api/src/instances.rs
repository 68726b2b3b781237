//! DescribeInstances: the instances of the account that pass a filter, with their attributes.
//!
//! The API is not trusted with the selection: how it combines several tag pairs is not
//! documented, and an API that ignored a parameter would return more than asked. So every row
//! is checked against every filter here too ([`InstanceFilter::rejects`]). Rows are decoded
//! field by field: a field that is absent, null or of an unexpected type is `None` (and said
//! in a WARN line), so that one odd row never fails a read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zenlayer_protocol::action;

use crate::client::{Answer, Client};
use crate::context::Context;
use crate::error::ApiError;

/// What DescribeInstances filters on; every filter combines with AND. `None` does not filter;
/// an empty list or map is a filter that nothing passes (it never widens the selection).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceFilter {
    /// `instanceIds` (sent 100 at a time).
    pub ids: Option<Vec<String>>,
    /// `zoneId`.
    pub zone_id: Option<String>,
    /// `instanceStatus`.
    pub instance_status: Option<String>,
    /// `instanceType`.
    pub instance_type: Option<String>,
    /// `imageId`.
    pub image_id: Option<String>,
    /// `resourceGroupId`.
    pub resource_group_id: Option<String>,
    /// `subnetId`.
    pub subnet_id: Option<String>,
    /// `securityGroupId`: one of the instance's security groups.
    pub security_group_id: Option<String>,
    /// `publicIpAddresses`: the instance has one of them.
    pub public_ip_addresses: Option<Vec<String>>,
    /// `privateIpAddresses`: the instance has one of them.
    pub private_ip_addresses: Option<Vec<String>>,
    /// `tags`: every pair must match.
    pub tags: Option<BTreeMap<String, String>>,
    /// `tagKeys`: the instance has a tag of every key.
    pub tag_keys: Option<Vec<String>>,
}

/// One instance as DescribeInstances reports it: every field but the id is `None` when the
/// API did not report it (or reported something unreadable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceInfo {
    /// The instance id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its status.
    pub status: Option<String>,
    /// Its zone.
    pub zone_id: Option<String>,
    /// Its type.
    pub instance_type: Option<String>,
    /// Its image.
    pub image_id: Option<String>,
    /// The image's name.
    pub image_name: Option<String>,
    /// Its vCPUs.
    pub cpu_count: Option<i64>,
    /// Its memory, in GiB.
    pub memory: Option<i64>,
    /// Its public addresses.
    pub public_ip_addresses: Option<Vec<String>>,
    /// Its private addresses.
    pub private_ip_addresses: Option<Vec<String>>,
    /// Its resource group.
    pub resource_group_id: Option<String>,
    /// Its subnet.
    pub subnet_id: Option<String>,
    /// Its security groups.
    pub security_group_ids: Option<Vec<String>>,
    /// When it was created.
    pub create_time: Option<String>,
    /// Its tags.
    pub tags: Option<BTreeMap<String, String>>,
}

impl InstanceFilter {
    /// Whether the filter is empty somewhere (an empty list or map), so that nothing passes it
    /// and no call is needed.
    pub fn selects_nothing(&self) -> bool {
        self.ids.as_ref().is_some_and(Vec::is_empty)
            || self.public_ip_addresses.as_ref().is_some_and(Vec::is_empty)
            || self
                .private_ip_addresses
                .as_ref()
                .is_some_and(Vec::is_empty)
            || self.tags.as_ref().is_some_and(BTreeMap::is_empty)
            || self.tag_keys.as_ref().is_some_and(Vec::is_empty)
    }

    /// The name of the first filter `row` does not pass, or `None` when it passes them all. A
    /// row that does not report the field a filter needs does not pass it.
    pub fn rejects(&self, row: &InstanceInfo) -> Option<&'static str> {
        let group = self.security_group_id.clone().map(|g| vec![g]);
        let checks: [(&'static str, bool); 12] = [
            (
                "ids",
                self.ids.as_ref().is_none_or(|ids| ids.contains(&row.id)),
            ),
            ("zone_id", equal(&self.zone_id, &row.zone_id)),
            ("instance_status", equal(&self.instance_status, &row.status)),
            (
                "instance_type",
                equal(&self.instance_type, &row.instance_type),
            ),
            ("image_id", equal(&self.image_id, &row.image_id)),
            (
                "resource_group_id",
                equal(&self.resource_group_id, &row.resource_group_id),
            ),
            ("subnet_id", equal(&self.subnet_id, &row.subnet_id)),
            ("security_group_id", shares(&group, &row.security_group_ids)),
            (
                "public_ip_addresses",
                shares(&self.public_ip_addresses, &row.public_ip_addresses),
            ),
            (
                "private_ip_addresses",
                shares(&self.private_ip_addresses, &row.private_ip_addresses),
            ),
            ("tags", has_pairs(&self.tags, &row.tags)),
            ("tag_keys", has_keys(&self.tag_keys, &row.tags)),
        ];
        checks
            .into_iter()
            .find(|(_, passes)| !passes)
            .map(|(name, _)| name)
    }
}

/// Whether `wanted` is not set, or equal to `actual`.
fn equal(wanted: &Option<String>, actual: &Option<String>) -> bool {
    wanted.is_none() || wanted == actual
}

/// Whether `wanted` is not set, or shares an item with `actual`.
fn shares(wanted: &Option<Vec<String>>, actual: &Option<Vec<String>>) -> bool {
    wanted.as_ref().is_none_or(|w| {
        actual
            .as_ref()
            .is_some_and(|a| w.iter().any(|x| a.contains(x)))
    })
}

/// Whether `wanted` is not set, or every pair of it is among `tags`.
fn has_pairs(
    wanted: &Option<BTreeMap<String, String>>,
    tags: &Option<BTreeMap<String, String>>,
) -> bool {
    wanted.as_ref().is_none_or(|wanted| {
        wanted
            .iter()
            .all(|(k, v)| tags.as_ref().and_then(|t| t.get(k)) == Some(v))
    })
}

/// Whether `wanted` is not set, or `tags` has a tag of each of its keys.
fn has_keys(wanted: &Option<Vec<String>>, tags: &Option<BTreeMap<String, String>>) -> bool {
    wanted.as_ref().is_none_or(|keys| {
        keys.iter()
            .all(|k| tags.as_ref().is_some_and(|t| t.contains_key(k)))
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TagBody<'a> {
    key: &'a str,
    value: &'a str,
}

/// The request body: the filter's set fields, one chunk of ids, and the page.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FilterBody<'a> {
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    instance_ids: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    zone_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_group_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subnet_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security_group_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_ip_addresses: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    private_ip_addresses: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<TagBody<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag_keys: Option<&'a [String]>,
    page_num: usize,
    page_size: usize,
}

/// One page of the answer, as sent: the rows are decoded one by one.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InstancePage {
    #[serde(default)]
    total_count: Option<usize>,
    #[serde(default)]
    data_set: Option<Vec<Value>>,
}

/// One page, decoded.
#[derive(Debug)]
pub(crate) struct Page {
    /// The rows that carry an instance id.
    pub(crate) rows: Vec<InstanceInfo>,
    /// How many rows the page held, readable or not.
    pub(crate) len: usize,
    /// The total the API counts for the whole read.
    pub(crate) total: usize,
}

/// Decodes one field of a row, warning when it is there but unreadable.
struct Fields<'a> {
    id: &'a str,
    map: &'a Map<String, Value>,
}

impl Fields<'_> {
    /// The field's value, `None` when absent or null.
    fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn odd(&self, name: &str, value: &Value, wanted: &str) {
        tracing::warn!(
            instance = self.id,
            field = name,
            value = %value,
            "DescribeInstances reported {name} as {value}, not {wanted}; it is left null"
        );
    }

    fn text(&self, name: &str) -> Option<String> {
        let value = self.get(name)?;
        let text = value.as_str().map(str::to_string);
        if text.is_none() {
            self.odd(name, value, "a string");
        }
        text
    }

    fn whole(&self, name: &str) -> Option<i64> {
        let value = self.get(name)?;
        let n = value.as_i64();
        if n.is_none() {
            self.odd(name, value, "a whole number");
        }
        n
    }

    fn texts(&self, name: &str) -> Option<Vec<String>> {
        let value = self.get(name)?;
        let list = value.as_array().and_then(|items| {
            items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        });
        if list.is_none() {
            self.odd(name, value, "a list of strings");
        }
        list
    }

    /// `tags`: `{"tags": [{"key": ..., "value": ...}]}`; a tag without a value has "".
    fn tags(&self) -> Option<BTreeMap<String, String>> {
        let value = self.get("tags")?;
        let pairs = value
            .get("tags")
            .and_then(Value::as_array)
            .and_then(|tags| {
                tags.iter()
                    .map(|t| {
                        let key = t.get("key")?.as_str()?.to_string();
                        let value = match t.get("value") {
                            None | Some(Value::Null) => String::new(),
                            Some(v) => v.as_str()?.to_string(),
                        };
                        Some((key, value))
                    })
                    .collect::<Option<BTreeMap<_, _>>>()
            });
        if pairs.is_none() {
            self.odd("tags", value, "{\"tags\": [{\"key\", \"value\"}]}");
        }
        pairs
    }
}

impl InstanceInfo {
    /// The instance a row describes, or `None` (with a WARN line) when it has no id.
    fn from_row(row: &Value) -> Option<InstanceInfo> {
        let Some(id) = row.get("instanceId").and_then(Value::as_str) else {
            tracing::warn!(row = %row, "DescribeInstances returned a row without an instance id; it is left out");
            return None;
        };
        let map = row.as_object()?;
        let f = Fields { id, map };
        Some(InstanceInfo {
            id: id.to_string(),
            name: f.text("instanceName"),
            status: f.text("instanceStatus"),
            zone_id: f.text("zoneId"),
            instance_type: f.text("instanceType"),
            image_id: f.text("imageId"),
            image_name: f.text("imageName"),
            cpu_count: f.whole("cpuCount"),
            memory: f.whole("memory"),
            public_ip_addresses: f.texts("publicIpAddresses"),
            private_ip_addresses: f.texts("privateIpAddresses"),
            resource_group_id: f.text("resourceGroupId"),
            subnet_id: f.text("subnetId"),
            security_group_ids: f.texts("securityGroupIds"),
            create_time: f.text("createTime"),
            tags: f.tags(),
        })
    }
}

impl Client {
    /// One page of DescribeInstances for `filter` with `ids` (at most 100) in place of its
    /// own.
    pub(crate) async fn describe_instances_page(
        &self,
        filter: &InstanceFilter,
        ids: &[String],
        page_num: usize,
        page_size: usize,
        ctx: &Context,
    ) -> Result<Page, ApiError> {
        const ACTION: &str = action::DESCRIBE_INSTANCES;
        let body = FilterBody {
            instance_ids: ids,
            zone_id: filter.zone_id.as_deref(),
            instance_status: filter.instance_status.as_deref(),
            instance_type: filter.instance_type.as_deref(),
            image_id: filter.image_id.as_deref(),
            resource_group_id: filter.resource_group_id.as_deref(),
            subnet_id: filter.subnet_id.as_deref(),
            security_group_id: filter.security_group_id.as_deref(),
            public_ip_addresses: filter.public_ip_addresses.as_deref(),
            private_ip_addresses: filter.private_ip_addresses.as_deref(),
            tags: filter.tags.as_ref().map(|tags| {
                tags.iter()
                    .map(|(key, value)| TagBody { key, value })
                    .collect()
            }),
            tag_keys: filter.tag_keys.as_deref(),
            page_num,
            page_size,
        };
        let body = crate::actions::json_body(ACTION, &body, 1024)?;
        let answer: Answer<InstancePage> = self.call(ACTION, body, ids, None, ctx).await?;
        let raw = answer.value.data_set.unwrap_or_default();
        let rows: Vec<InstanceInfo> = raw.iter().filter_map(InstanceInfo::from_row).collect();
        Ok(Page {
            total: answer.value.total_count.unwrap_or(raw.len()),
            len: raw.len(),
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(extra: Value) -> InstanceInfo {
        let mut base = json!({"instanceId": "i1", "zoneId": "Z", "tags": {"tags": [
            {"key": "env", "value": "prod"}, {"key": "role", "value": "web"}]},
            "securityGroupIds": ["sg-1", "sg-2"], "publicIpAddresses": ["203.0.113.1"]});
        if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        InstanceInfo::from_row(&base).expect("a row with an id")
    }

    #[test]
    fn odd_values_are_null_and_the_rest_of_the_row_is_kept() {
        let r = row(json!({"cpuCount": 2.5, "memory": "4", "zoneId": 7,
                           "privateIpAddresses": ["10.0.0.1", 3], "tags": {"tags": "x"}}));
        assert_eq!((r.cpu_count, r.memory, &r.zone_id), (None, None, &None));
        assert_eq!((&r.private_ip_addresses, &r.tags), (&None, &None));
        assert_eq!(r.public_ip_addresses, Some(vec!["203.0.113.1".to_string()]));
        let r = row(json!({"cpuCount": 2, "tags": null}));
        assert_eq!(r.cpu_count, Some(2));
        assert_eq!(r.tags, None, "not reported");
        assert_eq!(InstanceInfo::from_row(&json!({"zoneId": "Z"})), None);
    }

    #[test]
    fn every_filter_is_checked_against_the_row() {
        let r = row(json!({}));
        let passes = |f: InstanceFilter| f.rejects(&r);
        let tags = |pairs: &[(&str, &str)]| {
            Some(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(passes(InstanceFilter::default()), None);
        let both = InstanceFilter {
            tags: tags(&[("env", "prod"), ("role", "web")]),
            ..Default::default()
        };
        assert_eq!(passes(both), None);
        let one_wrong = InstanceFilter {
            tags: tags(&[("env", "prod"), ("role", "db")]),
            ..Default::default()
        };
        assert_eq!(passes(one_wrong), Some("tags"), "every pair must match");
        let keys = InstanceFilter {
            tag_keys: Some(vec!["env".into(), "owner".into()]),
            ..Default::default()
        };
        assert_eq!(passes(keys), Some("tag_keys"), "a tag of each key");
        let zone = InstanceFilter {
            zone_id: Some("OTHER".into()),
            ..Default::default()
        };
        assert_eq!(passes(zone), Some("zone_id"));
        let group = InstanceFilter {
            security_group_id: Some("sg-2".into()),
            ..Default::default()
        };
        assert_eq!(passes(group), None);
        let unreported = InstanceFilter {
            subnet_id: Some("subnet-a".into()),
            ..Default::default()
        };
        assert_eq!(passes(unreported), Some("subnet_id"), "cannot be confirmed");
        let ids = InstanceFilter {
            ids: Some(vec!["i2".into()]),
            ..Default::default()
        };
        assert_eq!(passes(ids), Some("ids"));
    }

    #[test]
    fn an_empty_list_or_map_selects_nothing() {
        assert!(!InstanceFilter::default().selects_nothing());
        for filter in [
            InstanceFilter {
                ids: Some(vec![]),
                ..Default::default()
            },
            InstanceFilter {
                tags: Some(BTreeMap::new()),
                ..Default::default()
            },
            InstanceFilter {
                tag_keys: Some(vec![]),
                ..Default::default()
            },
        ] {
            assert!(filter.selects_nothing(), "{filter:?}");
        }
    }
}
