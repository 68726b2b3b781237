//! The Terraform provider `zenlayer`: its schema, configuration, and the state shared with the
//! resource (the configured [`Fleet`]). Free of HTTP details.

pub(crate) mod advice;
mod arguments;
pub(crate) mod config;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use tf_provider::schema::{Attribute, Block, Description, Schema};
use tf_provider::value::ValueEmpty;
use tf_provider::{Diagnostics, DynamicDataSource, DynamicResource, Provider};

use crate::data_source::InstancesDataSource;
use crate::diagnostics::root_error;
use crate::resource::{Claims, InstancePasswordResource};
use crate::stop::Stop;
use config::ProviderConfig;
use zenlayer_api::fleet::Fleet;
use zenlayer_api::{Client, Context};

/// How long a read of the API (a refresh, a data source) may take in all.
const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// What the provider shares with its resources.
#[derive(Debug)]
pub struct Shared {
    fleet: RwLock<Option<Arc<Fleet>>>,
    stop: Stop,
    claims: Claims,
}

impl Shared {
    /// State for a provider whose operations stop when `stop` fires.
    pub fn new(stop: Stop) -> Self {
        Shared {
            fleet: RwLock::new(None),
            stop,
            claims: Claims::default(),
        }
    }

    /// The configured fleet, if ConfigureProvider succeeded.
    pub fn fleet(&self) -> Option<Arc<Fleet>> {
        self.fleet.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The configured fleet, or an error in `diags` saying that the provider is not
    /// configured, for an operation that must call the API.
    pub(crate) fn configured_fleet(&self, diags: &mut Diagnostics) -> Option<Arc<Fleet>> {
        let fleet = self.fleet();
        if fleet.is_none() {
            root_error(
                diags,
                "The zenlayer provider is not configured",
                "The provider block could not be configured (see the errors above), so no API call can be made.",
            );
        }
        fleet
    }

    /// The bounds of a read (a refresh, a data source): [`READ_TIMEOUT`], and the stop signal.
    pub(crate) fn read_context(&self) -> Context {
        Context::with_timeout(READ_TIMEOUT, self.stop.token())
    }

    /// Which resource claimed each instance first in this process.
    pub(crate) fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The stop signal.
    pub fn stop(&self) -> &Stop {
        &self.stop
    }

    fn set_fleet(&self, fleet: Arc<Fleet>) {
        *self.fleet.write().unwrap_or_else(|e| e.into_inner()) = Some(fleet);
    }
}

/// The provider.
#[derive(Debug, Clone)]
pub struct ZenlayerProvider {
    shared: Arc<Shared>,
}

impl ZenlayerProvider {
    /// A provider whose operations stop when `stop` fires.
    pub fn new(stop: Stop) -> Self {
        ZenlayerProvider {
            shared: Arc::new(Shared::new(stop)),
        }
    }
}

/// The provider block's schema, from the table of arguments.
pub fn provider_schema() -> Schema {
    let attributes: HashMap<String, Attribute> = arguments::ALL
        .iter()
        .map(|a| (a.name.to_string(), a.attribute()))
        .collect();
    Schema {
        version: 1,
        block: Block {
            version: 1,
            attributes,
            description: Description::markdown(
                "Resets the root/Administrator login password of Zenlayer virtual machines through the Zenlayer Cloud API.",
            ),
            ..Default::default()
        },
    }
}

#[async_trait]
impl Provider for ZenlayerProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(provider_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        let errors = config::check_arguments(&config);
        if errors.is_empty() {
            Some(())
        } else {
            crate::diagnostics::report(diags, errors);
            None
        }
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        let resolved = match config::resolve(&config, &config::process_env) {
            Ok(r) => r,
            Err(errors) => {
                crate::diagnostics::report(diags, errors);
                return None;
            }
        };
        tracing::info!(
            terraform_version = %terraform_version,
            endpoint = %resolved.client.endpoint,
            max_concurrency = resolved.client.max_concurrency,
            batch_size = resolved.fleet.batch_size,
            "provider configured"
        );
        // SIGTERM lets an operation in progress finish its calls and start again the instances
        // it stopped.
        self.shared.stop().set_call_bound(
            resolved
                .client
                .request_timeout
                .saturating_add(zenlayer_api::fleet::POWER_RESTORE_BOUND),
        );
        let client = match Client::new(resolved.client) {
            Ok(c) => Arc::new(c),
            Err(e) => {
                root_error(diags, "Could not set up the API client", e.to_string());
                return None;
            }
        };
        self.shared.set_fleet(Arc::new(Fleet::new(
            client,
            resolved.fleet,
            self.shared.stop().token(),
        )));
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        let resource: Box<dyn DynamicResource> =
            Box::new(InstancePasswordResource::new(self.shared.clone()));
        Some(HashMap::from([("instance_password".to_string(), resource)]))
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        let instances: Box<dyn DynamicDataSource> =
            Box::new(InstancesDataSource::new(self.shared.clone()));
        Some(HashMap::from([("instances".to_string(), instances)]))
    }
}
