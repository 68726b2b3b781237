//! DescribeInstances: the instances of the account that pass a filter, with their attributes.
//!
//! The API is not trusted with the selection: how it combines several tag pairs is not
//! documented, and an API that ignored a parameter would return more than asked. So every row
//! is checked against every filter here too ([`InstanceFilter::rejects`]). Rows are decoded
//! field by field: a field that is absent, null or of an unexpected type is `None` (and said
//! in a WARN line), so that one odd row never fails a read.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};
use zenlayer_protocol::action;

use crate::client::{Answer, Client};
use crate::context::Context;
use crate::error::ApiError;

/// One filter DescribeInstances takes: the name callers know it by, the API's parameter, and
/// the field of a row it is checked against (every row is checked here too, whatever the API
/// did with the filter). [`filters`] holds every one.
#[derive(Debug)]
pub struct FilterDef {
    /// The name callers (and messages) give it, such as `zone_id`.
    pub name: &'static str,
    /// The request's parameter, such as `zoneId`.
    pub wire: &'static str,
    /// The field of a row it is checked against.
    pub row: for<'a> fn(&'a InstanceInfo) -> RowField<'a>,
}

/// The filters of DescribeInstances, one row each: a new filter is a row here (and, if rows
/// do not carry its field yet, a field of [`InstanceInfo`]).
pub mod filters {
    use super::{FilterDef, RowField};

    macro_rules! filter {
        ($const:ident, $name:literal, $wire:literal, $kind:ident, |$i:ident| $field:expr) => {
            #[doc = concat!("`", $wire, "`.")]
            pub const $const: FilterDef = FilterDef {
                name: $name,
                wire: $wire,
                row: |$i| RowField::$kind($field),
            };
        };
    }

    filter!(IDS, "ids", "instanceIds", Text, |i| Some(i.id.as_str()));
    filter!(ZONE_ID, "zone_id", "zoneId", Text, |i| i.zone_id.as_deref());
    filter!(
        INSTANCE_STATUS,
        "instance_status",
        "instanceStatus",
        Text,
        |i| i.status.as_deref()
    );
    filter!(INSTANCE_TYPE, "instance_type", "instanceType", Text, |i| i
        .instance_type
        .as_deref());
    filter!(IMAGE_ID, "image_id", "imageId", Text, |i| i
        .image_id
        .as_deref());
    filter!(
        RESOURCE_GROUP_ID,
        "resource_group_id",
        "resourceGroupId",
        Text,
        |i| i.resource_group_id.as_deref()
    );
    filter!(SUBNET_ID, "subnet_id", "subnetId", Text, |i| i
        .subnet_id
        .as_deref());
    filter!(
        SECURITY_GROUP_ID,
        "security_group_id",
        "securityGroupId",
        List,
        |i| i.security_group_ids.as_deref()
    );
    filter!(
        PUBLIC_IP_ADDRESSES,
        "public_ip_addresses",
        "publicIpAddresses",
        List,
        |i| i.public_ip_addresses.as_deref()
    );
    filter!(
        PRIVATE_IP_ADDRESSES,
        "private_ip_addresses",
        "privateIpAddresses",
        List,
        |i| i.private_ip_addresses.as_deref()
    );
    filter!(TAGS, "tags", "tags", Tags, |i| i.tags.as_ref());
    filter!(TAG_KEYS, "tag_keys", "tagKeys", Tags, |i| i.tags.as_ref());
}

/// The value a filter is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterValue {
    /// A row's field equals this text, or its list holds it (a security group among the
    /// instance's).
    Text(String),
    /// A row's field is one of these, or its list shares one with them (an address); against
    /// tags, the instance has a tag of each key.
    List(Vec<String>),
    /// Every pair is among the instance's tags.
    Pairs(BTreeMap<String, String>),
}

