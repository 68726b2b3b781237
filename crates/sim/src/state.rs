//! [`Sim`]: the world, the fault plan and the access key, shared by every route.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::faults::FaultPlan;
use crate::world::{Settings, World};

/// The access key the simulator accepts.
#[derive(Clone)]
pub struct SimCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The access key password (the HMAC key).
    pub access_key_password: String,
}

impl std::fmt::Debug for SimCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// The simulator's shared state.
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Inner>,
}

struct Inner {
    world: Mutex<World>,
    faults: Mutex<FaultPlan>,
    credentials: SimCredentials,
}

impl Sim {
    /// A simulator that accepts `credentials`, with `settings`.
    pub fn new(credentials: SimCredentials, settings: Settings) -> Self {
        Sim {
            inner: Arc::new(Inner {
                world: Mutex::new(World::new(settings)),
                faults: Mutex::new(FaultPlan::default()),
                credentials,
            }),
        }
    }

    /// The world, locked. A poisoned lock is recovered: the data is still consistent enough
    /// for a simulator.
    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.inner.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The fault plan, locked.
    pub fn faults(&self) -> MutexGuard<'_, FaultPlan> {
        self.inner.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn credentials(&self) -> &SimCredentials {
        &self.inner.credentials
    }
}
