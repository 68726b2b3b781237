//! The Terraform provider `zenlayer`: its block's schema and configuration, which builds the
//! API operations into the [`ProviderData`] its resources and data sources share. It builds no
//! request itself.

mod arguments;
pub(crate) mod config;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{Diagnostics, DynamicAction, DynamicDataSource, DynamicResource, Provider};

use crate::action::InstancePasswordResetAction;
use crate::attributes::Declared as _;
use crate::data_source::InstancesDataSource;
use crate::diagnostics::root_error;
use crate::provider_data::ProviderData;
use crate::resource::InstancePasswordResource;
use crate::stop::Stop;
use config::ProviderConfig;
use zenlayer_api::fleet::Operations;
use zenlayer_api::Client;

/// The provider `zenlayer` as tf-provider serves it; its [`ProviderData`] is shared with every
/// resource and data source it hands out.
#[derive(Debug, Clone)]
pub struct ZenlayerProvider {
    data: Arc<ProviderData>,
}

impl ZenlayerProvider {
    /// A provider whose operations stop when `stop` fires.
    pub fn new(stop: Stop) -> Self {
        ZenlayerProvider {
            data: Arc::new(ProviderData::new(stop)),
        }
    }
}

/// The provider block's schema, from its declarations.
pub fn provider_schema() -> Schema {
    crate::attributes::object_schema::<ProviderConfig>(
        1,
        "Resets the root/Administrator login password of Zenlayer virtual machines through the Zenlayer Cloud API.",
        crate::attributes::Stateful::No,
    )
}

#[async_trait]
impl Provider for ZenlayerProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(provider_schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        let errors = config.problems();
        if errors.is_empty() {
            Some(())
        } else {
            crate::diagnostics::add_problems(diags, errors);
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
                crate::diagnostics::add_problems(diags, errors);
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
        self.data.stop().set_call_bound(
            resolved
                .client
                .request_timeout
                .saturating_add(zenlayer_api::fleet::POWER_RESTORE_BOUND),
        );
        if let Err(e) = zenlayer_api::proxy_for(&resolved.client.endpoint, &config::process_env) {
            root_error(
                diags,
                "Unsupported proxy",
                format!("{e}. Nothing was sent to the API."),
            );
            return None;
        }
        for problem in zenlayer_api::certificate_file_problems() {
            crate::diagnostics::root_warning(
                diags,
                "A certificate file the environment names is ignored",
                format!("{problem}. The provider trusts the machine's certificate store instead (or its built-in roots where the machine has none), so an endpoint whose certificate authority is only in that file fails its TLS handshake. Point the variable at a PEM file of certificates, or unset it."),
            );
        }
        let client = match Client::new(resolved.client) {
            Ok(c) => Arc::new(c),
            Err(e) => {
                root_error(diags, "Could not set up the API client", e.to_string());
                return None;
            }
        };
        self.data.set_terraform_version(&terraform_version);
        self.data.set_operations(Arc::new(Operations::new(
            client,
            resolved.fleet,
            self.data.stop().token(),
        )));
        Some(())
    }

    /// Terraform's StopProvider (Ctrl-C, a cancelled run): every wait ends at once.
    fn stop(&self) {
        self.data.stop().fire(crate::stop::StopReason::StopProvider);
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        let resource: Box<dyn DynamicResource> =
            Box::new(InstancePasswordResource::new(self.data.clone()));
        Some(HashMap::from([("instance_password".to_string(), resource)]))
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        let instances: Box<dyn DynamicDataSource> =
            Box::new(InstancesDataSource::new(self.data.clone()));
        Some(HashMap::from([("instances".to_string(), instances)]))
    }

    fn get_actions(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicAction>>> {
        let reset: Box<dyn DynamicAction> =
            Box::new(InstancePasswordResetAction::new(self.data.clone()));
        Some(HashMap::from([(
            "instance_password_reset".to_string(),
            reset,
        )]))
    }
}
