//! `zenlayer-sim`: a local stand-in for the Zenlayer VM API, for demos, tests, and dry runs.
//!
//! The rooms, top to bottom; each uses only rooms listed below its own (a test in xtask checks
//! it, and that the README's Layout lists them in this order):
//! - [`cli`]: the `zenlayer-sim` command.
//! - `server`: serving [`Sim`] on loopback (HTTP or HTTPS), or in process:
//!   [`Sim::handle_in_process`] answers a request without a socket, for tests that run the
//!   client against the simulator on a paused clock.
//! - `wire`, `inspect`: the routes. `POST /api/v2/vm` in the API's wire format; `/_sim/...`,
//!   the inspection interface for tests.
//! - `state`: [`Sim`], what the routes share: the world, the fault plan, the access key.
//! - `verify`: the signature check, the simulator's own, written apart from the client's.
//! - [`world`]: instances and their moving statuses, the call log.
//! - [`attributes`]: what DescribeInstances reports of an instance, and its filters.
//! - [`faults`]: latency, throttling, 5xx, dropped connections, bodies that are not JSON.
//! - `settings`: timings, the power rule, how filters are treated (changeable at run time).

pub mod attributes;
pub mod cli;
pub mod faults;
mod inspect;
mod server;
mod settings;
mod state;
mod verify;
mod wire;
pub mod world;

pub use server::{bind_loopback, tls_acceptor};
pub use state::{Sim, SimCredentials};
