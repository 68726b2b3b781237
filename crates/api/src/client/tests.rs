//! The retry policy, against the simulator in-process on tokio's paused clock: which answers
//! are retried and which are final, Retry-After, the deadline, stop requests, and the
//! concurrency limit.

use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;
use zenlayer_protocol::{action, code};
use zenlayer_sim::faults::FaultRule;
use zenlayer_sim::world::Settings;
use zenlayer_sim::Sim;

use crate::testing::{self, calls};
use crate::{ApiError, Context, ErrorKind};

/// A simulator with two instances and `fault` on every ResetInstancesPassword call.
fn sim_with(fault: serde_json::Value) -> Sim {
    let sim = testing::sim(2, Settings::default());
    let mut rule = fault;
    rule["action"] = json!(action::RESET_INSTANCES_PASSWORD);
    let rule: FaultRule = serde_json::from_value(rule).expect("a fault rule");
    sim.faults().add([rule]);
    sim
}

fn ctx(seconds: u64) -> Context {
    Context::with_timeout(Duration::from_secs(seconds), CancellationToken::new())
}

/// Resets i1 and i2 with a client of `max_retries` retries.
async fn reset(sim: &Sim, max_retries: u32, ctx: &Context) -> Result<String, ApiError> {
    let client = testing::client(sim, testing::client_config(max_retries, 4));
    let password = crate::Secret::new("Good1!pass".into());
    client
        .reset_instances_password(&testing::ids(2), &password, ctx)
        .await
}

