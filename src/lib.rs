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
//! This crate's rooms, top to bottom; each uses only rooms listed below its own (a test in
//! xtask checks it, and that the README's Layout lists them in this order):
//! - [`provider`]: the provider block, its arguments and configuration, which builds the API
//!   operations into the [`provider_data`] every resource, data source and action reads.
//! - `resource`, `action`, `data_source`: `zenlayer_instance_password` (state, lifecycle rules,
//!   plan checks, schema); `zenlayer_instance_password_reset` (Terraform 1.14 and later: its
//!   configuration and schema), which keeps no state; `zenlayer_instances` (its filters).
//! - `reset`: what the resource and the action share: the plan-time checks (the instances can
//!   be reset, the restarts are bounded) and the run.
//! - `reset_args`: the arguments of a reset (the power arguments, the rollout), declared once
//!   for both.
//! - `reset_report`: a reset's report as diagnostics: what failed, on which instances, what to
//!   do.
//! - [`provider_data`]: what the provider hands its resources, data sources and actions.
//! - `attributes`: each attribute declared once (its field, schema, default, checks); the
//!   schema, the docs, defaulting and validation are derived from the declarations.
//! - [`logging`], [`stop`]: how the plugin process logs and stops.
//! - `diagnostics`, `advice`, `durations`, `listings`: errors and problems as diagnostics,
//!   advice per error category, durations with bounds, which resource listed an instance first.

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
