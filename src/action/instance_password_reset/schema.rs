//! The schema of `zenlayer_instance_password_reset`, from its declarations.

use tf_provider::schema::Schema;

use super::config::Config;
use crate::attributes::{object_schema, Stateful};

/// The action's schema. Actions keep no state, so nothing is computed.
pub(super) fn schema() -> Schema {
    object_schema::<Config>(
        1,
        "Resets the root/Administrator login password of a set of Zenlayer virtual machines when invoked (`terraform apply -invoke`, Terraform 1.14 and later) or when a resource's `action_trigger` fires. It keeps no state: each invoke resets every listed instance.",
        Stateful::No,
    )
}
