//! The plan-time check that looks beyond one resource: that no instance is listed by two
//! resources. (That the instances exist and can be reset is checked in `crate::reset`, which the
//! action shares.)

use std::collections::BTreeSet;

use tf_provider::Diagnostics;
use zenlayer_words::{listed, plural, quoted};

use super::lifecycle;
use super::state::State;
use crate::diagnostics::root_warning;
use crate::provider_data::ProviderData;

/// How many of its instances name another resource in a message: Terraform does not tell a
/// provider its resources' addresses.
const NAMING_INSTANCES: usize = 3;

/// Warns when an instance of `config` is also listed by another resource planned by this
/// provider: the last apply's password wins and the other state would claim a password the
/// instance no longer has.
pub(super) fn warn_shared_instances(
    data: &ProviderData,
    diags: &mut Diagnostics,
    config: &State,
    ids: &BTreeSet<String>,
) {
    let name = format!(
        "the zenlayer_instance_password of {}",
        listed(ids.iter().map(|id| quoted(id)), NAMING_INSTANCES)
    );
    let fingerprint = lifecycle::fingerprint(data.listings().hasher(), config, ids);
    let shared_ids = data.listings().list(ids, fingerprint, &name);
    if shared_ids.is_empty() {
        return;
    }
    let n = shared_ids.len();
    let each = listed(
        shared_ids
            .iter()
            .map(|(id, other)| format!("{} is also listed by {other}", quoted(id))),
        zenlayer_words::LISTED,
    );
    root_warning(
        diags,
        format!(
            "{n} instance{} also listed by another zenlayer_instance_password",
            plural(n)
        ),
        format!(
            "{each}, with other instances or another password. Each apply sets the password of the resource applied last, and the other resource's state then claims a password these instances no longer have. List each instance in one resource only."
        ),
    );
}
