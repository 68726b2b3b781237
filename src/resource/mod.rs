//! The provider's resources.

pub mod instance_password;

pub use instance_password::InstancePasswordResource;
