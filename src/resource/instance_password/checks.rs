//! The plan-time checks that look beyond the configuration: that the instances exist and can be
//! reset (one shared status read), and that no instance is claimed by two resources.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, Hash, Hasher};

use tf_provider::{AttributePath, Diagnostics};
use zenlayer_api::fleet::Statuses;
use zenlayer_api::Context;

use super::report::{self, plural};
use super::state::State;
use crate::provider::diagnostics::{error_at, root_error, root_warning};
use crate::provider::Shared;

/// How many ids a plan-time error lists before it only counts the rest.
const LISTED: usize = 50;

/// `a, b, c and 3 more`
fn listed<T: AsRef<str>>(items: &[T]) -> String {
    let shown: Vec<&str> = items.iter().take(LISTED).map(AsRef::as_ref).collect();
    let more = items.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{}{tail}", shown.join(", "))
}

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
    let ctx = Context::with_timeout(fleet.status_read_budget(list.len()), shared.stop().token());
    match fleet.statuses().read(&list, &ctx).await {
        Ok(found) => all_found(diags, &list, &found) & none_terminal(diags, &list, &found),
        Err(e) => {
            root_error(
                diags,
                "Could not check that the instances exist",
                format!(
                    "{e}.{}\nNothing was reset.",
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
    error_at(
        diags,
        AttributePath::new("instance_ids"),
        format!("{} instance id{} not found", missing.len(), plural(missing.len())),
        format!(
            "DescribeInstancesStatus does not know these instances: {}.\nCheck the ids (they look like \"ins-...\" in the Zenlayer console) and that the access key belongs to the account that owns them. Nothing was reset.",
            listed(&missing)
        ),
    );
    false
}

fn none_terminal(diags: &mut Diagnostics, ids: &[String], found: &Statuses) -> bool {
    let terminal: Vec<String> = ids
        .iter()
        .filter_map(|id| {
            let status = found.get(id).filter(|s| s.is_terminal())?;
            Some(format!("{id} ({status})"))
        })
        .collect();
    if terminal.is_empty() {
        return true;
    }
    let n = terminal.len();
    error_at(
        diags,
        AttributePath::new("instance_ids"),
        format!("{n} instance{} cannot be reset", plural(n)),
        format!(
            "{}.\n{} Nothing was reset.",
            listed(&terminal),
            report::remove_terminal(n)
        ),
    );
    false
}

/// Which resource configuration claimed each instance first, among the resources this
/// provider process has planned.
#[derive(Debug, Default)]
pub(crate) struct Claims {
    hasher: std::collections::hash_map::RandomState,
    first: std::sync::Mutex<BTreeMap<String, u64>>,
}

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
    /// configuration claimed first. Planning the same resource twice (as a replacement does)
    /// claims nothing new.
    fn claim(&self, config: &State, ids: &BTreeSet<String>) -> Vec<String> {
        let fingerprint = self.fingerprint(config, ids);
        let mut first = self.first.lock().unwrap_or_else(|e| e.into_inner());
        ids.iter()
            .filter(|id| *first.entry((*id).clone()).or_insert(fingerprint) != fingerprint)
            .cloned()
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
    root_warning(
        diags,
        format!("{n} instance{} also listed by another zenlayer_instance_password", plural(n)),
        format!(
            "{} {} in another zenlayer_instance_password with other instances or another password. Each apply sets the password of the resource applied last, and the other resource's state then claims a password these instances no longer have. List each instance in one resource only.",
            listed(&shared_ids),
            if n == 1 { "is also" } else { "are also" }
        ),
    );
}
