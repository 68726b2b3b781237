//! The schema of `zenlayer_instance_password_reset`.

use tf_provider::schema::{AttributeType, Schema};

use crate::attribute::{self, optional, string_list, Flags};
use crate::durations::human;
use crate::reset_rules::{self, DEFAULT_TIMEOUT, MAX_TIMEOUT};

/// The action's schema. Actions keep no state, so nothing is computed.
pub(super) fn schema() -> Schema {
    let (max, default) = (human(MAX_TIMEOUT), human(DEFAULT_TIMEOUT));
    attribute::schema(
        "Resets the root/Administrator login password of a set of Zenlayer virtual machines when invoked (`terraform apply -invoke`, Terraform 1.14 and later) or when a resource's `action_trigger` fires. It keeps no state: each invoke resets every listed instance.",
        [
            (
                "instance_ids",
                optional(
                    string_list(),
                    "Ids of the instances whose password is set. At least one; none empty, none twice; any number (calls are made in batches of at most 100). Checked at plan time: an id the API does not know, or an instance it will not reset (being released, in the recycle bin, failed), fails the plan; ids known only at apply are checked then, and those that do not exist are named and left out. A list, not a set: Terraform handles a list of 10,000 ids in seconds, a set of that size in minutes.",
                )
                .required(),
            ),
            (
                "password_wo",
                optional(
                    AttributeType::String,
                    "The new root (Linux) or Administrator (Windows) password, write-only: Terraform passes it to the provider and never stores it in the plan, and it accepts ephemeral values. 8 to 16 characters, with at least one lower-case letter, one upper-case letter, one digit and one special character from `!@#$%^+*()`, and no other characters; checked at plan time.",
                )
                .required()
                .sensitive()
                .write_only(),
            ),
            (
                "timeout",
                optional(
                    AttributeType::String,
                    format!("Bound of the invoke, stop, reset and waits included, such as `\"90s\"`, `\"20m\"`, `\"1h\"`; at most `{max}`. Default `\"{default}\"`."),
                ),
            ),
        ]
        .into_iter()
        .chain(reset_rules::power_attributes()),
        [],
    )
}
