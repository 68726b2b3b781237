//! `zenlayer_instances`: selects instances with DescribeInstances (every page), so that a
//! configuration names a fleet by its zone, tags, name and the like rather than by listing ids.
//! Server-side filters go to the API; `name_regex` is applied here, to the instance name.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use regex::Regex;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, Schema,
};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics};
use zenlayer_api::{Context, InstanceFilter, InstanceInfo};

use crate::provider::advice::advice_line;
use crate::provider::diagnostics::{error_at, root_error};
use crate::provider::Shared;

/// How long one read of every page may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// A set of strings as Terraform sends it.
type StringSet = Value<BTreeSet<Value<String>>>;

/// The data source's attributes: the filters, and the results.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct InstancesState {
    /// Filter by id; in the result, the ids of the instances found.
    #[serde(default)]
    ids: StringSet,
    #[serde(default)]
    zone_id: Value<String>,
    #[serde(default)]
    instance_status: Value<String>,
    #[serde(default)]
    instance_type: Value<String>,
    #[serde(default)]
    image_id: Value<String>,
    #[serde(default)]
    resource_group_id: Value<String>,
    #[serde(default)]
    subnet_id: Value<String>,
    #[serde(default)]
    security_group_id: Value<String>,
    #[serde(default)]
    public_ip_addresses: StringSet,
    #[serde(default)]
    private_ip_addresses: StringSet,
    #[serde(default)]
    tags: Value<BTreeMap<String, Value<String>>>,
    #[serde(default)]
    tag_keys: StringSet,
    #[serde(default)]
    name_regex: Value<String>,
    /// The instances found, by id.
    #[serde(default)]
    instances: Value<Vec<InstanceInfo>>,
}

/// The known, non-empty strings of a set.
fn strings(set: &StringSet) -> Vec<String> {
    set.as_ref_option()
        .map(|s| {
            s.iter()
                .filter_map(|v| v.as_ref_option().filter(|s| !s.is_empty()).cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// A known, non-empty string.
fn text(value: &Value<String>) -> Option<String> {
    value.as_ref_option().filter(|s| !s.is_empty()).cloned()
}

impl InstancesState {
    /// What goes to the API.
    fn filter(&self) -> InstanceFilter {
        InstanceFilter {
            ids: strings(&self.ids),
            zone_id: text(&self.zone_id),
            instance_status: text(&self.instance_status),
            instance_type: text(&self.instance_type),
            image_id: text(&self.image_id),
            resource_group_id: text(&self.resource_group_id),
            subnet_id: text(&self.subnet_id),
            security_group_id: text(&self.security_group_id),
            public_ip_addresses: strings(&self.public_ip_addresses),
            private_ip_addresses: strings(&self.private_ip_addresses),
            tags: self
                .tags
                .as_ref_option()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_ref_option()?.clone())))
                        .collect()
                })
                .unwrap_or_default(),
            tag_keys: strings(&self.tag_keys),
        }
    }

    /// `name_regex`, compiled; the error names the expression.
    fn name_regex(&self) -> Result<Option<Regex>, String> {
        match text(&self.name_regex) {
            None => Ok(None),
            Some(expression) => Regex::new(&expression).map(Some).map_err(|e| {
                format!("name_regex {expression:?} is not a valid regular expression: {e}")
            }),
        }
    }

    /// [`Self::name_regex`], reporting an invalid expression on `name_regex` in `diags`.
    fn name_regex_or_error(&self, diags: &mut Diagnostics) -> Option<Option<Regex>> {
        self.name_regex()
            .map_err(|e| {
                error_at(
                    diags,
                    AttributePath::new("name_regex"),
                    "Invalid name_regex",
                    e,
                )
            })
            .ok()
    }
}

/// The data source.
#[derive(Debug, Clone)]
pub(crate) struct InstancesDataSource {
    shared: Arc<Shared>,
}

impl InstancesDataSource {
    /// The data source of a provider.
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        InstancesDataSource { shared }
    }
}

fn optional(attr_type: AttributeType, description: &str) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description),
        constraint: AttributeConstraint::Optional,
        sensitive: false,
        deprecated: false,
        write_only: false,
    }
}

fn string_set() -> AttributeType {
    AttributeType::Set(Box::new(AttributeType::String))
}

