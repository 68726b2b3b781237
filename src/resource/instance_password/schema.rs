//! The schema of `zenlayer_instance_password`.

use std::collections::HashMap;

use super::state::{
    DEFAULT_SHUTDOWN_BEFORE_RESET, DEFAULT_TIMEOUT, DEFAULT_WAIT_FOR_RUNNING, MAX_TIMEOUT,
};
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};

fn attribute(
    attr_type: AttributeType,
    constraint: AttributeConstraint,
    description: &str,
) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description),
        constraint,
        sensitive: false,
        deprecated: false,
        write_only: false,
    }
}

/// The resource's schema.
pub(crate) fn schema() -> Schema {
    let attributes: HashMap<String, Attribute> = identity()
        .into_iter()
        .chain(passwords())
        .chain(behaviour())
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    Schema {
        version: 1,
        block: Block {
            version: 1,
            attributes,
            blocks: HashMap::from([("timeouts".to_string(), NestedBlock::Optional(timeouts()))]),
            description: Description::markdown(
                "Sets the root/Administrator login password of a set of Zenlayer virtual machines through the ResetInstancesPassword API. Destroying it calls no API: the instances keep their current password.",
            ),
            deprecated: false,
        },
    }
}

/// What the resource is: its id, its instances, and the request ids of its resets.
fn identity() -> Vec<(&'static str, Attribute)> {
    use AttributeConstraint::{Computed, Required};
    vec![
        ("id", attribute(AttributeType::String, Computed, "Stable identifier of this resource.")),
        (
                "instance_ids",
                attribute(
                    AttributeType::Set(Box::new(AttributeType::String)),
                    Required,
                    "Ids of the instances whose password is set. At least one; none empty; any number (calls are made in batches of at most 100). Adding ids resets only the added instances; removing ids calls nothing.",
                ),
            ),
        (
                "request_ids",
                attribute(
                    AttributeType::List(Box::new(AttributeType::String)),
                    Computed,
                    "Request ids of the ResetInstancesPassword calls made by the last create or update that made any (give them to Zenlayer support to trace a reset).",
                ),
            ),
    ]
}

/// The password, given one of two ways.
fn passwords() -> Vec<(&'static str, Attribute)> {
    use AttributeConstraint::Optional;
    vec![
        (
                "password",
                Attribute {
                    sensitive: true,
                    ..attribute(
                        AttributeType::String,
                        Optional,
                        "The new root (Linux) or Administrator (Windows) password: 8 to 16 characters, with at least one lower-case letter, one upper-case letter, one digit and one special character from `!@#$%^+*()`, and no other characters. Checked at plan time. Changing it replaces the resource, which resets every listed instance again. Stored in state as a sensitive value: with Terraform or OpenTofu 1.11 and later, prefer `password_wo`. Exactly one of `password` and `password_wo` is required.",
                    )
                },
            ),
        (
                "password_wo",
                Attribute {
                    sensitive: true,
                    write_only: true,
                    ..attribute(
                        AttributeType::String,
                        Optional,
                        "The new password, write-only: Terraform passes it to the provider and never stores it in the plan or the state, and it accepts ephemeral values. Same rule as `password`, checked at plan time. Needs Terraform or OpenTofu 1.11 or later (older versions refuse it; use `password` there). Changing only this value plans no change: change `password_wo_version` to set it. Exactly one of `password` and `password_wo` is required.",
                    )
                },
            ),
        (
                "password_wo_version",
                attribute(
                    AttributeType::String,
                    Optional,
                    "Required with `password_wo`, refused with `password`. Any value (a counter, a date, a secret manager's version id); changing it replaces the resource, which resets every listed instance with the current `password_wo`.",
                ),
            ),
    ]
}

/// How the reset handles power state.
fn behaviour() -> Vec<(&'static str, Attribute)> {
    use AttributeConstraint::OptionalComputed;
    vec![
        (
                "shutdown_before_reset",
                attribute(
                    AttributeType::Bool,
                    OptionalComputed,
                    &format!("Stop RUNNING instances gracefully and wait for STOPPED before the reset, for accounts where the API wants stopped instances; afterwards every instance is brought back to the power state it had. Default `{DEFAULT_SHUTDOWN_BEFORE_RESET}`."),
                ),
            ),
        (
                "wait_for_running",
                attribute(
                    AttributeType::Bool,
                    OptionalComputed,
                    &format!("After the reset, wait until every instance is RUNNING again. Default `{DEFAULT_WAIT_FOR_RUNNING}`."),
                ),
            ),
    ]
}

/// The `timeouts` block.
fn timeouts() -> Block {
    Block {
        version: 1,
        attributes: [
            (
                "create".to_string(),
                attribute(AttributeType::String, AttributeConstraint::Optional, &format!("Bound of a create, stop, reset and waits included, such as `\"90s\"`, `\"20m\"`, `\"1h\"`; at most `{}`. Default `\"{}\"`.", humantime::format_duration(MAX_TIMEOUT), humantime::format_duration(DEFAULT_TIMEOUT))),
            ),
            (
                "update".to_string(),
                attribute(AttributeType::String, AttributeConstraint::Optional, &format!("Bound of an update that resets added instances; at most `{}`. Default `\"{}\"`.", humantime::format_duration(MAX_TIMEOUT), humantime::format_duration(DEFAULT_TIMEOUT))),
            ),
        ]
        .into_iter()
        .collect(),
        description: Description::markdown("How long operations may take."),
        ..Default::default()
    }
}
