//! `zenlayer_instance_password`: sets the root/Administrator password of a set of instances.
//!
//! Lifecycle:
//! - plan: the password rule and the ids are checked (nothing is sent when they fail); known
//!   ids that do not exist fail the plan; a new password means replacement.
//! - create: reset every instance; update: reset only the added ones; both record in state only
//!   the instances whose reset succeeded.
//! - read: instances that no longer exist are dropped; with none left the resource is gone.
//! - delete: calls nothing (a password cannot be un-reset) and says so.

mod lifecycle;
mod plan_checks;
mod schema;
mod state;

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, ClientCapabilities, Diagnostics, RawValue, Resource};

use crate::attributes::Declared;
use crate::diagnostics::{add_problems, root_error, root_warning};
use crate::provider_data::ProviderData;
use crate::reset;
use lifecycle::Change;
use state::{Operation, State};
use zenlayer_words::{either, plural, quoted_list};

/// `zenlayer_instance_password`, resetting through the provider's data.
#[derive(Debug, Clone)]
pub(crate) struct InstancePasswordResource {
    data: Arc<ProviderData>,
}

impl InstancePasswordResource {
    /// The statuses of those of `ids` that exist (a refresh's read); `None`, with an error that
    /// says how to destroy without the API, when the read fails.
    async fn existing(
        &self,
        diags: &mut Diagnostics,
        ids: &BTreeSet<String>,
    ) -> Option<zenlayer_api::fleet::Statuses> {
        let operations = self.data.configured_operations(diags)?;
        let list: Vec<String> = ids.iter().cloned().collect();
        match operations
            .statuses()
            .read(&list, &self.data.read_context())
            .await
        {
            Ok(found) => Some(found),
            Err(e) => {
                root_error(
                    diags,
                    "Could not refresh zenlayer_instance_password",
                    format!(
                        "{e}.{}\nDestroying does not need the API: if you are destroying, `terraform destroy -refresh=false` works while the API is out of reach.",
                        crate::advice::advice_line(&e, None)
                    ),
                );
                None
            }
        }
    }

    /// The resource of a provider.
    pub(crate) fn new(data: Arc<ProviderData>) -> Self {
        InstancePasswordResource { data }
    }

    /// Adds the plan-time problems of `state` to `diags`; true when there were none.
    fn config_is_valid(diags: &mut Diagnostics, state: &State) -> bool {
        add_problems(diags, state.problems())
    }

    /// Resets `ids` and reports into `diags`. Returns the ids reset and the request ids.
    /// `state` is the planned state; `config` the configuration, the only place that holds
    /// `password_wo`.
    async fn reset(
        &self,
        diags: &mut Diagnostics,
        state: &State,
        config: &State,
        ids: &BTreeSet<String>,
        operation: Operation,
    ) -> Option<(BTreeSet<String>, Vec<String>)> {
        // The password may have been unknown at plan time: check it again before sending it.
        if !Self::config_is_valid(diags, config) {
            return None;
        }
        let Some(password) = state.password_to_send(config) else {
            root_error(
                diags,
                "The password is not known",
                "The password must be known when the resource is applied.",
            );
            return None;
        };
        let listed = state.known_ids().map_or(ids.len(), |all| all.len());
        let request = state
            .reset
            .request(ids.iter().cloned().collect(), listed, password.clone());
        let ctx = self.data.reset_context(state.timeout(operation));
        let report = reset::run(&self.data, diags, request, ctx, operation).await?;
        Some((report.reset, report.request_ids))
    }
}

