//! The data source's attributes as Terraform sends them, each declared once with its checks
//! and, for a filter, the DescribeInstances filter it becomes. A selection is never wider than
//! asked: an empty string, or a null inside a list or a map, fails the plan naming the
//! argument; an empty list or map selects nothing.

use std::any::Any;
use std::collections::BTreeMap;

use regex::Regex;
use serde::{Deserialize, Serialize};
use tf_provider::schema::AttributeType;
use tf_provider::value::Value;
use zenlayer_api::filters::*;
use zenlayer_api::{FilterValue, InstanceFilter, InstanceInfo, InstanceStatus};

use crate::attributes::{
    declare, string_list, string_set, Check, Declaration, Declared, Field, StringList, StringMap,
    StringSet,
};

/// A text filter of `def`, described by `about`: not blank.
fn text_filter(about: impl Into<String>, def: &'static zenlayer_api::FilterDef) -> Declaration {
    Declaration::text(about).check(Check::NotBlank).filter(def)
}

/// A list or set filter of `def`: no null or blank element.
fn list_filter(
    ty: AttributeType,
    about: &str,
    def: &'static zenlayer_api::FilterDef,
) -> Declaration {
    Declaration::value(ty, about)
        .check(Check::Elements)
        .filter(def)
}

declare! {
    /// The data source's attributes: the filters, and the results.
    pub(crate) struct InstancesState {
        /// A list, as `instance_ids` is: Terraform handles a large set slowly.
        ids: StringList => list_filter(string_list(), "As a filter: only these instances (`[]` selects none). In the result: the ids of every instance found, in order, ready for `instance_ids` of `zenlayer_instance_password`. A list, not a set: Terraform handles a list of 10,000 ids in seconds, a set of that size in minutes.", &IDS)
            .optional_computed(),
        zone_id: Value<String> => text_filter("Only instances in this zone, such as `\"HKG-A\"`.", &ZONE_ID),
        instance_status: Value<String> => text_filter(
            format!(
                "Only instances in this status, spelled as the API does: {}.",
                InstanceStatus::DOCUMENTED.map(|s| format!("`{s}`")).join(", ")
            ),
            &INSTANCE_STATUS,
        )
        .check(Check::Status),
        instance_type: Value<String> => text_filter("Only instances of this type.", &INSTANCE_TYPE),
        image_id: Value<String> => text_filter("Only instances made from this image.", &IMAGE_ID),
        resource_group_id: Value<String> => text_filter("Only instances in this resource group.", &RESOURCE_GROUP_ID),
        subnet_id: Value<String> => text_filter("Only instances in this subnet.", &SUBNET_ID),
        security_group_id: Value<String> => text_filter("Only instances in this security group.", &SECURITY_GROUP_ID),
        public_ip_addresses: StringSet => list_filter(string_set(), "Only instances with one of these public addresses.", &PUBLIC_IP_ADDRESSES),
        private_ip_addresses: StringSet => list_filter(string_set(), "Only instances with one of these private addresses.", &PRIVATE_IP_ADDRESSES),
        tags: StringMap => Declaration::value(
            AttributeType::Map(Box::new(AttributeType::String)),
            "Only instances with every one of these tags (key and value).",
        )
        .check(Check::Tags)
        .filter(&TAGS),
        tag_keys: StringSet => list_filter(string_set(), "Only instances with a tag of each of these keys, whatever its value.", &TAG_KEYS),
        name_regex: Value<String> => Declaration::text("Only instances whose name matches this regular expression (Rust `regex` syntax, matched anywhere in the name unless anchored with `^` and `$`). Applied by the provider; an invalid expression fails the plan.")
            .check(Check::NotBlank)
            .check(Check::Regex),
        resettable_only: Value<bool> => Declaration::flag(format!(
            "Leave out the instances the API will not reset: failed, being released or in the recycle bin ({}). Default `false`.",
            InstanceStatus::TERMINAL.map(|s| format!("`{s}`")).join(", ")
        )),
        details: Value<bool> => Declaration::flag("Whether to fill in `instances`. Default `true`. Set `false` when only `ids` is needed: `instances` is then null, and Terraform is spared most of its work on a large fleet (14 attributes for each instance)."),
        instances: Value<Vec<InstanceRow>> => Declaration::value(
            AttributeType::List(Box::new(super::schema::instance_type())),
            "The instances found, ordered by id: `id`, `name`, `status`, `zone_id`, `instance_type`, `image_id`, `image_name`, `cpu_count`, `memory` (GiB), `public_ip_addresses`, `private_ip_addresses`, `resource_group_id`, `create_time` and `tags` (a map). An attribute the API does not report, or reports in a form that cannot be read (a fraction for `cpu_count`), is null; a WARN line in the log says which. Null with `details = false`.",
        )
        .computed(),
    }
}

/// One element of `instances`: what DescribeInstances reported, null where it reported
/// nothing (or nothing readable).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct InstanceRow {
    id: String,
    name: Option<String>,
    status: Option<String>,
    zone_id: Option<String>,
    instance_type: Option<String>,
    image_id: Option<String>,
    image_name: Option<String>,
    cpu_count: Option<i64>,
    memory: Option<i64>,
    public_ip_addresses: Option<Vec<String>>,
    private_ip_addresses: Option<Vec<String>>,
    resource_group_id: Option<String>,
    create_time: Option<String>,
    tags: Option<BTreeMap<String, String>>,
}

