//! The plugin as a process: it exits promptly on SIGTERM (idle, during an apply, or orphaned
//! after Terraform was killed), ignores SIGINT as go-plugin providers do, and reports what it
//! did before it goes.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

const ADDR: &str = "zenlayer_instance_password.web";

/// The plugin started the way Terraform starts it, after its handshake line.
struct Plugin {
    child: Child,
    /// Kept open: the plugin's stdout is Terraform's pipe.
    _stdout: BufReader<ChildStdout>,
}

impl Plugin {
    fn start() -> Plugin {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
            .expect("a client certificate")
            .cert
            .pem();
        let mut child = Command::new(provider_binary())
            .env(
                "TF_PLUGIN_MAGIC_COOKIE",
                "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
            )
            .env("PLUGIN_PROTOCOL_VERSIONS", "6")
            .env("PLUGIN_CLIENT_CERT", cert)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the plugin starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a handshake line");
        assert!(line.starts_with("1|6|tcp|127.0.0.1:"), "{line:?}");
        Plugin {
            child,
            _stdout: stdout,
        }
    }

    /// Waits for the exit, failing after `limit`; returns the status and how long it took.
    fn exit_within(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        let status = poll(limit, "the plugin to exit", || {
            self.child.try_wait().expect("try_wait")
        });
        (status, started.elapsed())
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

#[test]
fn sigterm_while_idle_exits_within_a_second() {
    let mut plugin = Plugin::start();
    signal(plugin.child.id(), "TERM");
    let (status, took) = plugin.exit_within(Duration::from_secs(5));
    eprintln!("idle SIGTERM: exited with {status} after {took:?}");
    assert_eq!(status.code(), Some(0), "an orderly exit");
    assert!(took <= Duration::from_secs(1), "took {took:?}");
}

#[test]
fn sigint_is_ignored() {
    let mut plugin = Plugin::start();
    // Pending signals are delivered lowest number first: were SIGINT not ignored, the plugin
    // would die of it (status "signal 2") before SIGTERM's orderly exit.
    signal(plugin.child.id(), "INT");
    signal(plugin.child.id(), "TERM");
    let (status, _) = plugin.exit_within(Duration::from_secs(5));
    assert_eq!(
        status.code(),
        Some(0),
        "{status}: SIGINT must not end the plugin"
    );
}

/// Each process's (pid, parent pid, command name), from /proc.
fn processes() -> Vec<(u32, u32, String)> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid ..."
            let (head, rest) = stat.split_once(") ")?;
            let comm = head.split_once(" (")?.1.to_string();
            let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid, comm))
        })
        .collect()
}

/// `pid` and the processes below it, with their command names.
fn tree(pid: u32) -> Vec<(u32, String)> {
    let all = processes();
    let mut below = vec![(pid, String::new())];
    let mut i = 0;
    while i < below.len() {
        let parent = below[i].0;
        below.extend(
            all.iter()
                .filter(|p| p.1 == parent)
                .map(|p| (p.0, p.2.clone())),
        );
        i += 1;
    }
    below
}

/// The pid of the provider process below Terraform (`terraform_pid`). Terraform 1.0 runs
/// itself in a child process (panicwrap), so the provider may be a grandchild.
fn provider_pid(terraform_pid: u32) -> u32 {
    poll(Duration::from_secs(30), "the provider process", || {
        tree(terraform_pid)
            .into_iter()
            .find(|(_, comm)| comm.starts_with("terraform-provi"))
            .map(|p| p.0)
    })
}

/// Whether process `pid` has exited (gone, or a zombie nobody reaped yet).
fn exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .split_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

/// An apply that is polling for RUNNING (the instances reboot for two minutes).
fn apply_in_its_wait(sim: &Sim) -> (Workspace, Child) {
    let ws = Workspace::for_resource(sim, &ids(2), "");
    let child = ws
        .command(&["apply", "-auto-approve", "-no-color"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("terraform starts");
    sim.wait_for_polling_after_a_reset();
    (ws, child)
}

#[test]
fn sigterm_during_an_apply_ends_the_wait_reports_and_exits() {
    let sim = Sim::start(2, &["--reboot-delay", "120s"]);
    let (ws, child) = apply_in_its_wait(&sim);
    let provider = provider_pid(child.id());
    let sent = Instant::now();
    signal(provider, "TERM");
    poll(Duration::from_secs(10), "the provider to exit", || {
        exited(provider).then_some(())
    });
    let took = sent.elapsed();
    let run: Run = child.wait_with_output().expect("terraform ends").into();
    eprintln!("SIGTERM during the wait: provider gone after {took:?}");
    let run = run.failed();
    assert!(
        run.all().contains("The provider process received SIGTERM"),
        "the report reached Terraform:\n{}",
        run.raw()
    );
    assert!(took <= Duration::from_secs(2), "took {took:?}");
    assert_eq!(
        sim.status("ins-00001"),
        "REBOOT",
        "the wait ended, not the reboot"
    );
    assert_eq!(
        ws.state_ids(ADDR),
        ids(2),
        "state keeps the resets that happened"
    );
}

#[test]
fn an_orphaned_provider_exits_on_sigterm_after_terraform_was_killed() {
    let sim = Sim::start(2, &["--reboot-delay", "120s"]);
    let (_ws, mut child) = apply_in_its_wait(&sim);
    let provider = provider_pid(child.id());
    let terraform_processes = tree(child.id());
    child.kill().expect("SIGKILL to terraform");
    child.wait().expect("terraform reaped");
    assert!(
        !exited(provider),
        "the provider outlives a killed Terraform"
    );
    let sent = Instant::now();
    signal(provider, "TERM");
    poll(
        Duration::from_secs(10),
        "the orphaned provider to exit",
        || exited(provider).then_some(()),
    );
    let took = sent.elapsed();
    eprintln!("SIGTERM to an orphaned provider: gone after {took:?}");
    assert!(took <= Duration::from_secs(2), "took {took:?}");
    // Terraform 1.0's inner process outlives the killed outer one: leave nothing behind.
    for (pid, _) in terraform_processes {
        if !exited(pid) {
            signal(pid, "KILL");
        }
    }
}
