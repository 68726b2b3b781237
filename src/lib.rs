//! terraform-provider-zenlayer: a Terraform/OpenTofu provider that resets the login password of
//! Zenlayer virtual machines.
//!
//! The crates, from the wire up:
//! - `zenlayer-protocol`: the API's facts shared by the client and the simulator.
//! - `zenlayer-api`: the API client and the operations over many instances (batches, power
//!   state, waits). It knows nothing of Terraform.
//! - this crate: the Terraform side, on the `tf-provider` crate. It builds no HTTP request.
//! - `zenlayer-sim`: the local simulator, a separate crate the provider does not link.
//!
//! This crate's rooms; each uses only those below it:
//! - [`provider`]: the provider block, its arguments and configuration, which builds the API
//!   operations into the [`provider_data`] every resource and data source reads.
//! - `resource`: `zenlayer_instance_password` (state, lifecycle rules, plan checks, schema).
//! - `data_source`: `zenlayer_instances` (filters and their checks, schema).
//! - `action`: `zenlayer_instance_password_reset` (Terraform 1.14 and later: configuration and
//!   its checks, schema), which keeps no state.
//! - `reset` and `reset_rules`: what the resource and the action share: the rules checked
//!   before anything is sent, the plan-time check that the instances can be reset, and the run.
//! - `reset_report`: a reset's report as diagnostics, for the resource and the action.
//! - `diagnostics`, `advice`, `durations`, `attribute`, `listings`: the shared helpers (errors
//!   and problems, advice per error category, bounded durations, the schema builder, which
//!   resource listed an instance first).
//! - [`logging`] and [`stop`]: how the plugin process logs and stops.

mod action;
mod advice;
mod attributes;
mod data_source;
mod diagnostics;
mod durations;
mod listings;
pub mod logging;
pub mod provider;
pub mod provider_data;
mod reset;
mod reset_args;
mod reset_report;
mod resource;
pub mod stop;

/// The provider's version, as released: the workspace's, set in Cargo.toml only.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
