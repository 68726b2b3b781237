//! A password the server quotes back reaches no log line, at any level, and no error: the
//! client cleans every answer before anything reads it. A test binary of its own, so that its
//! global log subscriber sees every line (tracing's per-thread subscribers miss lines when
//! other tests run at once).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use tokio_util::sync::CancellationToken;
use zenlayer_api::fleet::{FleetSettings, Operations, ResetRequest};
use zenlayer_api::{
    Client, ClientConfig, Context, Credentials, Endpoint, RetryPolicy, Secret, Transport,
    TransportError, TransportStep,
};
use zenlayer_sim::faults::FaultRule;
use zenlayer_sim::world::Settings;
use zenlayer_sim::{Sim, SimCredentials};

const PASSWORD: &str = "Good1!pass";
const KEY_PASSWORD: &str = "redaction-key-password";

/// Answers from the simulator's request handler, in-process.
struct InProcess(Sim);

#[async_trait]
impl Transport for InProcess {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.0
            .handle_in_process(request)
            .await
            .ok_or_else(|| TransportError::new(TransportStep::Broken, "connection closed"))
    }
}

/// Every line the process logs, at TRACE.
fn capture() -> Arc<Mutex<Vec<u8>>> {
    #[derive(Clone)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lines = Arc::new(Mutex::new(Vec::new()));
    let buffer = Buffer(lines.clone());
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || buffer.clone())
        .init();
    lines
}

/// Resets two instances through answers that quote the request (`html`: an HTML page).
async fn reset_through_echoes(html: bool) -> String {
    let sim = Sim::new(
        SimCredentials {
            access_key_id: "key".into(),
            access_key_password: KEY_PASSWORD.into(),
        },
        Settings::default(),
    );
    for id in ["i1", "i2"] {
        sim.lock().upsert(id, "RUNNING", true);
    }
    let rule: FaultRule = serde_json::from_value(serde_json::json!({
        "kind": "echo_request", "html": html, "action": "ResetInstancesPassword"
    }))
    .expect("a fault rule");
    sim.faults().add([rule]);
    let config = ClientConfig {
        endpoint: Endpoint::parse("http://127.0.0.1:9").expect("endpoint"),
        credentials: Credentials {
            access_key_id: "key".into(),
            access_key_password: Secret::new(KEY_PASSWORD.into()),
        },
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy::new(2, Duration::from_millis(10)),
        max_concurrency: 2,
    };
    let client = Client::with_transport(config, Arc::new(InProcess(sim)));
    let settings = FleetSettings::new(100, Duration::from_secs(1), Duration::from_secs(5));
    let fleet = Operations::new(Arc::new(client), settings, CancellationToken::new());
    let password = Secret::new(PASSWORD.into());
    let ids = vec!["i1".to_string(), "i2".to_string()];
    let request = ResetRequest {
        instance_ids: ids,
        password,
        shutdown_before_reset: false,
        wait_for_running: true,
        rollout: None,
    };
    let ctx = Context::with_timeout(Duration::from_secs(600), CancellationToken::new());
    let report = fleet.reset_passwords(&request, &ctx).await;
    assert!(report.reset.is_empty(), "every answer echoes");
    format!("{:?}", report.failures)
}

#[tokio::test(start_paused = true)]
async fn a_password_quoted_by_the_server_reaches_no_log_line_and_no_error() {
    let lines = capture();
    for html in [false, true] {
        let errors = reset_through_echoes(html).await;
        assert!(
            errors.contains("(sensitive value)"),
            "html {html}: {errors}"
        );
        for form in [PASSWORD, "Good1%21pass"] {
            assert!(!errors.contains(form), "html {html}: {errors}");
        }
    }
    let logged = String::from_utf8_lossy(&lines.lock().expect("lines")).into_owned();
    assert!(logged.contains("transient failure; retrying"), "{logged}");
    assert!(logged.contains("(sensitive value)"), "{logged}");
    for form in [PASSWORD, "Good1%21pass", KEY_PASSWORD] {
        assert!(!logged.contains(form), "{form} in {logged}");
    }
}
