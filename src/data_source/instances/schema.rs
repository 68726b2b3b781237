//! The schema of `zenlayer_instances`, from its declarations.

use std::collections::HashMap;

use tf_provider::schema::{AttributeType, Schema};

use super::filters::InstancesState;
use crate::attributes::{object_schema, string_list, Stateful};

/// The type of one element of `instances`.
pub(super) fn instance_type() -> AttributeType {
    let string = || AttributeType::String;
    let strings = string_list;
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
    object_schema::<InstancesState>(
        1,
        "Selects instances with DescribeInstances: every filter given must match (AND), and the provider checks every row the API returns against every filter. A selection is never wider than asked: an empty list or map selects nothing, and an empty string or a null inside a list or map fails the plan. With no filter at all, it selects every instance of the account. No match is an empty result, not an error.",
        Stateful::No,
    )
}
