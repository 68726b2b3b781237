//! Interrupted under load and abandoned mid-operation: Ctrl-C during an action's invoke never
//! crashes Terraform (1.14 and 1.15 crash on any event after an interrupt), and every instance
//! ends RUNNING again; when Terraform is killed mid-operation, the provider brings back what
//! it stopped before it exits, and leaves no process behind.

use std::time::Duration;

use crate::support::*;

const ACTION: &str = "action.zenlayer_instance_password_reset.now";

/// Instances of each Ctrl-C try: one reset call each, so that calls and lines keep coming.
const FLEET: usize = 40;

/// One Ctrl-C try: an invoke of `FLEET` instances in batches of 1 (with
/// `shutdown_before_reset` on the stopped rule, or in place on the running rule), interrupted
/// after `after` accepted resets.
fn ctrl_c_try(shutdown: bool, after: usize) -> Result<(), String> {
    let rule = if shutdown { "stopped" } else { "running" };
    let sim = Sim::start(FLEET, &["--power-rule", rule, "--stop-delay", "500ms"]);
    let mut ws = Workspace::new();
    ws.set_env("TF_VAR_reset_password", "Act1!pass");
    let extra = if shutdown {
        "    shutdown_before_reset = true"
    } else {
        ""
    };
    ws.configure_with(
        &sim,
        &format!("{FAST_PROVIDER_SETTINGS}  batch_size = 1\n"),
        &reset_action("now", &ids(FLEET), extra),
    );
    let child = in_background(
        &ws,
        &["apply", "-auto-approve", &format!("-invoke={ACTION}")],
    );
    poll(Duration::from_secs(60), "resets under way", || {
        let accepted = sim
            .calls_of("ResetInstancesPassword")
            .iter()
            .filter(|c| c.status == Some(200))
            .count();
        (accepted >= after).then_some(())
    });
    let run = interrupt(child, Interrupt::CtrlC);
    let raw = run.raw();
    if raw.contains("TERRAFORM CRASH") || raw.contains("panic:") || run.code > 1 {
        return Err(format!(
            "shutdown {shutdown}, after {after}: exit {}:\n{raw}",
            run.code
        ));
    }
    poll(
        Duration::from_secs(30),
        "every instance RUNNING again",
        || {
            sim.instances()
                .iter()
                .all(|i| i.status == "RUNNING")
                .then_some(())
        },
    );
    Ok(())
}

#[test]
fn twenty_ctrl_c_under_load_never_crash_terraform_and_leave_every_instance_running() {
    if terraform_version() < (1, 14) {
        eprintln!("skipped: actions need Terraform 1.14 or later");
        return;
    }
    // Ten with shutdown_before_reset, ten without, at different points, four at a time.
    let tries: Vec<(bool, usize)> = (0..20).map(|i| (i % 2 == 0, 2 + i)).collect();
    let failures: Vec<String> = std::thread::scope(|scope| {
        tries
            .chunks(4)
            .flat_map(|round| {
                let running: Vec<_> = round
                    .iter()
                    .map(|&(shutdown, after)| scope.spawn(move || ctrl_c_try(shutdown, after)))
                    .collect();
                running
                    .into_iter()
                    .map(|t| t.join().expect("a try ends"))
                    .collect::<Vec<_>>()
            })
            .filter_map(Result::err)
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of 20 tries failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Kills terraform while the operation `args` starts has stopped instances, then checks that
/// the provider starts them again and exits.
fn killed_mid_operation(args: &[&str], body: &str) {
    let sim = Sim::start(2, &["--power-rule", "stopped", "--stop-delay", "2s"]);
    let mut ws = Workspace::new();
    let marker = format!("{}-{}", std::process::id(), args.len());
    ws.set_env("ZENLAYER_E2E_MARKER", &marker);
    ws.set_env("TF_VAR_reset_password", "Act1!pass");
    ws.configure(&sim, body);
    let child = in_background(&ws, args);
    poll(Duration::from_secs(60), "the stop", || {
        (!sim.calls_of("StopInstances").is_empty()).then_some(())
    });
    assert!(
        !processes_with_env("ZENLAYER_E2E_MARKER", &marker).is_empty(),
        "the provider runs"
    );
    // Every terraform process at once: Terraform 1.0 runs itself again as a child (to catch
    // its own panics), and that child runs the apply.
    let terraform = std::fs::canonicalize(terraform_binary()).expect("terraform's path");
    let pids: Vec<String> = processes_with_env("ZENLAYER_E2E_MARKER", &marker)
        .into_iter()
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == terraform)
        })
        .map(|pid| pid.to_string())
        .collect();
    let killed = std::process::Command::new("kill")
        .arg("-KILL")
        .args(&pids)
        .status()
        .expect("kill runs");
    assert!(killed.success(), "{pids:?}");
    let _ = child.wait_with_output();
    poll(
        Duration::from_secs(60),
        "both instances RUNNING again",
        || {
            (sim.status("ins-00001") == "RUNNING" && sim.status("ins-00002") == "RUNNING")
                .then_some(())
        },
    );
    poll(Duration::from_secs(30), "the provider gone", || {
        processes_with_env("ZENLAYER_E2E_MARKER", &marker)
            .is_empty()
            .then_some(())
    });
    eprintln!("calls: {}", sim.call_summary(0));
    assert!(!sim.calls_of("StartInstances").is_empty());
}

#[test]
fn terraform_killed_during_an_apply_leaves_no_instance_off_and_no_process_behind() {
    let body = resource("web", &ids(2), "  shutdown_before_reset = true");
    killed_mid_operation(&["apply", "-auto-approve"], &body);
}

#[test]
fn terraform_killed_during_an_invoke_leaves_no_instance_off_and_no_process_behind() {
    if terraform_version() < (1, 14) {
        eprintln!("skipped: actions need Terraform 1.14 or later");
        return;
    }
    let body = reset_action("now", &ids(2), "    shutdown_before_reset = true");
    killed_mid_operation(
        &["apply", "-auto-approve", &format!("-invoke={ACTION}")],
        &body,
    );
}