/// The status of each ResetInstancesPassword call (None: no answer).
fn answers(sim: &Sim) -> Vec<Option<u16>> {
    calls(sim)
        .iter()
        .filter(|c| c.action == action::RESET_INSTANCES_PASSWORD)
        .map(|c| c.status)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn every_transient_answer_is_retried_until_one_is_accepted() {
    let transient = [
        json!({"kind": "throttle"}),
        json!({"kind": "server_error", "status": 503, "code": code::SERVICE_TEMPORARY_UNAVAILABLE}),
        json!({"kind": "server_error"}),
        json!({"kind": "refuse", "status": 400, "code": code::REQUEST_TIMED_OUT}),
        json!({"kind": "bad_gateway"}),
        json!({"kind": "drop"}),
        json!({"kind": "latency", "delay": 8000}),
        json!({"kind": "truncated_json"}),
        json!({"kind": "non_json_200"}),
        json!({"kind": "error_shaped_200", "code": code::INTERNAL_SERVER_ERROR}),
    ];
    for mut fault in transient {
        fault["count"] = json!(2);
        let sim = sim_with(fault.clone());
        let request_id = reset(&sim, 3, &ctx(600))
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        let answered = answers(&sim);
        assert_eq!(answered.len(), 3, "{fault}: two faults, then success");
        assert_eq!(answered[2], Some(200), "{fault}");
        let last = calls(&sim).pop().expect("a call");
        assert_eq!(last.request_id, request_id, "{fault}");
        for id in testing::ids(2) {
            assert_eq!(
                sim.lock().password_matches(&id, "Good1!pass"),
                Some(true),
                "{fault}"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn final_answers_are_not_retried() {
    let cases = [
        (
            json!({"kind": "refuse", "status": 400, "code": code::INVALID_PARAMETER}),
            "INVALID_PARAMETER",
        ),
        (
            json!({"kind": "refuse", "status": 403, "code": code::OPERATION_DENIED_INSTANCE_NOT_RUNNING}),
            "NOT_RUNNING",
        ),
        (json!({"kind": "html_403"}), "cf-mitigated"),
        (json!({"kind": "status_451"}), "legal reasons"),
        (
            json!({"kind": "error_shaped_200", "code": code::INVALID_PARAMETER}),
            "HTTP 200",
        ),
    ];
    for (fault, expected) in cases {
        let sim = sim_with(fault.clone());
        let error = reset(&sim, 3, &ctx(600)).await.expect_err("refused");
        assert_eq!(answers(&sim).len(), 1, "{fault}: sent once");
        assert_eq!(error.attempts, 1);
        assert!(!error.is_transient(), "{fault}");
        assert!(error.to_string().contains(expected), "{fault}: {error}");
    }
}

#[tokio::test(start_paused = true)]
async fn wrong_credentials_are_final() {
    let sim = testing::sim(2, Settings::default());
    let mut config = testing::client_config(3, 4);
    config.credentials.access_key_password = crate::Secret::new("wrong".into());
    let client = testing::client(&sim, config);
    let error = client
        .reset_instances_password(
            &testing::ids(2),
            &crate::Secret::new("Good1!pass".into()),
            &ctx(60),
        )
        .await
        .expect_err("refused");
    assert_eq!(error.code(), Some("SIGNATURE_FAILURE"));
    assert_eq!(calls(&sim).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_max_retries_and_say_how_many_attempts() {
    let sim = sim_with(json!({"kind": "throttle"}));
    let error = reset(&sim, 2, &ctx(600)).await.expect_err("throttled");
    assert_eq!(answers(&sim), vec![Some(429); 3]);
    assert_eq!(error.attempts, 3);
    assert!(error.to_string().contains("(after 3 attempts)"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_waited_for() {
    let sim = sim_with(json!({"kind": "throttle", "retry_after": 7, "count": 1}));
    reset(&sim, 3, &ctx(600)).await.expect("accepted");
    let resets: Vec<u64> = calls(&sim).iter().map(|c| c.at_ms).collect();
    assert_eq!(resets.len(), 2);
    // The base delay is 100 ms; only Retry-After explains seven seconds.
    assert!(resets[1] - resets[0] >= 7000, "{resets:?}");
}

#[tokio::test(start_paused = true)]
async fn no_retry_waits_past_the_deadline() {
    let sim = sim_with(json!({"kind": "throttle", "retry_after": 10}));
    let context = ctx(3);
    let started = tokio::time::Instant::now();
    let error = reset(&sim, 5, &context).await.expect_err("throttled");
    assert_eq!(answers(&sim).len(), 1, "a 10 s wait does not fit in 3 s");
    assert_eq!(error.code(), Some(code::REQUEST_LIMIT_EXCEEDED));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "it did not wait"
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_answer_times_out_per_request() {
    let sim = sim_with(json!({"kind": "latency", "delay": 60000}));
    let error = reset(&sim, 0, &ctx(600)).await.expect_err("timed out");
    assert!(
        matches!(
            error.kind,
            ErrorKind::Transport {
                step: crate::TransportStep::TimedOut,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("within 5s"), "{error}");
    assert_eq!(answers(&sim), vec![None], "abandoned, never answered");
}

#[tokio::test(start_paused = true)]
async fn a_stop_request_sends_nothing() {
    let sim = testing::sim(2, Settings::default());
    let cancel = CancellationToken::new();
    cancel.cancel();
    let context = Context::with_timeout(Duration::from_secs(60), cancel);
    let error = reset(&sim, 3, &context).await.expect_err("cancelled");
    assert_eq!(error.kind, ErrorKind::Cancelled);
    assert!(calls(&sim).is_empty());
}

#[tokio::test(start_paused = true)]
async fn no_more_calls_than_max_concurrency_are_in_flight() {
    let settings = Settings {
        latency: Duration::from_secs(1),
        ..Settings::default()
    };
    let sim = testing::sim(10, settings);
    let client = testing::client(&sim, testing::client_config(0, 2));
    let context = ctx(600);
    let reads = (1..=5).map(|n| {
        let ids = vec![format!("i{n}")];
        let (client, context) = (&client, &context);
        async move { client.describe_instances_status(&ids, context).await }
    });
    for result in futures::future::join_all(reads).await {
        result.expect("read");
    }
    let mut edges: Vec<(u64, i32)> = calls(&sim)
        .iter()
        .flat_map(|c| [(c.at_ms, 1), (c.done_ms.expect("answered"), -1)])
        .collect();
    edges.sort_by_key(|&(at, delta)| (at, delta));
    let (mut now, mut most) = (0, 0);
    for (_, delta) in edges {
        now += delta;
        most = most.max(now);
    }
    assert_eq!(most, 2, "the limit is used and never exceeded");
}
