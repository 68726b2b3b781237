//! The schema of `zenlayer_instance_password`.

use tf_provider::schema::{Attribute, AttributeType, Block, NestedBlock, Schema};

use crate::attribute::{self, optional, string_list, Flags};
use crate::durations::human;
use crate::reset_rules::{self, DEFAULT_TIMEOUT, MAX_TIMEOUT};

/// The schema's version: 2 since `instance_ids` is a list (it was a set in version 1).
pub(crate) const VERSION: i64 = 2;

/// The resource's schema.
pub(crate) fn schema() -> Schema {
    let mut schema = attribute::schema(
        "Sets the root/Administrator login password of a set of Zenlayer virtual machines through the ResetInstancesPassword API. Destroying it calls no API: the instances keep their current password.",
        identity().into_iter().chain(passwords()).chain(behaviour()),
        [("timeouts", NestedBlock::Optional(timeouts()))],
    );
    schema.version = VERSION;
    schema
}

/// What the resource is: its id, its instances, and the request ids of its resets.
fn identity() -> [(&'static str, Attribute); 3] {
    [
        (
            "id",
            optional(AttributeType::String, "Stable identifier of this resource.").computed(),
        ),
        (
            "instance_ids",
            optional(
                string_list(),
                "Ids of the instances whose password is set. At least one; none empty, none twice; any number (calls are made in batches of at most 100). Adding ids resets only the added instances; removing ids, or changing only their order, calls nothing. A list, not a set: Terraform handles a list of 10,000 ids in seconds, a set of that size in minutes (a set given here is converted, in its sorted order).",
            )
            .required(),
        ),
        (
            "request_ids",
            optional(
                string_list(),
                "Request ids of the ResetInstancesPassword calls made by the last create or update that made any (give them to Zenlayer support to trace a reset).",
            )
            .computed(),
        ),
    ]
}

/// The password, given one of two ways.
fn passwords() -> [(&'static str, Attribute); 3] {
    [
        (
            "password",
            optional(
                AttributeType::String,
                "The new root (Linux) or Administrator (Windows) password: 8 to 16 characters, with at least one lower-case letter, one upper-case letter, one digit and one special character from `!@#$%^+*()`, and no other characters. Checked at plan time. Changing it replaces the resource, which resets every listed instance again. Stored in state as a sensitive value: with Terraform or OpenTofu 1.11 and later, prefer `password_wo`. Exactly one of `password` and `password_wo` is required.",
            )
            .sensitive(),
        ),
        (
            "password_wo",
            optional(
                AttributeType::String,
                "The new password, write-only: Terraform passes it to the provider and never stores it in the plan or the state, and it accepts ephemeral values. Same rule as `password`, checked at plan time. Needs Terraform or OpenTofu 1.11 or later (older versions refuse it; use `password` there). Changing only this value plans no change: change `password_wo_version` to set it. Exactly one of `password` and `password_wo` is required.",
            )
            .sensitive()
            .write_only(),
        ),
        (
            "password_wo_version",
            optional(
                AttributeType::String,
                "Required with `password_wo`, refused with `password`. Any value (a counter, a date, a secret manager's version id); changing it replaces the resource, which resets every listed instance with the current `password_wo`.",
            ),
        ),
    ]
}

/// How the reset handles power state: the action's arguments, filled in when not given.
fn behaviour() -> [(&'static str, Attribute); 2] {
    reset_rules::power_attributes().map(|(name, a)| (name, a.optional_computed()))
}

/// The `timeouts` block.
fn timeouts() -> Block {
    let (max, default) = (human(MAX_TIMEOUT), human(DEFAULT_TIMEOUT));
    attribute::block(
        "How long operations may take.",
        [
            (
                "create",
                optional(
                    AttributeType::String,
                    format!("Bound of a create, stop, reset and waits included, such as `\"90s\"`, `\"20m\"`, `\"1h\"`; at most `{max}`. Default `\"{default}\"`."),
                ),
            ),
            (
                "update",
                optional(
                    AttributeType::String,
                    format!("Bound of an update that resets added instances; at most `{max}`. Default `\"{default}\"`."),
                ),
            ),
        ],
        [],
    )
}
