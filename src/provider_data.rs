//! [`ProviderData`]: what the configured provider gives its resources and data sources: the
//! API operations (once ConfigureProvider succeeded), the stop signal, and the record of which
//! resource listed each instance first. The provider fills it; the others only read it.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tf_provider::Diagnostics;
use zenlayer_api::fleet::Operations;
use zenlayer_api::Context;

use crate::diagnostics::root_error;
use crate::listings::InstanceListings;
use crate::stop::Stop;

/// How long a read of the API (a refresh, a data source) may take in all.
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The provider's data, shared with every resource and data source it serves.
#[derive(Debug)]
pub struct ProviderData {
    operations: RwLock<Option<Arc<Operations>>>,
    stop: Stop,
    listings: InstanceListings,
    /// The Terraform version ConfigureProvider gave, as (major, minor), if it could be read.
    terraform: RwLock<Option<(u32, u32)>>,
}

impl ProviderData {
    /// Data for a provider whose operations stop when `stop` fires; nothing configured yet.
    pub fn new(stop: Stop) -> Self {
        ProviderData {
            operations: RwLock::new(None),
            stop,
            listings: InstanceListings::default(),
            terraform: RwLock::new(None),
        }
    }

    /// Records the version of the Terraform that configured the provider ("1.15.5").
    pub(crate) fn set_terraform_version(&self, version: &str) {
        let mut parts = version.trim_start_matches('v').split('.');
        let mut number = || parts.next().and_then(|p| p.parse::<u32>().ok());
        let parsed = number().zip(number());
        *self.terraform.write().unwrap_or_else(|e| e.into_inner()) = parsed;
    }

    /// Whether Terraform survives progress events of an action's invoke after an interrupt.
    /// Terraform 1.14 and 1.15 stop reading the stream at the first event after Ctrl-C and
    /// crash at the next one; 1.16 fixed that. An unknown version gets none either.
    pub(crate) fn streams_action_progress(&self) -> bool {
        let version = *self.terraform.read().unwrap_or_else(|e| e.into_inner());
        version.is_some_and(|v| v >= (1, 16))
    }

    /// The API operations, once ConfigureProvider succeeded.
    pub fn operations(&self) -> Option<Arc<Operations>> {
        self.operations
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The API operations, or an error in `diags` saying that the provider is not
    /// configured, for an operation that must call the API.
    pub(crate) fn configured_operations(&self, diags: &mut Diagnostics) -> Option<Arc<Operations>> {
        let operations = self.operations();
        if operations.is_none() {
            root_error(
                diags,
                "The zenlayer provider is not configured",
                "The provider block could not be configured (see the errors above), so no API call can be made.",
            );
        }
        operations
    }

    /// The bounds of a read (a refresh, a data source): [`READ_TIMEOUT`], and the stop signal.
    pub(crate) fn read_context(&self) -> Context {
        Context::with_timeout(READ_TIMEOUT, self.stop.token())
    }

    /// The bounds of a reset: `timeout`, and the stop signal.
    pub(crate) fn reset_context(&self, timeout: Duration) -> Context {
        Context::with_timeout(timeout, self.stop.token())
    }

    /// Which resource listed each instance first in this process.
    pub(crate) fn listings(&self) -> &InstanceListings {
        &self.listings
    }

    /// The stop signal, fired by StopProvider and SIGTERM.
    pub fn stop(&self) -> &Stop {
        &self.stop
    }

    /// Records the operations ConfigureProvider built.
    pub(crate) fn set_operations(&self, operations: Arc<Operations>) {
        *self.operations.write().unwrap_or_else(|e| e.into_inner()) = Some(operations);
    }
}
