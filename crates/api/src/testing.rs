//! Test support: the client against `zenlayer-sim` in the same process, without sockets, so that
//! tests can run on tokio's paused clock (backoffs, waits and timeouts take no real time) and
//! see exactly which calls reached the simulator.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use tokio_util::sync::CancellationToken;
use zenlayer_sim::world::{CallRecord, Settings};
use zenlayer_sim::{Sim, SimCredentials};

use crate::fleet::{FleetSettings, Operations};
use crate::transport::{Transport, TransportError, TransportStep};
use crate::{Client, ClientConfig, Credentials, Endpoint, RetryPolicy, Secret};

const KEY_ID: &str = "unit-key";
const KEY_PASSWORD: &str = "unit-key-password";

/// Answers from the simulator's request handler, in-process.
pub(crate) struct SimTransport(pub(crate) Sim);

#[async_trait]
impl Transport for SimTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.0.handle_in_process(request).await.ok_or_else(|| {
            TransportError::new(
                TransportStep::Broken,
                "connection closed before message completed",
            )
        })
    }
}

/// A simulator with RUNNING instances `i1`..`iN`, the given settings, and the test credentials.
pub(crate) fn sim(instances: usize, settings: Settings) -> Sim {
    let sim = Sim::new(
        SimCredentials {
            access_key_id: KEY_ID.into(),
            access_key_password: KEY_PASSWORD.into(),
        },
        settings,
    );
    for n in 1..=instances {
        sim.lock().upsert(&format!("i{n}"), "RUNNING", true);
    }
    sim
}

/// Instance ids `i1`..`iN`.
pub(crate) fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("i{i}")).collect()
}

/// The client configuration the tests use: quick retries, a 5 s request timeout.
pub(crate) fn client_config(max_retries: u32, max_concurrency: usize) -> ClientConfig {
    ClientConfig {
        endpoint: Endpoint::parse("http://127.0.0.1:9").expect("loopback endpoint"),
        credentials: Credentials {
            access_key_id: KEY_ID.into(),
            access_key_password: Secret::new(KEY_PASSWORD.into()),
        },
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        },
        max_concurrency,
    }
}

/// A client that reaches `sim` in-process.
pub(crate) fn client(sim: &Sim, config: ClientConfig) -> Client {
    Client::with_transport(config, Arc::new(SimTransport(sim.clone())))
}

/// A fleet on `sim` with the given settings and the default client.
pub(crate) fn operations(sim: &Sim, settings: FleetSettings) -> Operations {
    operations_with_retries(sim, settings, 3)
}

/// A fleet on `sim` whose client retries `max_retries` times.
pub(crate) fn operations_with_retries(
    sim: &Sim,
    settings: FleetSettings,
    max_retries: u32,
) -> Operations {
    Operations::new(
        Arc::new(client(sim, client_config(max_retries, 4))),
        settings,
        CancellationToken::new(),
    )
}

/// The calls the simulator received.
pub(crate) fn calls(sim: &Sim) -> Vec<CallRecord> {
    sim.lock().calls.clone()
}

/// The calls of `action`, each as its instance ids.
pub(crate) fn calls_of(sim: &Sim, action: &str) -> Vec<Vec<String>> {
    calls(sim)
        .into_iter()
        .filter(|c| c.action == action)
        .map(|c| c.instance_ids)
        .collect()
}
