//! `zenlayer_instance_password_reset`: resets the password of a set of instances when invoked.
//!
//! - validate: the password rule, the ids and the timeout (nothing is sent when they fail).
//! - plan: the same, and that the known ids exist and can be reset (one shared status read).
//! - invoke: every value must be known; then the same fleet operation as the resource (batches,
//!   power state, waits, retries, bringing power back), with a progress line per reset call and
//!   per round of waiting, and a report of what is known per instance. Nothing is recorded.

mod config;
mod schema;

use std::sync::Arc;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::{Action, ActionProgress, ClientCapabilities, Diagnostics};
use zenlayer_api::fleet::ResetReport;
use zenlayer_api::Progress;
use zenlayer_words::plural;

use super::progress::ActionLines;
use crate::diagnostics::{add_problems, root_warning};
use crate::provider_data::ProviderData;
use crate::reset;
use crate::reset_report::Operation;
use config::{Config, NAME};

/// `zenlayer_instance_password_reset`, resetting through the provider's data.
#[derive(Debug, Clone)]
pub(crate) struct InstancePasswordResetAction {
    data: Arc<ProviderData>,
}

impl InstancePasswordResetAction {
    /// The action of a provider.
    pub(crate) fn new(data: Arc<ProviderData>) -> Self {
        InstancePasswordResetAction { data }
    }
}

/// The last progress line: what the invoke did, in numbers.
fn summary(report: &ResetReport, requested: usize) -> String {
    let calls = report.request_ids.len();
    let ending = if report.failures.is_empty() {
        "finished"
    } else {
        "ended with errors (below)"
    };
    let rollout = report.rollout.map_or(String::new(), |r| {
        let c = r.counts;
        format!(
            "; rollout: reset {} of {}, {} failed, {} not reached",
            c.reset, c.total, c.failed, c.not_reached
        )
    });
    format!(
        "{ending}: the password was reset on {} of {requested} instance{} ({calls} accepted call{}){rollout}",
        report.reset.len(),
        plural(requested),
        plural(calls)
    )
}

#[async_trait]
impl Action for InstancePasswordResetAction {
    type Config<'a> = Config;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema::schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        add_problems(diags, config.problems()).then_some(())
    }

    async fn plan<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::Config<'a>,
        _capabilities: ClientCapabilities,
    ) -> Option<()> {
        if !add_problems(diags, config.problems()) {
            return None;
        }
        let ids = crate::attributes::known_strings(&config.instance_ids).unwrap_or_default();
        let bounded = reset::restarts_are_bounded(&self.data, diags, &config.reset, ids.len());
        (bounded && reset::instances_can_be_reset(&self.data, diags, &ids).await).then_some(())
    }

    async fn invoke<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::Config<'a>,
        _capabilities: ClientCapabilities,
        progress: ActionProgress,
    ) -> Option<()> {
        let mut problems = config.problems();
        problems.extend(config.unknown_problem());
        if !add_problems(diags, problems) {
            return None;
        }
        let ids = crate::attributes::known_strings(&config.instance_ids)?;
        let password = config.password_wo.as_ref_option()?;
        let listed = ids.len();
        let request = config
            .reset
            .request(ids.into_iter().collect(), listed, password.clone());
        let requested = request.instance_ids.len();
        let lines = ActionLines::new(
            progress,
            self.data.stop().token(),
            self.data.streams_action_progress(),
        );
        let ctx = self
            .data
            .reset_context(config.timeout())
            .with_progress(Progress::new(lines.sink()));
        let report = reset::run(&self.data, diags, request, ctx, Operation::Invoke).await;
        let last = report.as_ref().map(|r| summary(r, requested));
        let unsent = lines.finish(last).await;
        if let (Some(line), Some(report)) = (unsent, &report) {
            if report.failures.is_empty() {
                root_warning(
                    diags,
                    format!("{NAME} {line}"),
                    "This Terraform (1.14 or 1.15) crashes on progress events that arrive after Ctrl-C, so the provider sends none: the lines are in the provider's log (TF_LOG_PROVIDER=INFO), and this is the last one. Terraform 1.16 and later show them as they come.",
                );
            }
        }
        report.map(drop)
    }
}
