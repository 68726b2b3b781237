//! The Terraform provider `zenlayer`: its schema, configuration, and the state shared with the
//! resource (the configured [`Fleet`]). Free of HTTP details.

pub mod config;
pub mod diagnostics;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, Schema,
};
use tf_provider::value::ValueEmpty;
use tf_provider::{AttributePath, Diagnostics, DynamicResource, Provider};

use crate::resource::InstancePasswordResource;
use crate::stop::Stop;
use config::{ProviderConfig, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_PASSWORD, ENV_ENDPOINT};
use diagnostics::{error_at, root_error};
use zenlayer_api::fleet::Fleet;
use zenlayer_api::Client;

/// What the provider shares with its resources.
#[derive(Debug)]
pub struct Shared {
    fleet: RwLock<Option<Arc<Fleet>>>,
    stop: Stop,
}

impl Shared {
    /// State for a provider whose operations stop when `stop` fires.
    pub fn new(stop: Stop) -> Self {
        Shared {
            fleet: RwLock::new(None),
            stop,
        }
    }

    /// The configured fleet, if ConfigureProvider succeeded.
    pub fn fleet(&self) -> Option<Arc<Fleet>> {
        self.fleet.read().unwrap_or_else(|e| e.into_inner()).clone()
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

fn optional(attr_type: AttributeType, description: &str) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description),
        constraint: AttributeConstraint::Optional,
        sensitive: false,
        deprecated: false,
        write_only: false,
    }
}

/// The provider block's schema.
pub fn provider_schema() -> Schema {
    let attributes: HashMap<String, Attribute> = [
        (
            "access_key_id",
            optional(
                AttributeType::String,
                &format!("Access key id of the Zenlayer Cloud API. Defaults to the environment variable `{ENV_ACCESS_KEY_ID}`."),
            ),
        ),
        (
            "access_key_password",
            Attribute {
                sensitive: true,
                ..optional(
                    AttributeType::String,
                    &format!("Access key password (the signing key). Sensitive. Defaults to the environment variable `{ENV_ACCESS_KEY_PASSWORD}`."),
                )
            },
        ),
        (
            "endpoint",
            optional(
                AttributeType::String,
                &format!(
                    "Base URL of the API; requests go to `{{endpoint}}/api/v2/vm`. Must be `https`, except that `http` is accepted for loopback hosts (a local `zenlayer-sim`). Defaults to the environment variable `{ENV_ENDPOINT}`, else `{}`.",
                    zenlayer_api::DEFAULT_ENDPOINT
                ),
            ),
        ),
        (
            "max_retries",
            optional(
                AttributeType::Number,
                &format!("Retries of a call that failed transiently (throttling, 5xx, network), 0 to 20. Default {}.", config::DEFAULT_MAX_RETRIES),
            ),
        ),
        (
            "retry_base_delay",
            optional(
                AttributeType::String,
                "Backoff ceiling before the first retry, doubling for each further retry (full jitter; `Retry-After` is honoured). Default `\"1s\"`.",
            ),
        ),
        (
            "request_timeout",
            optional(AttributeType::String, "Timeout of one HTTP request. Default `\"30s\"`."),
        ),
        (
            "max_concurrency",
            optional(
                AttributeType::Number,
                &format!("API calls in flight at once, across all resources, 1 to 64. Default {}.", config::DEFAULT_MAX_CONCURRENCY),
            ),
        ),
        (
            "batch_size",
            optional(
                AttributeType::Number,
                "Instance ids per API call, 1 to 100. Default 100 (the API's maximum); lower it only if your account has a tighter limit.",
            ),
        ),
        (
            "poll_interval",
            optional(
                AttributeType::String,
                "First interval between status polls while waiting for instances; it grows by half per poll up to 15s. Default `\"2s\"`.",
            ),
        ),
        (
            "restart_grace_period",
            optional(
                AttributeType::String,
                "After a reset, how long the platform is given to restart an instance before the provider starts it itself (with `shutdown_before_reset`) or stops waiting for it (without). Default `\"2m\"`.",
            ),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
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

fn report_config_errors(diags: &mut Diagnostics, errors: Vec<config::ConfigError>) {
    for e in errors {
        error_at(diags, AttributePath::new(e.argument), e.summary, e.detail);
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
            report_config_errors(diags, errors);
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
                report_config_errors(diags, errors);
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
        self.shared
            .stop()
            .set_call_bound(resolved.client.request_timeout);
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
}