/// The type of one element of `instances`.
fn instance_type() -> AttributeType {
    let string = || AttributeType::String;
    let strings = || AttributeType::List(Box::new(AttributeType::String));
    let fields: HashMap<String, AttributeType> = [
        ("id", string()),
        ("name", string()),
        ("status", string()),
        ("zone_id", string()),
        ("instance_type", string()),
        ("image_id", string()),
        ("image_name", string()),
        ("cpu_count", AttributeType::Number),
        ("memory", AttributeType::Number),
        ("public_ip_addresses", strings()),
        ("private_ip_addresses", strings()),
        ("resource_group_id", string()),
        ("create_time", string()),
        ("tags", AttributeType::Map(Box::new(AttributeType::String))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    AttributeType::Object(fields)
}

/// The data source's schema.
pub(crate) fn schema() -> Schema {
    let filters = [
        ("zone_id", "Only instances in this zone, such as `\"HKG-A\"`."),
        ("instance_status", "Only instances in this status, such as `\"RUNNING\"`."),
        ("instance_type", "Only instances of this type."),
        ("image_id", "Only instances made from this image."),
        ("resource_group_id", "Only instances in this resource group."),
        ("subnet_id", "Only instances in this subnet."),
        ("security_group_id", "Only instances in this security group."),
        ("name_regex", "Only instances whose name matches this regular expression (Rust `regex` syntax, matched anywhere in the name unless anchored with `^` and `$`). Applied by the provider; an invalid expression fails the plan."),
    ];
    let mut attributes: HashMap<String, Attribute> = filters
        .into_iter()
        .map(|(name, about)| (name.to_string(), optional(AttributeType::String, about)))
        .collect();
    attributes.extend([
        ("ids".to_string(), Attribute {
            constraint: AttributeConstraint::OptionalComputed,
            ..optional(string_set(), "As a filter: only these instances. In the result: the ids of every instance found, ready for `instance_ids` of `zenlayer_instance_password`.")
        }),
        ("public_ip_addresses".to_string(), optional(string_set(), "Only instances with one of these public addresses.")),
        ("private_ip_addresses".to_string(), optional(string_set(), "Only instances with one of these private addresses.")),
        ("tags".to_string(), optional(AttributeType::Map(Box::new(AttributeType::String)), "Only instances with every one of these tags (key and value).")),
        ("tag_keys".to_string(), optional(string_set(), "Only instances with a tag of each of these keys, whatever its value.")),
        ("instances".to_string(), Attribute {
            constraint: AttributeConstraint::Computed,
            ..optional(AttributeType::List(Box::new(instance_type())), "The instances found, ordered by id: `id`, `name`, `status`, `zone_id`, `instance_type`, `image_id`, `image_name`, `cpu_count`, `memory` (GiB), `public_ip_addresses`, `private_ip_addresses`, `resource_group_id`, `create_time` and `tags` (a map). Attributes the API does not report are null.")
        }),
    ]);
    Schema {
        version: 1,
        block: Block {
            version: 1,
            attributes,
            description: Description::markdown(
                "Selects instances with DescribeInstances: every filter given must match (AND). No match is an empty result, not an error.",
            ),
            ..Default::default()
        },
    }
}

#[async_trait]
impl DataSource for InstancesDataSource {
    type State<'a> = InstancesState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        config.name_regex_or_error(diags).map(|_| ())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let name = config.name_regex_or_error(diags)?;
        let Some(fleet) = self.shared.fleet() else {
            root_error(
                diags,
                "The zenlayer provider is not configured",
                "The provider block could not be configured (see the errors above), so no API call can be made.",
            );
            return None;
        };
        let ctx = Context::with_timeout(READ_TIMEOUT, self.shared.stop().token());
        let found = match fleet.describe_instances(&config.filter(), &ctx).await {
            Ok(found) => found,
            Err(e) => {
                root_error(
                    diags,
                    "Could not read the instances",
                    format!("{e}.{}", advice_line(&e)),
                );
                return None;
            }
        };
        let selected: Vec<InstanceInfo> = found
            .into_iter()
            .filter(|i| {
                name.as_ref()
                    .is_none_or(|r| r.is_match(i.name.as_deref().unwrap_or_default()))
            })
            .collect();
        tracing::info!(found = selected.len(), "instances selected");
        let mut state = config;
        state.ids = Value::Value(
            selected
                .iter()
                .map(|i| Value::Value(i.id.clone()))
                .collect(),
        );
        state.instances = Value::Value(selected);
        Some(state)
    }
}
