//! The plan-time checks that look beyond the configuration: that the instances exist and can be
//! reset (one shared status read), and that no instance is listed by two resources.

use std::collections::BTreeSet;

use tf_provider::Diagnostics;
use zenlayer_api::fleet::Statuses;
use zenlayer_api::words::{listed, plural, quoted, quoted_list};

use super::lifecycle;
use super::state::State;
use crate::diagnostics::{error_at, root_error, root_warning};
use crate::durations::human;
use crate::provider_data::ProviderData;
use crate::reset_report::remove_terminal;

/// Fails the plan for ids that do not exist or that the API will not reset (being released,
/// in the recycle bin, failed). Skipped when the provider could not be configured yet (its
/// configuration depends on unknown values). The read is bounded by one request timeout per
/// round of concurrent calls it needs, so that an endpoint that does not answer fails the plan
/// promptly.
pub(super) async fn instances_can_be_reset(
    data: &ProviderData,
    diags: &mut Diagnostics,
    ids: &BTreeSet<String>,
) -> bool {
    if ids.is_empty() {
        return true;
    }
    let Some(fleet) = data.operations() else {
        tracing::debug!("provider not configured; existence check skipped");
        return true;
    };
    let list: Vec<String> = ids.iter().cloned().collect();
    let budget = fleet.status_read_budget(list.len());
    let ctx = zenlayer_api::Context::with_timeout(budget, data.stop().token());
    match fleet.statuses().read(&list, &ctx).await {
        Ok(found) => all_found(diags, &list, &found) & none_terminal(diags, &list, &found),
        Err(e) => {
            let n = list.len();
            root_error(
                diags,
                "Could not check that the instances exist",
                format!(
                    "{e}.\nThe check of {n} instance{} may take {}: one request_timeout ({}) per round of calls, plus a second.{}\nNothing was reset.",
                    plural(n),
                    human(budget),
                    human(fleet.request_timeout()),
                    crate::advice::advice_line(&e)
                ),
            );
            false
        }
    }
}

fn all_found(diags: &mut Diagnostics, ids: &[String], found: &Statuses) -> bool {
    let missing: Vec<&String> = ids.iter().filter(|id| !found.contains_key(*id)).collect();
    if missing.is_empty() {
        return true;
    }
    let n = missing.len();
    error_at(
        diags,
        "instance_ids",
        format!("{n} instance id{} not found", plural(n)),
        format!(
            "DescribeInstancesStatus does not know these instances: {}.\nCheck the ids (they look like \"ins-...\" in the Zenlayer console) and that the access key belongs to the account that owns them. Nothing was reset.",
            quoted_list(&missing)
        ),
    );
    false
}

fn none_terminal(diags: &mut Diagnostics, ids: &[String], found: &Statuses) -> bool {
    let terminal: Vec<String> = ids
        .iter()
        .filter_map(|id| {
            let status = found.get(id).filter(|s| s.is_terminal())?;
            Some(format!("{} ({status})", quoted(id)))
        })
        .collect();
    if terminal.is_empty() {
        return true;
    }
    let n = terminal.len();
    error_at(
        diags,
        "instance_ids",
        format!("{n} instance{} cannot be reset", plural(n)),
        format!(
            "{}.\n{} Nothing was reset.",
            listed(&terminal, zenlayer_api::words::LISTED),
            remove_terminal(n)
        ),
    );
    false
}

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
        zenlayer_api::words::LISTED,
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
