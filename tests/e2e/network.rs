//! Network failures an operator meets at 3 a.m.: each names the endpoint and what to check;
//! a hanging endpoint fails a plan within one request timeout; a TLS mismatch is not retried;
//! destroy while the API is down says how to do without it.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::*;

const ADDR: &str = "zenlayer_instance_password.web";

/// A workspace for `sim` whose provider block points at `endpoint` instead.
fn pointed_at(sim: &Sim, endpoint: &str, provider_args: &str) -> Workspace {
    let mut ws = Workspace::new();
    ws.configure_with(sim, provider_args, &resource("web", &ids(1), ""));
    let main_tf = std::fs::read_to_string(ws.path().join("main.tf")).expect("main.tf");
    ws.write(&main_tf.replace(
        &format!("endpoint = \"{}\"", sim.url),
        &format!("endpoint = \"{endpoint}\""),
    ));
    ws
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[test]
fn connection_refused_names_the_endpoint_and_what_to_check() {
    let sim = Sim::start(1, &[]);
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let ws = pointed_at(&sim, &endpoint, FAST_PROVIDER_SETTINGS);
    let started = Instant::now();
    let run = ws.tf(&["plan"]).failed();
    eprintln!(
        "connection refused: plan failed after {:?}",
        started.elapsed()
    );
    let text = run.all();
    let url = format!("{endpoint}/api/v2/vm");
    for part in [url.as_str(), "could not connect", "Check that"] {
        assert!(text.contains(part), "{part:?} missing from\n{}", run.raw());
    }
}

#[test]
fn an_endpoint_with_the_service_path_is_refused_at_plan() {
    let sim = Sim::start(1, &[]);
    let ws = pointed_at(
        &sim,
        &format!("{}/api/v2/vm", sim.url),
        FAST_PROVIDER_SETTINGS,
    );
    let run = ws.tf(&["plan"]).failed();
    assert!(run.all().contains("base URL"), "{}", run.raw());
    assert!(sim.calls().is_empty());
}

#[test]
fn a_404_names_the_url_and_says_the_endpoint_is_the_base_url() {
    let sim = Sim::start(1, &[]);
    let ws = pointed_at(&sim, &format!("{}/v2", sim.url), FAST_PROVIDER_SETTINGS);
    let run = ws.tf(&["plan"]).failed();
    let text = run.all();
    let url = format!("{}/v2/api/v2/vm", sim.url);
    for part in [url.as_str(), "HTTP 404", "base URL"] {
        assert!(text.contains(part), "{part:?} missing from\n{}", run.raw());
    }
}

#[test]
fn tls_to_a_plain_http_port_fails_at_once_and_says_so() {
    let sim = Sim::start(1, &[]);
    let endpoint = sim.url.replace("http://", "https://");
    let ws = pointed_at(&sim, &endpoint, FAST_PROVIDER_SETTINGS);
    let run = ws.tf(&["plan"]).failed();
    let text = run.all();
    eprintln!("TLS to plain http: {}", run.all());
    assert!(text.contains("TLS"), "{}", run.raw());
    assert!(text.contains(&endpoint), "{}", run.raw());
    assert!(!text.contains("attempts"), "not retried:\n{}", run.raw());
}

#[test]
fn a_hanging_endpoint_fails_the_plan_within_one_request_timeout() {
    let sim = Sim::start(1, &[]);
    sim.fault(json!({"kind": "hang"}));
    let args = FAST_PROVIDER_SETTINGS.replace(
        "request_timeout      = \"5s\"",
        "request_timeout      = \"2s\"",
    );
    let ws = pointed_at(&sim, &sim.url, &args);
    let started = Instant::now();
    let run = ws.tf(&["plan"]).failed();
    let took = started.elapsed();
    eprintln!("hanging endpoint: plan failed after {took:?}");
    let text = run.all();
    assert!(text.contains("no answer"), "{}", run.raw());
    assert!(text.contains(&sim.url), "{}", run.raw());
    // The error names the limit it used, and the advice matches it.
    assert!(
        text.contains("The check of 1 instance may take 3s: one request_timeout (2s) per round of calls, plus a second."),
        "{}",
        run.raw()
    );
    assert!(text.contains("raise request_timeout"), "{}", run.raw());
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

/// The plan-time check's bound grows with the calls it needs: 30 instances read one per call,
/// one call at a time, at 100 ms each, take 3 s: more than one request timeout (1 s) plus a
/// second, and well within one per round of calls.
#[test]
fn a_plan_check_that_needs_many_calls_gets_a_request_timeout_for_each_round() {
    let sim = Sim::start(30, &["--latency", "100ms"]);
    let args = FAST_PROVIDER_SETTINGS.replace(
        "request_timeout      = \"5s\"",
        "request_timeout      = \"1s\"\n  batch_size           = 1\n  max_concurrency      = 1",
    );
    let mut ws = Workspace::new();
    ws.configure_with(&sim, &args, &resource("web", &ids(30), ""));
    ws.tf(&["plan"]).ok();
    assert_eq!(sim.calls_of("DescribeInstancesStatus").len(), 30);
    assert!(sim.write_calls().is_empty());
}

#[test]
fn retries_are_logged_at_warn() {
    let sim = Sim::start(1, &[]);
    sim.fault(json!({"kind": "throttle", "action": "ResetInstancesPassword", "count": 2}));
    let mut ws = Workspace::for_resource(&sim, &ids(1), "");
    let log = ws.path().join("warn.log");
    ws.set_env("TF_LOG_PROVIDER", "WARN");
    ws.set_env("TF_LOG_PATH", &log.display().to_string());
    ws.apply();
    let text = std::fs::read_to_string(&log).expect("log written");
    let retries = text
        .lines()
        .filter(|l| l.contains("[WARN]") && l.contains("retrying"))
        .count();
    assert_eq!(retries, 2, "{text}");
}

#[test]
fn destroy_while_the_api_is_down_says_that_refresh_false_works() {
    let sim = Sim::start(1, &[]);
    let ws = Workspace::for_resource(&sim, &ids(1), "");
    ws.apply();
    drop(sim);
    let started = Instant::now();
    let run = ws.tf(&["destroy", "-auto-approve"]).failed();
    eprintln!(
        "destroy with the API down: failed after {:?}",
        started.elapsed()
    );
    assert!(
        run.all().contains("terraform destroy -refresh=false"),
        "{}",
        run.raw()
    );
    ws.tf(&["destroy", "-auto-approve", "-refresh=false"]).ok();
    assert!(ws.resource(ADDR).is_none());
}

#[test]
fn a_certificate_authority_the_machine_trusts_is_trusted() {
    // An HTTPS endpoint whose certificate a throwaway CA issued, as behind a company's
    // TLS-inspecting proxy: trusted once the CA is in SSL_CERT_FILE (or the machine's store).
    let pem = tempfile::tempdir().expect("temp dir");
    let (ca, cert, key) = throwaway_tls(pem.path());
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let sim = Sim::start(1, &["--tls-cert", &cert, "--tls-key", &key]);
    assert!(sim.url.starts_with("https://127.0.0.1:"), "{}", sim.url);
    let mut ws = Workspace::for_resource(&sim, &ids(1), "");

    let run = ws.tf(&["plan"]).failed();
    let text = run.all();
    assert!(text.contains("not trusted"), "{}", run.raw());
    assert!(
        text.contains("SSL_CERT_FILE"),
        "the advice says how: {}",
        run.raw()
    );

    // A file that is missing, or not PEM, is named in a warning: before, it was skipped
    // without a word and the advice pointed at that same file.
    let missing = pem.path().join("missing.pem");
    let not_pem = pem.path().join("not-pem.crt");
    std::fs::write(&not_pem, "binary junk, not a certificate").expect("write");
    for (file, why) in [
        (&missing, "which does not exist"),
        (&not_pem, "which holds no PEM certificate"),
    ] {
        ws.set_env("SSL_CERT_FILE", &file.display().to_string());
        let run = ws.tf(&["plan"]).failed();
        let text = run.all();
        assert!(
            text.contains(&format!("SSL_CERT_FILE names {}, {why}", file.display())),
            "{}",
            run.raw()
        );
        assert!(
            text.contains("A certificate file the environment names is ignored"),
            "{text}"
        );
    }

    ws.set_env("SSL_CERT_FILE", &ca.display().to_string());
    let run = ws.apply();
    assert!(!run.all().contains("is ignored"), "{}", run.raw());
    assert!(sim.password_matches("ins-00001", PASSWORD));
}

#[test]
fn a_proxy_in_the_way_is_named_and_a_socks_proxy_refused_before_anything_is_sent() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::for_resource(&sim, &ids(1), "");
    // A proxy that is down: the error names it, not the endpoint (which is up).
    ws.set_env("HTTP_PROXY", "http://user:secret@127.0.0.1:1");
    let run = ws.tf(&["plan"]).failed();
    let text = run.all();
    assert!(
        text.contains("through the proxy http://127.0.0.1:1 (from HTTP_PROXY)"),
        "{}",
        run.raw()
    );
    assert!(!text.contains("secret"), "{}", run.raw());
    // A SOCKS proxy: refused at configure, nothing retried or sent.
    ws.set_env("HTTP_PROXY", "socks5://127.0.0.1:1080");
    let run = ws.tf(&["plan"]).failed();
    let text = run.all();
    for part in [
        "Unsupported proxy",
        "HTTP_PROXY is socks5://127.0.0.1:1080, a socks5 proxy",
        "NO_PROXY",
    ] {
        assert!(text.contains(part), "{part:?} missing from {}", run.raw());
    }
    assert!(sim.calls().is_empty(), "{}", sim.call_summary(0));
    // NO_PROXY covering the endpoint's host: straight to it.
    ws.set_env("NO_PROXY", "127.0.0.0/8");
    ws.apply();
    assert!(sim.password_matches("ins-00001", PASSWORD));
}
