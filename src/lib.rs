//! terraform-provider-zenlayer: a Terraform/OpenTofu provider that resets the login password of
//! Zenlayer virtual machines.
//!
//! The crates, from the wire up:
//! - `zenlayer-protocol`: the API's facts shared by the client and the simulator.
//! - `zenlayer-api`: the API client and the operations over many instances (batches, power
//!   state, waits). It knows nothing of Terraform.
//! - this crate: the Terraform side, on the `tf-provider` crate. It knows nothing of HTTP.
//!   [`provider`] is the provider block and its configuration; `resource` and `data_source`
//!   the resource and the data source;
//!   [`logging`] and [`stop`] how the plugin process logs and stops.
//! - `zenlayer-sim`: the local simulator, a separate crate the provider does not link.

mod advice;
mod attribute;
mod data_source;
mod diagnostics;
mod durations;
mod listings;
pub mod logging;
pub mod provider;
pub mod provider_data;
mod reset_report;
mod resource;
pub mod stop;

/// The provider's version, as released.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
