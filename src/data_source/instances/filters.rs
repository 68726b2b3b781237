//! The data source's arguments as Terraform sends them, their checks, and the API filter they
//! make. A selection is never wider than asked: an empty string, or a null inside a list or a
//! map, fails the plan naming the argument; an empty list or map selects nothing.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;
use serde::{Deserialize, Serialize};
use tf_provider::value::Value;
use zenlayer_api::{InstanceFilter, InstanceInfo, InstanceStatus};

use crate::diagnostics::Problem;
use zenlayer_words::quoted_list;

/// A set of strings as Terraform sends it.
pub(super) type StringSet = Value<BTreeSet<Value<String>>>;
/// A list of strings as Terraform sends it.
pub(super) type StringList = Value<Vec<Value<String>>>;
/// A map of strings as Terraform sends it.
pub(super) type StringMap = Value<BTreeMap<String, Value<String>>>;

/// The data source's attributes: the filters, and the results.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct InstancesState {
    /// Filter by id; in the result, the ids of the instances found, in order. A list, as
    /// `instance_ids` is: Terraform handles a large set slowly.
    #[serde(default)]
    pub(super) ids: StringList,
    #[serde(default)]
    pub(super) zone_id: Value<String>,
    #[serde(default)]
    pub(super) instance_status: Value<String>,
    #[serde(default)]
    pub(super) instance_type: Value<String>,
    #[serde(default)]
    pub(super) image_id: Value<String>,
    #[serde(default)]
    pub(super) resource_group_id: Value<String>,
    #[serde(default)]
    pub(super) subnet_id: Value<String>,
    #[serde(default)]
    pub(super) security_group_id: Value<String>,
    #[serde(default)]
    pub(super) public_ip_addresses: StringSet,
    #[serde(default)]
    pub(super) private_ip_addresses: StringSet,
    #[serde(default)]
    pub(super) tags: StringMap,
    #[serde(default)]
    pub(super) tag_keys: StringSet,
    #[serde(default)]
    pub(super) name_regex: Value<String>,
    /// Leave out instances the API cannot reset.
    #[serde(default)]
    pub(super) resettable_only: Value<bool>,
    /// Whether `instances` is filled in (true unless set false).
    #[serde(default)]
    pub(super) details: Value<bool>,
    /// The instances found, by id.
    #[serde(default)]
    pub(super) instances: Value<Vec<InstanceRow>>,
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

/// What ends each plan-time problem of the filters.
const NOTHING_READ: &str = "Nothing was read.";

