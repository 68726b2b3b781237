//! `zenlayer_instances`: selects instances with DescribeInstances (every page), so that a
//! configuration names a fleet by its zone, tags, name and the like rather than by listing ids.
//!
//! - `filters`: the arguments, their plan-time checks, and the API filter they make.
//! - `schema`: the schema.
//!
//! Server-side filters go to the API, and every row that comes back is checked against them
//! again here (the API's handling of some is not documented); `name_regex` and
//! `resettable_only` are applied here only.

mod filters;
mod schema;

use std::sync::Arc;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{DataSource, Diagnostics};
use zenlayer_api::fleet::Selection;
use zenlayer_api::{InstanceInfo, InstanceStatus};
use zenlayer_words::{either, listed, plural, quoted, LISTED};

use crate::advice::advice_line;
use crate::attributes::Declared;
use crate::diagnostics::{add_problems, root_error, root_warning};
use crate::provider_data::ProviderData;
use filters::{InstanceRow, InstancesState};

/// `zenlayer_instances`, reading the API through the provider's data.
#[derive(Debug, Clone)]
pub(crate) struct InstancesDataSource {
    data: Arc<ProviderData>,
}

impl InstancesDataSource {
    /// The data source of a provider.
    pub(crate) fn new(data: Arc<ProviderData>) -> Self {
        InstancesDataSource { data }
    }

    /// The instances `config` selects, from the API; `None` (with an error) when the read
    /// fails.
    async fn select(&self, diags: &mut Diagnostics, config: &InstancesState) -> Option<Selection> {
        let fleet = self.data.configured_operations(diags)?;
        let ctx = self.data.read_context();
        match fleet.describe_instances(&config.filter(), &ctx).await {
            Ok(selection) => Some(selection),
            Err(e) => {
                root_error(
                    diags,
                    "Could not read the instances",
                    format!("{e}.{}", advice_line(&e, None)),
                );
                None
            }
        }
    }
}

/// Warns that the filters in `empty` (empty lists or maps) select nothing.
fn warn_empty_filters(diags: &mut Diagnostics, empty: &[&'static str]) {
    root_warning(
        diags,
        "An empty filter selects nothing",
        format!(
            "{} {} empty, and an empty list or map selects nothing: a selection is never wider \
             than asked. Not to filter on {}, remove it or set it to null; a data source with no \
             filter at all selects every instance.",
            listed(empty, LISTED),
            either(empty.len(), "is", "are"),
            either(empty.len(), "it", "them"),
        ),
    );
}

/// Warns about the rows the API returned that do not pass the filters.
fn warn_left_out(diags: &mut Diagnostics, left_out: &[(String, &'static str)]) {
    let n = left_out.len();
    root_warning(
        diags,
        format!("{n} instance{} returned by the API left out", plural(n)),
        format!(
            "DescribeInstances returned {n} instance{} that did not pass its filters, and the \
             provider left {} out (the filter each fails is in brackets): {}. The provider checks \
             every row against every filter, whatever the API does with them.",
            plural(n),
            either(n, "it", "them"),
            listed(
                left_out
                    .iter()
                    .map(|(id, f)| format!("{} ({f})", quoted(id))),
                LISTED
            ),
        ),
    );
}

/// Whether `info` stays in the selection after the provider's own filters.
fn kept(info: &InstanceInfo, name: Option<&regex::Regex>, resettable_only: bool) -> bool {
    let named = name.is_none_or(|r| r.is_match(info.name.as_deref().unwrap_or_default()));
    let resettable = !resettable_only
        || !info
            .status
            .as_deref()
            .is_some_and(|s| InstanceStatus::parse(s).is_terminal());
    named && resettable
}

#[async_trait]
impl DataSource for InstancesDataSource {
    type State<'a> = InstancesState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema::schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        add_problems(diags, config.problems()).then_some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        if !add_problems(diags, config.problems()) {
            return None;
        }
        let name = config.name_regex();
        let empty = config.empty_filters();
        let selection = if empty.is_empty() {
            self.select(diags, &config).await?
        } else {
            warn_empty_filters(diags, &empty);
            Selection::default()
        };
        if !selection.left_out.is_empty() {
            warn_left_out(diags, &selection.left_out);
        }
        let resettable_only = config.resettable_only();
        let config_details = config.details();
        let selected: Vec<InstanceRow> = selection
            .instances
            .into_iter()
            .filter(|i| kept(i, name.as_ref(), resettable_only))
            .map(InstanceRow::from)
            .collect();
        tracing::info!(found = selected.len(), "instances selected");
        let mut state = config;
        state.ids = Value::Value(
            selected
                .iter()
                .map(|i| Value::Value(i.id().to_string()))
                .collect(),
        );
        state.instances = if config_details {
            Value::Value(selected)
        } else {
            Value::Null
        };
        Some(state)
    }
}
