//! The plan-time checks that look beyond the configuration: that the instances exist and can be
//! reset (one shared status read), and that no instance is claimed by two resources.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use tf_provider::Diagnostics;
use zenlayer_api::fleet::Statuses;
use zenlayer_api::words::{listed, plural, quoted, quoted_list};

use super::report::remove_terminal;
use super::state::State;
use crate::diagnostics::{error_at, root_error, root_warning};
use crate::durations::human;
use crate::provider::Shared;

/// Fails the plan for ids that do not exist or that the API will not reset (being released,
/// in the recycle bin, failed). Skipped when the provider could not be configured yet (its
/// configuration depends on unknown values). The read is bounded by one request timeout per
/// round of concurrent calls it needs, so that an endpoint that does not answer fails the plan
/// promptly.
pub(super) async fn instances_can_be_reset(
    shared: &Shared,
    diags: &mut Diagnostics,
    ids: &BTreeSet<String>,
) -> bool {
    if ids.is_empty() {
        return true;
    }
    let Some(fleet) = shared.fleet() else {
        tracing::debug!("provider not configured; existence check skipped");
        return true;
    };
    let list: Vec<String> = ids.iter().cloned().collect();
    let budget = fleet.status_read_budget(list.len());
    let ctx = zenlayer_api::Context::with_timeout(budget, shared.stop().token());
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
                    crate::provider::advice::advice_line(&e)
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

/// The first resource configuration that claimed an instance, among the resources this
/// provider process has planned.
#[derive(Debug)]
struct Claim {
    /// What it sets (see [`Claims::fingerprint`]).
    fingerprint: u64,
    /// How messages name it: Terraform does not tell a provider its resources' addresses, so
    /// by its instances.
    name: Arc<str>,
}

/// Which resource configuration claimed each instance first.
#[derive(Debug, Default)]
pub(crate) struct Claims {
    hasher: std::collections::hash_map::RandomState,
    first: std::sync::Mutex<BTreeMap<String, Claim>>,
}

/// How many of its instances name another resource in a message.
const NAMING_INSTANCES: usize = 3;

impl Claims {
    /// A fingerprint of what a configuration sets: its instances and its password (keyed with
    /// this process's random state; never shown, never stored).
    fn fingerprint(&self, config: &State, ids: &BTreeSet<String>) -> u64 {
        let mut h = self.hasher.build_hasher();
        ids.hash(&mut h);
        for value in [&config.password, &config.password_wo] {
            value.as_ref_option().map(|s| s.expose()).hash(&mut h);
        }
        config.password_wo_version.as_ref_option().hash(&mut h);
        h.finish()
    }

    /// Records that `config` sets the password of `ids`; returns the ids some other
    /// configuration claimed first, each with that configuration's name. Planning the same
    /// resource twice (as a replacement does) claims nothing new.
    fn claim(&self, config: &State, ids: &BTreeSet<String>) -> Vec<(String, Arc<str>)> {
        let fingerprint = self.fingerprint(config, ids);
        let name: Arc<str> = format!(
            "the zenlayer_instance_password of {}",
            listed(ids.iter().map(|id| quoted(id)), NAMING_INSTANCES)
        )
        .into();
        let mut first = self.first.lock().unwrap_or_else(|e| e.into_inner());
        ids.iter()
            .filter_map(|id| {
                let claim = first.entry(id.clone()).or_insert_with(|| Claim {
                    fingerprint,
                    name: name.clone(),
                });
                (claim.fingerprint != fingerprint).then(|| (id.clone(), claim.name.clone()))
            })
            .collect()
    }
}

/// Warns when an instance of `config` is also listed by another resource planned by this
/// provider: the last apply's password wins and the other state would claim a password the
/// instance no longer has.
pub(super) fn warn_shared_instances(
    shared: &Shared,
    diags: &mut Diagnostics,
    config: &State,
    ids: &BTreeSet<String>,
) {
    let shared_ids = shared.claims().claim(config, ids);
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
