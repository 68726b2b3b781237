//! The schema of `zenlayer_instance_password`, from its declarations.

use tf_provider::schema::Schema;

use super::state::State;
use crate::attributes::{object_schema, Stateful};

/// The schema's version: 2 since `instance_ids` is a list (it was a set in version 1).
pub(crate) const VERSION: i64 = 2;

/// The resource's schema.
pub(crate) fn schema() -> Schema {
    object_schema::<State>(
        VERSION,
        "Sets the root/Administrator login password of a set of Zenlayer virtual machines through the ResetInstancesPassword API. Destroying it calls no API: the instances keep their current password.",
        Stateful::Yes,
    )
}
