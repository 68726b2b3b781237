//! The provider's actions (Terraform 1.14 and later): operations run on demand or when a
//! resource changes, which keep no state.

mod instance_password_reset;
mod progress;

pub(crate) use instance_password_reset::InstancePasswordResetAction;