/// What a filter compares in a row; `None` when the API did not report the field (a row that
/// does not report it does not pass the filter).
#[derive(Debug, Clone, Copy)]
pub enum RowField<'a> {
    /// A single value (the zone).
    Text(Option<&'a str>),
    /// A list (the addresses, the security groups).
    List(Option<&'a [String]>),
    /// The tags.
    Tags(Option<&'a BTreeMap<String, String>>),
}

/// What DescribeInstances filters on: filters that combine with AND. An empty list or map is
/// a filter that nothing passes (it never widens the selection).
#[derive(Debug, Default)]
pub struct InstanceFilter {
    terms: Vec<(&'static FilterDef, FilterValue)>,
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
    /// This filter and `def` with `value`.
    pub fn with(mut self, def: &'static FilterDef, value: FilterValue) -> Self {
        self.terms.push((def, value));
        self
    }

    /// Whether the filter is empty somewhere (an empty list or map), so that nothing passes it
    /// and no call is needed.
    pub fn selects_nothing(&self) -> bool {
        self.terms.iter().any(|(_, v)| match v {
            FilterValue::Text(_) => false,
            FilterValue::List(l) => l.is_empty(),
            FilterValue::Pairs(p) => p.is_empty(),
        })
    }

    /// The ids the filter selects by, when it does (they are sent 100 at a time).
    pub(crate) fn ids(&self) -> Option<&[String]> {
        self.terms.iter().find_map(|(def, v)| match v {
            FilterValue::List(ids) if def.wire == filters::IDS.wire => Some(ids.as_slice()),
            _ => None,
        })
    }

    /// The name of the first filter `row` does not pass, or `None` when it passes them all. A
    /// row that does not report the field a filter needs does not pass it.
    pub fn rejects(&self, row: &InstanceInfo) -> Option<&'static str> {
        self.terms
            .iter()
            .find(|(def, value)| !passes(value, (def.row)(row)))
            .map(|(def, _)| def.name)
    }

    /// The request body: every filter, `ids` (at most 100) in place of the filter's own, and
    /// the page.
    fn body(&self, ids: &[String], page_num: usize, page_size: usize) -> Value {
        let mut body = Map::new();
        for (def, value) in &self.terms {
            let json = match value {
                FilterValue::Text(t) => Value::from(t.as_str()),
                FilterValue::List(l) => Value::from(l.clone()),
                FilterValue::Pairs(p) => p
                    .iter()
                    .map(|(key, value)| serde_json::json!({"key": key, "value": value}))
                    .collect(),
            };
            body.insert(def.wire.to_string(), json);
        }
        body.remove(filters::IDS.wire);
        if !ids.is_empty() {
            body.insert(filters::IDS.wire.to_string(), Value::from(ids.to_vec()));
        }
        body.insert("pageNum".into(), Value::from(page_num));
        body.insert("pageSize".into(), Value::from(page_size));
        Value::Object(body)
    }
}

/// Whether a row's `field` passes a filter of `value`.
fn passes(value: &FilterValue, field: RowField<'_>) -> bool {
    match (value, field) {
        (FilterValue::Text(t), RowField::Text(r)) => r == Some(t.as_str()),
        (FilterValue::Text(t), RowField::List(r)) => r.is_some_and(|r| r.contains(t)),
        (FilterValue::List(l), RowField::Text(r)) => r.is_some_and(|r| l.iter().any(|x| x == r)),
        (FilterValue::List(l), RowField::List(r)) => {
            r.is_some_and(|r| l.iter().any(|x| r.contains(x)))
        }
        (FilterValue::List(keys), RowField::Tags(r)) => {
            keys.iter().all(|k| r.is_some_and(|t| t.contains_key(k)))
        }
        (FilterValue::Pairs(p), RowField::Tags(r)) => {
            p.iter().all(|(k, v)| r.and_then(|t| t.get(k)) == Some(v))
        }
        // A value of the wrong shape for its field: nothing passes it.
        _ => false,
    }
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
        let body = filter.body(ids, page_num, page_size);
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
        use super::filters::*;
        let r = row(json!({}));
        let passes = |def: &'static FilterDef, value: FilterValue| {
            InstanceFilter::default().with(def, value).rejects(&r)
        };
        let pairs = |pairs: &[(&str, &str)]| {
            FilterValue::Pairs(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        let list =
            |items: &[&str]| FilterValue::List(items.iter().map(|s| s.to_string()).collect());
        let text = |t: &str| FilterValue::Text(t.to_string());
        assert_eq!(InstanceFilter::default().rejects(&r), None);
        assert_eq!(
            passes(&TAGS, pairs(&[("env", "prod"), ("role", "web")])),
            None
        );
        assert_eq!(
            passes(&TAGS, pairs(&[("env", "prod"), ("role", "db")])),
            Some("tags"),
            "every pair must match"
        );
        assert_eq!(
            passes(&TAG_KEYS, list(&["env", "owner"])),
            Some("tag_keys"),
            "a tag of each key"
        );
        assert_eq!(passes(&ZONE_ID, text("OTHER")), Some("zone_id"));
        assert_eq!(passes(&SECURITY_GROUP_ID, text("sg-2")), None);
        assert_eq!(
            passes(&SUBNET_ID, text("subnet-a")),
            Some("subnet_id"),
            "cannot be confirmed"
        );
        assert_eq!(passes(&IDS, list(&["i2"])), Some("ids"));
        assert_eq!(
            passes(&PUBLIC_IP_ADDRESSES, list(&["203.0.113.1", "x"])),
            None
        );
    }

    #[test]
    fn an_empty_list_or_map_selects_nothing() {
        use super::filters::*;
        assert!(!InstanceFilter::default().selects_nothing());
        for filter in [
            InstanceFilter::default().with(&IDS, FilterValue::List(vec![])),
            InstanceFilter::default().with(&TAGS, FilterValue::Pairs(BTreeMap::new())),
            InstanceFilter::default().with(&TAG_KEYS, FilterValue::List(vec![])),
        ] {
            assert!(filter.selects_nothing(), "{filter:?}");
        }
    }
}