#[async_trait]
impl Resource for InstancePasswordResource {
    type State<'a> = State;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema::schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        self.validate_with_capabilities(diags, config, ClientCapabilities::default())
            .await
    }

    async fn validate_with_capabilities<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        capabilities: ClientCapabilities,
    ) -> Option<()> {
        let mut problems = config.problems();
        problems.extend(config.write_only_problem(capabilities.write_only_attributes_allowed));
        add_problems(diags, problems).then_some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Some(ids) = state.known_ids() else {
            return Some((state, private_state));
        };
        let Some(found) = self.existing(diags, &ids).await else {
            return Some((state, private_state));
        };
        let (kept, gone): (Vec<String>, Vec<String>) =
            ids.into_iter().partition(|id| found.contains_key(id));
        if gone.is_empty() {
            return Some((state, private_state));
        }
        tracing::info!(
            dropped = gone.len(),
            kept = kept.len(),
            "instances no longer exist"
        );
        if kept.is_empty() {
            root_warning(
                diags,
                "All instances of a zenlayer_instance_password are gone",
                format!(
                    "None of its instances exist any more ({}); the resource is removed from state.",
                    quoted_list(&gone)
                ),
            );
            return None;
        }
        root_warning(
            diags,
            match gone.len() {
                1 => "1 instance no longer exists".to_string(),
                n => format!("{n} instances no longer exist"),
            },
            format!("Dropped from state: {}.", quoted_list(&gone)),
        );
        let mut state = state;
        state.keep_only(&kept.into_iter().collect());
        Some((state, private_state))
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut state = proposed_state;
        if !Self::config_is_valid(diags, &state) {
            return None;
        }
        state.apply_defaults();
        state.id = Value::Unknown;
        state.request_ids = Value::Unknown;
        if let Some(ids) = state.known_ids() {
            if !reset::instances_can_be_reset(&self.data, diags, &ids).await
                || !reset::restarts_are_bounded(&self.data, diags, &state.reset, ids.len())
            {
                return None;
            }
            plan_checks::warn_shared_instances(&self.data, diags, &config_state, &ids);
        }
        Some((state, ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let mut state = proposed_state;
        if !Self::config_is_valid(diags, &state) {
            return None;
        }
        state.apply_defaults();
        if let Some(ids) = state.known_ids() {
            plan_checks::warn_shared_instances(&self.data, diags, &config_state, &ids);
        }
        let added = match lifecycle::change(&state, &prior_state) {
            Change::Replace(arguments) => {
                // The create of the replacement resets every instance again.
                state.id = Value::Unknown;
                state.request_ids = Value::Unknown;
                let ids = state.known_ids().unwrap_or_default();
                if !reset::instances_can_be_reset(&self.data, diags, &ids).await
                    || !reset::restarts_are_bounded(&self.data, diags, &state.reset, ids.len())
                {
                    return None;
                }
                let paths = arguments.into_iter().map(AttributePath::new).collect();
                return Some((state, prior_private_state, paths));
            }
            Change::Reset(added) => added,
            Change::Unknown => BTreeSet::new(),
        };
        state.id = prior_state.id.clone();
        state.request_ids = if state.known_ids().is_some() && added.is_empty() {
            prior_state.request_ids.clone()
        } else {
            Value::Unknown
        };
        if !reset::instances_can_be_reset(&self.data, diags, &added).await
            || !reset::restarts_are_bounded(&self.data, diags, &state.reset, added.len())
        {
            return None;
        }
        Some((state, prior_private_state, vec![]))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Some(ids) = planned_state.known_ids() else {
            root_error(
                diags,
                "instance_ids is not known",
                "instance_ids must be known when the resource is applied.",
            );
            return None;
        };
        let (reset, request_ids) = self
            .reset(
                diags,
                &planned_state,
                &config_state,
                &ids,
                Operation::Create,
            )
            .await?;
        if reset.is_empty() {
            // Nothing was reset: nothing may be recorded.
            return None;
        }
        let mut state = planned_state;
        state.id = Value::Value(state::new_id(&ids));
        state.keep_only(&reset);
        state.set_request_ids(&request_ids);
        Some((state, planned_private_state))
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let (Some(new), Some(old)) = (planned_state.known_ids(), prior_state.known_ids()) else {
            root_error(
                diags,
                "instance_ids is not known",
                "instance_ids must be known when the resource is applied.",
            );
            return Some((prior_state, planned_private_state));
        };
        let added = lifecycle::added(&new, &old);
        let mut state = planned_state;
        state.id = prior_state.id.clone();
        if added.is_empty() {
            // Removing instances, or changing only shutdown_before_reset, wait_for_running or
            // timeouts, calls no API.
            state.request_ids = prior_state.request_ids.clone();
            return Some((state, planned_private_state));
        }
        let (reset, request_ids) = self
            .reset(diags, &state, &config_state, &added, Operation::Update)
            .await
            .unwrap_or_default();
        state.keep_only(&lifecycle::recorded_after_update(&new, &old, &reset));
        if request_ids.is_empty() {
            state.request_ids = prior_state.request_ids.clone();
        } else {
            state.set_request_ids(&request_ids);
        }
        Some((state, planned_private_state))
    }

    async fn upgrade<'a>(
        &self,
        diags: &mut Diagnostics,
        version: i64,
        prior_state: RawValue,
    ) -> Option<Self::State<'a>> {
        // Version 1 kept instance_ids as a set, which state holds as a JSON array in sorted
        // order: the same array reads as this version's list.
        tracing::info!(from = version, to = schema::VERSION, "upgrading the state");
        prior_state.deserialize(diags)
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        _id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        root_error(
            diags,
            "zenlayer_instance_password cannot be imported",
            "The API never returns a password, so there is nothing to import: declare the resource and apply it, which sets the password.",
        );
        None
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        // True of a destroy and of the destroy half of a replacement alike: the destroy itself
        // changes nothing, and a replacement's create then sets the new password.
        let n = prior_state.known_ids().map_or(0, |ids| ids.len());
        root_warning(
            diags,
            "Destroying zenlayer_instance_password changes no password",
            format!(
                "It is only removed from state: a password cannot be un-reset, so no API was called, and the {n} instance{} {} the password {} (when the resource is being replaced, its new password is set next).",
                plural(n),
                either(n, "keeps", "keep"),
                either(n, "it has", "they have"),
            ),
        );
        Some(())
    }
}