/// The single-value filters, by argument name.
fn texts(s: &InstancesState) -> [(&'static str, &Value<String>); 8] {
    [
        ("zone_id", &s.zone_id),
        ("instance_status", &s.instance_status),
        ("instance_type", &s.instance_type),
        ("image_id", &s.image_id),
        ("resource_group_id", &s.resource_group_id),
        ("subnet_id", &s.subnet_id),
        ("security_group_id", &s.security_group_id),
        ("name_regex", &s.name_regex),
    ]
}

/// The set filters, by argument name, each as its known elements (`None` when it is not a
/// known set).
fn sets(s: &InstancesState) -> [(&'static str, Option<Vec<&Value<String>>>); 4] {
    fn items(set: &StringSet) -> Option<Vec<&Value<String>>> {
        set.as_ref_option().map(|s| s.iter().collect())
    }
    [
        ("ids", s.ids.as_ref_option().map(|l| l.iter().collect())),
        ("public_ip_addresses", items(&s.public_ip_addresses)),
        ("private_ip_addresses", items(&s.private_ip_addresses)),
        ("tag_keys", items(&s.tag_keys)),
    ]
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

fn empty_value(argument: &'static str, what: String) -> Problem {
    Problem::at(
        argument,
        format!("Empty value in {argument}"),
        format!(
            "{what}, which names nothing. A selection says what it selects: remove the value, or \
             remove {argument} (or set it to null) not to filter on it. {NOTHING_READ}"
        ),
    )
}

fn null_value(argument: &'static str, what: String) -> Problem {
    Problem::at(
        argument,
        format!("Null value in {argument}"),
        format!(
            "{what} (a variable or an attribute that is null?). A selection says what it \
             selects: give it a value, or remove it. {NOTHING_READ}"
        ),
    )
}

impl InstancesState {
    /// Every plan-time problem of the known filters.
    pub(super) fn config_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (argument, value) in texts(self) {
            if value.as_ref_option().is_some_and(|t| blank(t)) {
                problems.push(empty_value(
                    argument,
                    format!("{argument} is an empty string"),
                ));
            }
        }
        for (argument, items) in sets(self) {
            problems.extend(set_problems(argument, items.as_deref()));
        }
        problems.extend(self.tags_problems());
        problems.extend(self.status_problem());
        problems.extend(self.name_regex().err());
        problems
    }

    fn tags_problems(&self) -> Vec<Problem> {
        let Value::Value(tags) = &self.tags else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        if tags.keys().any(|k| blank(k)) {
            problems.push(empty_value("tags", "tags has an empty key".into()));
        }
        for (key, value) in tags {
            match value {
                Value::Null => problems.push(null_value(
                    "tags",
                    format!("tags has a null value for the key {key:?}"),
                )),
                Value::Value(v) if blank(v) => problems.push(empty_value(
                    "tags",
                    format!("tags has an empty value for the key {key:?}"),
                )),
                _ => {}
            }
        }
        problems
    }

    fn status_problem(&self) -> Option<Problem> {
        let status = self.instance_status.as_ref_option()?;
        if blank(status) || InstanceStatus::DOCUMENTED.contains(&status.as_str()) {
            return None;
        }
        Some(Problem::at(
            "instance_status",
            "Invalid instance_status",
            format!(
                "instance_status = {status:?} is not a status of the API, which spells them in \
                 upper case: {}. {NOTHING_READ}",
                InstanceStatus::DOCUMENTED.join(", ")
            ),
        ))
    }

    /// `name_regex`, compiled; the problem names the expression.
    pub(super) fn name_regex(&self) -> Result<Option<Regex>, Problem> {
        match self.name_regex.as_ref_option().filter(|t| !blank(t)) {
            None => Ok(None),
            Some(expression) => Regex::new(expression).map(Some).map_err(|e| {
                Problem::at(
                    "name_regex",
                    "Invalid name_regex",
                    format!(
                        "name_regex {expression:?} is not a valid regular expression: {e}. \
                         {NOTHING_READ}"
                    ),
                )
            }),
        }
    }

    /// The arguments given as an empty list or map: each makes the selection empty.
    pub(super) fn empty_filters(&self) -> Vec<&'static str> {
        let mut empty: Vec<&'static str> = sets(self)
            .into_iter()
            .filter(|(_, items)| items.as_ref().is_some_and(Vec::is_empty))
            .map(|(argument, _)| argument)
            .collect();
        if self.tags.as_ref_option().is_some_and(BTreeMap::is_empty) {
            empty.push("tags");
        }
        empty
    }

    /// What goes to the API; only called once [`Self::problems`] found none.
    pub(super) fn filter(&self) -> InstanceFilter {
        let text = |v: &Value<String>| v.as_ref_option().cloned();
        let list = |set: &StringSet| {
            set.as_ref_option().map(|s| {
                s.iter()
                    .filter_map(|v| v.as_ref_option().cloned())
                    .collect()
            })
        };
        InstanceFilter {
            ids: self.ids.as_ref_option().map(|l| {
                let distinct: BTreeSet<String> = l
                    .iter()
                    .filter_map(|v| v.as_ref_option().cloned())
                    .collect();
                distinct.into_iter().collect()
            }),
            zone_id: text(&self.zone_id),
            instance_status: text(&self.instance_status),
            instance_type: text(&self.instance_type),
            image_id: text(&self.image_id),
            resource_group_id: text(&self.resource_group_id),
            subnet_id: text(&self.subnet_id),
            security_group_id: text(&self.security_group_id),
            public_ip_addresses: list(&self.public_ip_addresses),
            private_ip_addresses: list(&self.private_ip_addresses),
            tags: self.tags.as_ref_option().map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_ref_option()?.clone())))
                    .collect()
            }),
            tag_keys: list(&self.tag_keys),
        }
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

/// The problems of one list argument: a null or blank element.
fn set_problems(argument: &'static str, items: Option<&[&Value<String>]>) -> Vec<Problem> {
    let Some(items) = items else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    if items.iter().any(|v| v.is_null()) {
        problems.push(null_value(
            argument,
            format!("{argument} has a null element"),
        ));
    }
    let blanks: Vec<&String> = items
        .iter()
        .filter_map(|v| v.as_ref_option())
        .filter(|t| blank(t))
        .collect();
    if !blanks.is_empty() {
        problems.push(empty_value(
            argument,
            format!("{argument} has an empty string ({})", quoted_list(&blanks)),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

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
        state
            .config_problems()
            .into_iter()
            .map(|p| p.summary)
            .collect()
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
            let regex = state.name_regex().expect("valid").expect("given");
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
                "Empty value in zone_id",
                "Empty value in ids",
                "Null value in tag_keys",
                "Null value in tags",
                "Invalid instance_status"
            ]
        );
        assert!(state
            .config_problems()
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
        assert!(state.config_problems().is_empty());
        assert!(InstancesState::default().config_problems().is_empty());
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