impl InstanceRow {
    /// The instance's id.
    pub(super) fn id(&self) -> &str {
        &self.id
    }
}

impl From<InstanceInfo> for InstanceRow {
    fn from(i: InstanceInfo) -> Self {
        InstanceRow {
            id: i.id,
            name: i.name,
            status: i.status,
            zone_id: i.zone_id,
            instance_type: i.instance_type,
            image_id: i.image_id,
            image_name: i.image_name,
            cpu_count: i.cpu_count,
            memory: i.memory,
            public_ip_addresses: i.public_ip_addresses,
            private_ip_addresses: i.private_ip_addresses,
            resource_group_id: i.resource_group_id,
            create_time: i.create_time,
            tags: i.tags,
        }
    }
}

impl Field for Value<Vec<InstanceRow>> {
    fn is_unknown(&self) -> bool {
        Value::is_unknown(self)
    }
    fn same_as(&self, other: &dyn Field) -> bool {
        other.as_any().downcast_ref::<Self>() == Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl InstancesState {
    /// `name_regex`, compiled (only called once [`Declared::problems`] found none).
    pub(super) fn name_regex(&self) -> Option<Regex> {
        let expression = self.name_regex.as_ref_option()?;
        (!expression.trim().is_empty())
            .then(|| crate::attributes::regex(expression).ok())
            .flatten()
    }

    /// The filters given as an empty list or map: each makes the selection empty.
    pub(super) fn empty_filters(&self) -> Vec<&'static str> {
        self.fields()
            .into_iter()
            .filter(|(d, value)| {
                d.filter.is_some()
                    && matches!(
                        value.filter_value(),
                        Some(FilterValue::List(l)) if l.is_empty()
                    ) | matches!(value.filter_value(), Some(FilterValue::Pairs(p)) if p.is_empty())
            })
            .map(|(d, _)| d.name)
            .collect()
    }

    /// What goes to the API: every filter given (only called once [`Declared::problems`]
    /// found none).
    pub(super) fn filter(&self) -> InstanceFilter {
        self.fields()
            .into_iter()
            .filter_map(|(d, value)| Some((d.filter?, value.filter_value()?)))
            .fold(InstanceFilter::default(), |f, (def, value)| {
                f.with(def, value)
            })
    }

    /// Whether `resettable_only` is set.
    pub(super) fn resettable_only(&self) -> bool {
        self.resettable_only
            .as_ref_option()
            .copied()
            .unwrap_or(false)
    }

    /// Whether `instances` is wanted (`details`, true unless set false).
    pub(super) fn details(&self) -> bool {
        self.details.as_ref_option().copied().unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::NOTHING_READ;

    fn value(item: &Option<&str>) -> Value<String> {
        match item {
            Some(s) => Value::Value(s.to_string()),
            None => Value::Null,
        }
    }

    fn set(items: &[Option<&str>]) -> StringSet {
        Value::Value(items.iter().map(value).collect())
    }

    fn list(items: &[Option<&str>]) -> StringList {
        Value::Value(items.iter().map(value).collect())
    }

    fn summaries(state: &InstancesState) -> Vec<String> {
        state.problems().into_iter().map(|p| p.summary).collect()
    }

    #[test]
    fn name_regex_takes_the_whole_documented_syntax() {
        for (expression, name, matches) in [
            ("(?i)^web", "WEB-1", true),
            (r"\p{Han}", "数据库-1", true),
            (r"\p{Han}", "db-1", false),
            (r"^\w+-\d$", "节点-7", true),
        ] {
            let state = InstancesState {
                name_regex: Value::Value(expression.into()),
                ..Default::default()
            };
            let regex = state.name_regex().expect("valid and given");
            assert_eq!(regex.is_match(name), matches, "{expression} on {name}");
        }
    }

    #[test]
    fn blank_and_null_values_are_problems_naming_their_argument() {
        let state = InstancesState {
            ids: list(&[Some("")]),
            zone_id: Value::Value(" ".into()),
            tag_keys: set(&[Some("role"), None]),
            tags: Value::Value([("env".to_string(), Value::Null)].into()),
            instance_status: Value::Value("running".into()),
            ..Default::default()
        };
        assert_eq!(
            summaries(&state),
            vec![
                "Empty value in ids",
                "Empty value in zone_id",
                "Invalid instance_status",
                "Null value in tags",
                "Null value in tag_keys"
            ]
        );
        assert!(state
            .problems()
            .iter()
            .all(|p| p.detail.ends_with(NOTHING_READ)));
    }

    #[test]
    fn unknown_and_absent_values_are_not_judged() {
        let state = InstancesState {
            ids: Value::Unknown,
            zone_id: Value::Unknown,
            tags: Value::Unknown,
            ..Default::default()
        };
        assert!(state.problems().is_empty());
        assert!(InstancesState::default().problems().is_empty());
        assert!(InstancesState::default().empty_filters().is_empty());
    }

    #[test]
    fn empty_lists_and_maps_select_nothing() {
        let state = InstancesState {
            ids: list(&[]),
            tags: Value::Value(BTreeMap::new()),
            ..Default::default()
        };
        assert_eq!(state.empty_filters(), vec!["ids", "tags"]);
        assert!(state.filter().selects_nothing());
    }
}
