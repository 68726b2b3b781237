//! A reset as the resource and the action both run it: the plan-time check that the instances
//! exist and can be reset, and the run itself, within its timeout and the stop signal, with its
//! log line and its report as diagnostics.

use std::collections::BTreeSet;

use tf_provider::Diagnostics;
use zenlayer_api::fleet::{ResetReport, ResetRequest, Statuses};
use zenlayer_api::Context;
use zenlayer_words::{listed, plural, quoted, quoted_list};

use crate::diagnostics::{error_at, root_error, root_warning};
use crate::durations::human;
use crate::provider_data::ProviderData;
use crate::reset_args::ResetArgs;
use crate::reset_report::{self, remove_terminal, Operation, ReportFacts};

/// Fails the plan for ids that do not exist or that the API will not reset (being released,
/// in the recycle bin, failed). Skipped when the provider could not be configured yet (its
/// configuration depends on unknown values). The read is bounded by one request timeout per
/// round of concurrent calls it needs, so that an endpoint that does not answer fails the plan
/// promptly.
pub(crate) async fn instances_can_be_reset(
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
                    crate::advice::advice_line(&e, None)
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
            listed(&terminal, zenlayer_words::LISTED),
            remove_terminal(n)
        ),
    );
    false
}

/// Above this many instances restarting at once without any budget, a plan warns.
const UNBOUNDED_WARNING: usize = 100;

/// The plan-time checks of how many instances restart at once, for a reset of `restarting`
/// instances with `args`: the provider's budget needs waiting (an error: false), and more
/// than [`UNBOUNDED_WARNING`] at once without any budget is worth a warning.
pub(crate) fn restarts_are_bounded(
    data: &ProviderData,
    diags: &mut Diagnostics,
    args: &ResetArgs,
    restarting: usize,
) -> bool {
    let provider_budget = data.operations().and_then(|f| f.max_unavailable());
    let waits = args.wait_for_running.as_ref_option() != Some(&false);
    if let (Some(budget), false) = (provider_budget, waits) {
        error_at(
            diags,
            "wait_for_running",
            "The provider's max_unavailable needs wait_for_running",
            format!(
                "The provider bounds how many instances are out of RUNNING at once (max_unavailable = {budget}), so it must see them come back: set wait_for_running = true (the default) here. Nothing was sent to the API."
            ),
        );
        return false;
    }
    if restarting > UNBOUNDED_WARNING && args.rollout().is_none() && provider_budget.is_none() {
        root_warning(
            diags,
            format!("{restarting} instances will restart at once"),
            format!(
                "A password reset restarts the instance, and nothing bounds how many restart together: all {restarting} will be out of RUNNING at the same time. Add a rollout block (rollout {{ max_unavailable = \"10%\" }}), or set max_unavailable in the provider block. To restart them all at once on purpose, say so with rollout {{ max_unavailable = \"100%\" }}."
            ),
        );
    }
    true
}

/// Runs `request` within `ctx` (its timeout, the provider's stop signal and, for an action,
/// where its progress goes), logs what it did and adds its report to `diags`, worded for
/// `operation`. `None`, with an error in `diags`, when the provider is not configured.
pub(crate) async fn run(
    data: &ProviderData,
    diags: &mut Diagnostics,
    request: ResetRequest,
    ctx: Context,
    operation: Operation,
) -> Option<ResetReport> {
    let fleet = data.configured_operations(diags)?;
    let timeout = ctx.timeout;
    let started = std::time::Instant::now();
    // In a task of its own: if Terraform goes away and this RPC is dropped, the reset still
    // ends with its last phase, which brings back the power it took away.
    let operation_task = data.stop().spawn_operation(async move {
        let report = fleet.reset_passwords(&request, &ctx).await;
        (request, report)
    });
    let (request, report) = match operation_task.await {
        Ok(done) => done,
        Err(e) => {
            root_error(
                diags,
                "The reset ended without a report",
                format!("The task that ran it failed inside the provider ({e}); check the instances' status in the Zenlayer console and apply again."),
            );
            return None;
        }
    };
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        requested = request.instance_ids.len(),
        reset = report.reset.len(),
        failures = report.failures.len(),
        reset_calls = report.request_ids.len(),
        stopped = report.stopped.len(),
        started = report.started.len(),
        "reset finished"
    );
    reset_report::add_diagnostics(
        diags,
        &report,
        &ReportFacts {
            operation,
            requested: &request.instance_ids,
            password: &request.password,
            shutdown_before_reset: request.shutdown_before_reset,
            timeout,
            stop_reason: data.stop().reason(),
        },
    );
    Some(report)
}
