//! Secret hygiene and operability: neither password reaches any log at TF_LOG=TRACE, any
//! output, or the simulator's own output; logs are structured for Terraform; errors carry no
//! Rust backtrace whatever RUST_BACKTRACE says; PLUGIN_LOG_FILE does not crash the provider.

use std::process::Command;

use crate::support::*;

const ADDR: &str = "zenlayer_instance_password.web";

#[test]
fn neither_password_appears_in_any_log_or_output_at_trace() {
    let sim = Sim::start(3, &[]);
    let mut ws = Workspace::new();
    let log_path = ws.path().join("terraform.log");
    ws.set_env("TF_LOG", "TRACE");
    ws.set_env("TF_LOG_PATH", &log_path.display().to_string());
    // The access key password is also given as an argument, to cover that path.
    let provider_args =
        format!("{FAST_PROVIDER_SETTINGS}  access_key_password = \"{ACCESS_KEY_PASSWORD}\"\n");
    ws.configure_with(&sim, &provider_args, &resource("web", &ids(3), ""));
    let mut outputs = Vec::new();
    let mut run = |args: &[&str], succeed: bool| {
        let mut all: Vec<&str> = args.to_vec();
        all.push("-no-color");
        let r: Run = ws.command(&all).output().expect("terraform runs").into();
        assert_eq!(r.code == 0, succeed, "{args:?}:\n{}", r.raw());
        outputs.push(r.raw());
    };
    run(&["plan"], true);
    run(&["apply", "-auto-approve"], true);
    sim.patch("ins-00003", serde_json::json!({"status": "STOPPED"}));
    run(&["apply", "-auto-approve", "-replace", ADDR], false); // a refused reset
    run(&["destroy", "-auto-approve"], true);

    let log = std::fs::read_to_string(&log_path).expect("TF_LOG_PATH written");
    assert!(
        log.contains("provider.terraform-provider-zenlayer: API call"),
        "the provider's structured logs reach Terraform's log"
    );
    for (name, secret) in [
        ("resource password", PASSWORD),
        ("access key password", ACCESS_KEY_PASSWORD),
    ] {
        assert!(
            !log.contains(secret),
            "the {name} is in the TF_LOG=TRACE log"
        );
        for out in &outputs {
            assert!(!out.contains(secret), "the {name} is in the output:\n{out}");
        }
        let sim_output = sim.output();
        assert!(
            sim_output.contains(ACCESS_KEY_ID),
            "the simulator's output is there to scan: {sim_output}"
        );
        assert!(
            !sim_output.contains(secret),
            "the {name} is in the simulator's output"
        );
    }
}

#[test]
fn each_api_call_is_logged_with_its_instances() {
    let sim = Sim::start(5, &[]);
    for level in ["INFO", "DEBUG"] {
        let mut ws = Workspace::new();
        let log_path = ws.path().join("terraform.log");
        ws.set_env("TF_LOG_PROVIDER", level);
        ws.set_env("TF_LOG_PATH", &log_path.display().to_string());
        ws.configure(&sim, &resource("web", &ids(5), ""));
        let before = sim.calls_of("ResetInstancesPassword").len();
        ws.apply();
        let log = std::fs::read_to_string(&log_path).expect("log written");
        let reset = &sim.calls_of("ResetInstancesPassword")[before];
        let request_id = reset.request_id.as_str();
        let line = log
            .lines()
            .find(|l| l.contains("API call:") && l.contains(request_id))
            .unwrap_or_else(|| panic!("no line for {request_id} at {level}:\n{log}"));
        for field in [
            "[INFO]",
            "action=ResetInstancesPassword",
            "instances=5",
            "instance_ids=\"ins-00001, ins-00002, ins-00003 and 2 more\"",
            "status=200",
            "attempt=1",
            "elapsed_ms=",
        ] {
            assert!(line.contains(field), "{level}: {field} missing from {line}");
        }
        let all = log
            .lines()
            .find(|l| l.contains("API call instances") && l.contains(request_id));
        match level {
            "DEBUG" => {
                let all =
                    all.unwrap_or_else(|| panic!("no DEBUG line naming every instance:\n{log}"));
                // Terraform 1.11 quotes the value; 1.0 does not.
                assert!(
                    all.contains("ins-00001,ins-00002,ins-00003,ins-00004,ins-00005"),
                    "{all}"
                );
            }
            _ => assert!(all.is_none(), "every instance is named only at DEBUG"),
        }
    }
}

#[test]
fn errors_carry_no_backtrace_even_with_rust_backtrace_set() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::new();
    ws.set_env("RUST_BACKTRACE", "full");
    ws.configure(&sim, &resource("web", &["ins-404".to_string()], ""));
    let plan = ws.tf(&["plan"]).failed();
    ws.configure(&sim, &resource("web", &ids(1), ""));
    let import = ws.tf(&["import", ADDR, "ins-00001"]).failed();
    assert!(
        import.all().contains("cannot be imported"),
        "{}",
        import.raw()
    );
    let provider_args = format!("{FAST_PROVIDER_SETTINGS}  max_retries = 1.5\n");
    ws.configure_with(&sim, &provider_args, &resource("web", &ids(1), ""));
    let fraction = ws.tf(&["plan"]).failed();
    assert!(
        fraction.all().contains("whole number"),
        "{}",
        fraction.raw()
    );
    for run in [plan, import, fraction] {
        let text = run.raw();
        for frame in [
            "stack backtrace",
            "tf_provider::",
            "core::",
            "rust_begin_unwind",
            ".rs:",
        ] {
            assert!(!text.contains(frame), "{frame:?} in\n{text}");
        }
    }
}

