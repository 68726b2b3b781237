//! The schema of `zenlayer_instances`.

use std::collections::HashMap;

use tf_provider::schema::{Attribute, AttributeType, Schema};
use zenlayer_api::InstanceStatus;

use crate::attribute::{self, optional, string_list, string_set, Flags};

/// The type of one element of `instances`.
fn instance_type() -> AttributeType {
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

/// The single-value filters and what each selects.
fn text_filters() -> [(&'static str, String); 8] {
    [
        ("zone_id", "Only instances in this zone, such as `\"HKG-A\"`.".into()),
        (
            "instance_status",
            format!(
                "Only instances in this status, spelled as the API does: {}.",
                InstanceStatus::DOCUMENTED.map(|s| format!("`{s}`")).join(", ")
            ),
        ),
        ("instance_type", "Only instances of this type.".into()),
        ("image_id", "Only instances made from this image.".into()),
        ("resource_group_id", "Only instances in this resource group.".into()),
        ("subnet_id", "Only instances in this subnet.".into()),
        ("security_group_id", "Only instances in this security group.".into()),
        ("name_regex", "Only instances whose name matches this regular expression (Rust `regex` syntax, matched anywhere in the name unless anchored with `^` and `$`). Applied by the provider; an invalid expression fails the plan.".into()),
    ]
}

/// The list and map filters, the flag, and the results.
fn other_attributes() -> [(&'static str, Attribute); 8] {
    [
        ("ids", optional(string_list(), "As a filter: only these instances (`[]` selects none). In the result: the ids of every instance found, in order, ready for `instance_ids` of `zenlayer_instance_password`. A list, not a set: Terraform handles a list of 10,000 ids in seconds, a set of that size in minutes.").optional_computed()),
        ("public_ip_addresses", optional(string_set(), "Only instances with one of these public addresses.")),
        ("private_ip_addresses", optional(string_set(), "Only instances with one of these private addresses.")),
        ("tags", optional(AttributeType::Map(Box::new(AttributeType::String)), "Only instances with every one of these tags (key and value).")),
        ("tag_keys", optional(string_set(), "Only instances with a tag of each of these keys, whatever its value.")),
        ("resettable_only", optional(AttributeType::Bool, format!("Leave out the instances the API will not reset: failed, being released or in the recycle bin ({}). Default `false`.", InstanceStatus::TERMINAL.map(|s| format!("`{s}`")).join(", ")))),
        ("details", optional(AttributeType::Bool, "Whether to fill in `instances`. Default `true`. Set `false` when only `ids` is needed: `instances` is then null, and Terraform is spared most of its work on a large fleet (14 attributes for each instance).")),
        ("instances", optional(AttributeType::List(Box::new(instance_type())), "The instances found, ordered by id: `id`, `name`, `status`, `zone_id`, `instance_type`, `image_id`, `image_name`, `cpu_count`, `memory` (GiB), `public_ip_addresses`, `private_ip_addresses`, `resource_group_id`, `create_time` and `tags` (a map). An attribute the API does not report, or reports in a form that cannot be read (a fraction for `cpu_count`), is null; a WARN line in the log says which. Null with `details = false`.").computed()),
    ]
}

/// The data source's schema.
pub(crate) fn schema() -> Schema {
    let filters = text_filters()
        .into_iter()
        .map(|(name, about)| (name, optional(AttributeType::String, about)));
    attribute::schema(
        "Selects instances with DescribeInstances: every filter given must match (AND), and the provider checks every row the API returns against every filter. A selection is never wider than asked: an empty list or map selects nothing, and an empty string or a null inside a list or map fails the plan. With no filter at all, it selects every instance of the account. No match is an empty result, not an error.",
        filters.chain(other_attributes()),
        [],
    )
}
