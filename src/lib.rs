//! terraform-provider-zenlayer: a Terraform/OpenTofu provider that resets the login password of
//! Zenlayer virtual machines, plus `zenlayer-sim`, a local stand-in for the Zenlayer VM API.
//!
//! The layers, from the wire up:
//! - [`api`]: the Zenlayer Cloud API client (signing, envelope, errors, retries, typed actions).
//!   It knows nothing of Terraform.
//! - [`fleet`]: operations over many instances (batching, power state, waiting), built on the
//!   client. It knows nothing of Terraform or HTTP.
//! - [`provider`] and [`resource`]: the Terraform side, on the `tf-provider` crate. They know
//!   nothing of HTTP.
//! - [`sim`]: the simulator, a real HTTP server speaking the API's wire format.
//! - [`secret`], [`logging`] and [`stop`]: cross-cutting pieces.

pub mod api;
pub mod fleet;
pub mod logging;
pub mod provider;
pub mod resource;
pub mod secret;
pub mod sim;
pub mod stop;

/// The provider's version, as released.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
