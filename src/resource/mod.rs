//! The provider's resources.

pub(crate) mod instance_password;

pub(crate) use instance_password::InstancePasswordResource;
