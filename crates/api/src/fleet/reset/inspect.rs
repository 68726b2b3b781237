//! The first phase: one status read of every instance, before anything is sent. Ids that do not
//! exist (a list known only at apply may name some) and instances in a status they do not come
//! back from are reported and left out, so that they never make the API refuse a whole batch;
//! the others' power state is remembered, so that each ends the operation as it was found.

use std::collections::BTreeSet;

use super::{Cause, Failure, ResetReport, Stage};
use crate::fleet::status::{describe_all, Statuses};
use crate::fleet::Operations;
use crate::{Context, InstanceStatus};

/// What the first phase found.
#[derive(Default)]
pub(super) struct Found {
    /// The instances to reset: those that exist and can be, in the order given.
    pub(super) candidates: Vec<String>,
    /// The instances STOPPED, or on their way there, when the operation began: they end it
    /// STOPPED.
    pub(super) was_stopped: BTreeSet<String>,
    /// Each instance's status as read.
    pub(super) statuses: Statuses,
}

impl Operations {
    /// Reads the status of `ids` once; reports the missing and terminal ones in `report`.
    pub(super) async fn inspect(
        &self,
        ids: &[String],
        ctx: &Context,
        report: &mut ResetReport,
    ) -> Found {
        let statuses = match describe_all(&self.client, ids, self.settings.batch_size, ctx).await {
            Ok(statuses) => statuses,
            Err(e) => {
                report.failures.push(Failure::api(Stage::Inspect, ids, e));
                return Found::default();
            }
        };
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !statuses.contains_key(*id))
            .cloned()
            .collect();
        if !missing.is_empty() {
            let failure = Failure::new(Stage::Inspect, &missing, Cause::NotFound);
            report.failures.push(failure);
        }
        let terminal: Vec<(String, Option<InstanceStatus>)> = ids
            .iter()
            .filter_map(|id| {
                let status = statuses.get(id).filter(|s| s.is_terminal())?;
                Some((id.clone(), Some(status.clone())))
            })
            .collect();
        if !terminal.is_empty() {
            report.failures.push(Failure {
                instances: terminal,
                ..Failure::new(Stage::Inspect, &[], Cause::Terminal(None))
            });
        }
        let candidates: Vec<String> = ids
            .iter()
            .filter(|id| statuses.get(*id).is_some_and(|s| !s.is_terminal()))
            .cloned()
            .collect();
        let was_stopped = candidates
            .iter()
            .filter(|id| {
                matches!(
                    statuses.get(*id),
                    Some(InstanceStatus::Stopped | InstanceStatus::Stopping)
                )
            })
            .cloned()
            .collect();
        Found {
            candidates,
            was_stopped,
            statuses,
        }
    }
}