#[test]
fn plugin_log_file_keeps_the_plan_s_lines_when_the_apply_starts() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::new();
    let plugin_log = ws.path().join("plugin.log");
    ws.set_env("PLUGIN_LOG_FILE", &plugin_log.display().to_string());
    ws.configure(&sim, &resource("web", &ids(1), ""));
    ws.tf(&["plan"]).ok();
    let after_plan = std::fs::read_to_string(&plugin_log).expect("the plugin log exists");
    assert!(
        after_plan.contains("DescribeInstancesStatus"),
        "{after_plan}"
    );
    ws.apply();
    let after_apply = std::fs::read_to_string(&plugin_log).expect("the plugin log exists");
    assert!(
        after_apply.starts_with(&after_plan),
        "the plan's lines were overwritten"
    );
    assert!(
        after_apply.contains("ResetInstancesPassword"),
        "{after_apply}"
    );
}

#[test]
fn plugin_log_file_does_not_crash_the_provider() {
    let sim = Sim::start(1, &[]);
    let mut ws = Workspace::new();
    let plugin_log = ws.path().join("plugin.log");
    ws.set_env("PLUGIN_LOG_FILE", &plugin_log.display().to_string());
    ws.set_env("TF_LOG", "DEBUG");
    ws.configure(&sim, &resource("web", &ids(1), ""));
    ws.apply();
    let written = std::fs::read_to_string(&plugin_log).expect("the plugin log exists");
    assert!(written.contains("ResetInstancesPassword"), "{written}");
    assert!(!written.contains(PASSWORD) && !written.contains(ACCESS_KEY_PASSWORD));
    assert_eq!(ws.state_ids(ADDR), ids(1));
}

#[test]
fn run_by_hand_the_provider_explains_itself_and_exits() {
    let out = Command::new(provider_binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("runs");
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Terraform"), "{stderr}");
    assert!(stderr.contains("zenlayer/zenlayer"), "{stderr}");
    for name in [
        "zenlayer_instance_password",
        "zenlayer_instances",
        "zenlayer_instance_password_reset",
    ] {
        assert!(stderr.contains(name), "--help names {name}: {stderr}");
    }
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout, where Terraform expects the handshake"
    );

    let out = Command::new(provider_binary())
        .arg("--debug")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown option \"--debug\""), "{stderr}");

    let out = Command::new(provider_binary())
        .arg("--version")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.trim(),
        format!("terraform-provider-zenlayer {}", env!("CARGO_PKG_VERSION"))
    );
}

/// The password as a URL-encoded form field, as an HTML error page may echo it.
const PASSWORD_URL_ENCODED: &str = "Good1%21pass";

#[test]
fn a_password_the_api_quotes_back_reaches_no_log_line_error_or_file() {
    for html in [false, true] {
        let sim = Sim::start(2, &[]);
        let mut ws = Workspace::new();
        let log_path = ws.path().join("terraform.log");
        let plugin_log = ws.path().join("plugin.log");
        ws.set_env("TF_LOG", "WARN");
        ws.set_env("TF_LOG_PATH", &log_path.display().to_string());
        ws.set_env("PLUGIN_LOG_FILE", &plugin_log.display().to_string());
        ws.configure(&sim, &resource("web", &ids(2), ""));
        // Two answers quote the request and are retried, then the reset is accepted.
        let echo = |count: u32| {
            serde_json::json!({"kind": "echo_request", "html": html,
                               "action": "ResetInstancesPassword", "count": count})
        };
        sim.fault(echo(2));
        let applied = ws.apply();
        // Then every answer quotes it, past the retries: the apply fails.
        sim.fault(echo(1000));
        let failed = ws
            .tf(&["apply", "-auto-approve", "-replace", ADDR])
            .failed();
        assert!(
            failed.all().contains("(sensitive value)"),
            "html {html}: the error shows where the password was: {}",
            failed.raw()
        );
        let log = std::fs::read_to_string(&log_path).expect("TF_LOG_PATH written");
        assert!(log.contains("transient failure; retrying"), "html {html}");
        let file = std::fs::read_to_string(&plugin_log).expect("PLUGIN_LOG_FILE written");
        assert!(file.contains("transient failure; retrying"), "html {html}");
        for text in [applied.raw(), failed.raw(), log, file] {
            for form in [PASSWORD, PASSWORD_URL_ENCODED] {
                assert!(!text.contains(form), "html {html}: {form} in {text}");
            }
        }
    }
}

#[test]
fn a_run_where_nothing_fails_logs_no_error_line() {
    // Terraform 1.12 and later ask for resource identity schemas, which tf-provider did not
    // know: each run logged "[ERROR] ... response failed: Code: 12".
    let sim = Sim::start(2, &[]);
    let mut ws = Workspace::new();
    let log_path = ws.path().join("terraform.log");
    ws.set_env("TF_LOG", "TRACE");
    ws.set_env("TF_LOG_PATH", &log_path.display().to_string());
    ws.configure(&sim, &resource("web", &ids(2), ""));
    ws.tf(&["plan"]).ok();
    ws.apply();
    let log = std::fs::read_to_string(&log_path).expect("TF_LOG_PATH written");
    let errors: Vec<&str> = log
        .lines()
        // The provider's own lines. (Terraform's plugin client may log "error encountered
        // while scanning stdout" when a plugin exits; that line is go-plugin's, not ours.)
        .filter(|l| l.contains("[ERROR]") && l.contains("provider.terraform-provider-zenlayer"))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(log.contains("GetProviderSchema"), "the log is the run's");
}
