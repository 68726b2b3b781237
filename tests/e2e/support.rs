//! The end-to-end harness: a real `zenlayer-sim` process, a temporary Terraform working
//! directory whose CLI configuration points `zenlayer/zenlayer` at the freshly built provider
//! (`dev_overrides`), and the real `terraform` CLI.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
pub use zenlayer_sim::world::{
    CallRecord as SimCall, InstanceView as SimInstance, Unavailable as SimUnavailable,
};

/// The provider's source address.
pub const SOURCE: &str = "zenlayer/zenlayer";

/// A `terraform` block that requires provider `name` from `source`.
pub fn required_provider(name: &str, source: &str) -> String {
    format!("terraform {{\n  required_providers {{\n    {name} = {{ source = \"{source}\" }}\n  }}\n}}\n")
}

/// A CLI configuration whose `dev_overrides` install `source` from the binaries in `dir`.
pub fn dev_overrides_config(source: &str, dir: &Path) -> String {
    format!(
        "provider_installation {{\n  dev_overrides {{\n    \"{source}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
        dir.display()
    )
}

/// Credentials the simulators of these tests accept.
pub const ACCESS_KEY_ID: &str = "e2e-access-key";
pub const ACCESS_KEY_PASSWORD: &str = "E2eAccessKeyPassword-7f3a";
/// The password most tests set.
pub const PASSWORD: &str = "Good1!pass";

/// The repository's root directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The provider binary under test: the one cargo built for these tests, or the one
/// `TF_ACC_PROVIDER_BINARY` names (a release build, such as a static musl binary).
pub fn provider_binary() -> PathBuf {
    match std::env::var_os("TF_ACC_PROVIDER_BINARY").filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-zenlayer")),
    }
}

/// The `zenlayer-sim` binary: `ZENLAYER_SIM_BINARY`, else the one cargo built beside the
/// tests' provider (`cargo build -p zenlayer-sim`, which `cargo xtask test` runs). Panics with
/// how to build it when it is missing.
pub fn sim_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("ZENLAYER_SIM_BINARY").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let built = Path::new(env!("CARGO_BIN_EXE_terraform-provider-zenlayer"))
        .with_file_name(format!("zenlayer-sim{}", std::env::consts::EXE_SUFFIX));
    assert!(
        built.is_file(),
        "{} is missing: build it with `cargo build -p zenlayer-sim` (`cargo xtask test` does), or set ZENLAYER_SIM_BINARY",
        built.display()
    );
    built
}

/// `TF_ACC_TERRAFORM_PATH`, else `terraform` on PATH, else `tofu`. Panics (fails the test,
/// never skips it) when none is found.
pub fn terraform_binary() -> PathBuf {
    if let Ok(p) = std::env::var("TF_ACC_TERRAFORM_PATH") {
        if !p.is_empty() {
            return PathBuf::from(p);
        }
    }
    for name in ["terraform", "tofu"] {
        if let Some(path) = find_on_path(name) {
            return path;
        }
    }
    panic!("no terraform found: set TF_ACC_TERRAFORM_PATH, or put terraform (or tofu) on PATH; `bash scripts/test.sh` installs Terraform 1.0.3 when none is present");
}

/// The (major, minor) version of [`terraform_binary`], read once.
pub fn terraform_version() -> (u32, u32) {
    static VERSION: std::sync::OnceLock<(u32, u32)> = std::sync::OnceLock::new();
    *VERSION.get_or_init(|| {
        let out = Command::new(terraform_binary())
            .args(["version", "-json"])
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .expect("terraform version runs");
        let v: Value = serde_json::from_slice(&out.stdout).expect("terraform version -json");
        let text = v["terraform_version"]
            .as_str()
            .expect("a version")
            .to_string();
        let mut parts = text
            .split('.')
            .map(|p| p.parse::<u32>().expect("numeric version"));
        (parts.next().expect("major"), parts.next().expect("minor"))
    })
}

/// Whether this Terraform handles write-only arguments (1.11 and later).
pub fn supports_write_only() -> bool {
    terraform_version() >= (1, 11)
}

/// `name` in a directory of PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Polls `f` until it returns `Some`, or panics after `timeout` with `what`.
pub fn poll<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running simulator, killed on drop. What it prints goes to files, so that tests can scan it.
pub struct Sim {
    child: Child,
    /// Its base URL.
    pub url: String,
    http: reqwest::blocking::Client,
    output: tempfile::TempDir,
}

impl Sim {
    /// Starts `zenlayer-sim` with `n` RUNNING instances (ins-00001...) and extra arguments.
    pub fn start(n: usize, extra: &[&str]) -> Sim {
        Sim::start_with_fleet(n, None, extra)
    }

    /// Like [`Sim::start`], plus the instances a fleet description (`--fleet`) gives.
    pub fn start_with_fleet(n: usize, fleet: Option<&Value>, extra: &[&str]) -> Sim {
        let output = tempfile::tempdir().expect("temp dir");
        let fleet_path = output.path().join("fleet.json");
        if let Some(fleet) = fleet {
            std::fs::write(&fleet_path, fleet.to_string()).expect("fleet file");
        }
        let file =
            |name: &str| std::fs::File::create(output.path().join(name)).expect("output file");
        let mut command = Command::new(sim_binary());
        command
            .args(["--listen", "127.0.0.1:0", "--instances", &n.to_string()])
            .args(["--access-key-id", ACCESS_KEY_ID])
            .env("ZENLAYER_SIM_ACCESS_KEY_PASSWORD", ACCESS_KEY_PASSWORD);
        // Short transitions unless the test asks otherwise.
        for delay in ["--reboot-delay", "--boot-delay", "--stop-delay"] {
            if !extra.contains(&delay) {
                command.args([delay, "200ms"]);
            }
        }
        if fleet.is_some() {
            command.arg("--fleet").arg(&fleet_path);
        }
        let child = command
            .args(extra)
            .stdout(file("stdout"))
            .stderr(file("stderr"))
            .spawn()
            .expect("zenlayer-sim starts");
        let stdout = output.path().join("stdout");
        let url = poll(Duration::from_secs(30), "zenlayer-sim's URL", || {
            let text = std::fs::read_to_string(&stdout).ok()?;
            text.split_once('\n')
                .map(|(line, _)| line.trim().to_string())
        });
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("https://127.0.0.1:"),
            "unexpected first line {url:?}"
        );
        // The harness reads its own simulator; with --tls-cert, the certificate is whatever
        // the test made, and the provider's trust is what the test checks.
        let http = reqwest::blocking::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .expect("an HTTP client");
        Sim {
            child,
            url,
            http,
            output,
        }
    }

    /// Everything the simulator printed so far, stdout then stderr.
    pub fn output(&self) -> String {
        ["stdout", "stderr"]
            .iter()
            .map(|name| {
                std::fs::read_to_string(self.output.path().join(name))
                    .unwrap_or_else(|e| panic!("the simulator's {name}: {e}"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// GETs an inspection path and decodes it as `T`; panics on any failure, so that a check
    /// can never pass on an empty answer.
    fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> reqwest::blocking::Response {
        self.http
            .request(method.clone(), format!("{}{path}", self.url))
            .json(&body)
            .send()
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Every instance, in id order.
    pub fn instances(&self) -> Vec<SimInstance> {
        let all: Vec<SimInstance> = self.get("/_sim/instances");
        assert!(!all.is_empty(), "the simulator has no instances");
        all
    }

    /// One instance's view.
    pub fn instance(&self, id: &str) -> SimInstance {
        self.get(&format!("/_sim/instances/{id}"))
    }

    /// Current status of an instance.
    pub fn status(&self, id: &str) -> String {
        self.instance(id).status
    }

    /// How many resets an instance received.
    pub fn reset_count(&self, id: &str) -> usize {
        self.instance(id).reset_count
    }

    /// The call log.
    pub fn calls(&self) -> Vec<SimCall> {
        self.get("/_sim/calls")
    }

    /// The calls of one action.
    pub fn calls_of(&self, action: &str) -> Vec<SimCall> {
        self.calls()
            .into_iter()
            .filter(|c| c.action == action)
            .collect()
    }

    /// Calls other than status reads.
    pub fn write_calls(&self) -> Vec<SimCall> {
        self.calls()
            .into_iter()
            .filter(|c| c.action != "DescribeInstancesStatus" && c.action != "DescribeInstances")
            .collect()
    }

    /// Waits until a reset was accepted and a status poll followed it (an apply is then in its
    /// wait for RUNNING).
    pub fn wait_for_polling_after_a_reset(&self) {
        poll(Duration::from_secs(60), "a reset and a status poll", || {
            let calls = self.calls();
            let reset = calls
                .iter()
                .position(|c| c.action == "ResetInstancesPassword" && c.status == Some(200))?;
            calls[reset..]
                .iter()
                .any(|c| c.action == "DescribeInstancesStatus")
                .then_some(())
        });
    }

    /// A one-line account of the calls received since call number `since` (0 for all), for
    /// test logs: `DescribeInstancesStatus(2) StopInstances(2, graceful) ...`.
    pub fn call_summary(&self, since: usize) -> String {
        self.calls()
            .iter()
            .skip(since)
            .map(|c| {
                let n = c.instance_ids.len();
                let force = match c.force_shutdown {
                    Some(false) => ", graceful",
                    Some(true) => ", forced",
                    None => "",
                };
                let outcome = match (c.status, &c.code) {
                    (Some(200), _) => String::new(),
                    (Some(s), Some(code)) => format!(" -> {s} {code}"),
                    (Some(s), None) => format!(" -> {s}"),
                    (None, _) => " -> no answer".to_string(),
                };
                format!("{}({n}{force}){outcome}", c.action)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Adds fault rules (one object or an array).
    pub fn fault(&self, rules: Value) {
        self.send(reqwest::Method::POST, "/_sim/faults", rules);
    }

    /// The simulator's own record of instances out of RUNNING: now, and the most at once.
    pub fn unavailable(&self) -> SimUnavailable {
        self.get("/_sim/unavailable")
    }

    /// The most instances out of RUNNING at once, by the simulator's record.
    pub fn peak_unavailable(&self) -> usize {
        self.unavailable().peak
    }

    /// Starts the record of instances out of RUNNING again from now.
    pub fn reset_unavailable(&self) {
        self.http
            .delete(format!("{}/_sim/unavailable", self.url))
            .send()
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("DELETE /_sim/unavailable: {e}"));
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.http
            .delete(format!("{}/_sim/faults", self.url))
            .send()
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("DELETE /_sim/faults: {e}"));
    }

    /// Replaces the settings (power_rule, delays in ms, latency in ms).
    pub fn settings(&self, settings: Value) {
        self.send(reqwest::Method::PUT, "/_sim/settings", settings);
    }

    /// Sets the power rule, keeping the test delays.
    pub fn power_rule(&self, rule: &str) {
        let mut s: Value = self.get("/_sim/settings");
        s["power_rule"] = json!(rule);
        self.settings(s);
    }

    /// Changes an instance's status and/or auto-restart behaviour.
    pub fn patch(&self, id: &str, body: Value) {
        self.send(
            reqwest::Method::PATCH,
            &format!("/_sim/instances/{id}"),
            body,
        );
    }

    /// Creates instances.
    pub fn create(&self, ids: &[String], status: &str) {
        self.send(
            reqwest::Method::PUT,
            "/_sim/instances",
            json!({"ids": ids, "status": status}),
        );
    }

    /// Adds instances described as in a fleet file (`id`, `status`, `tags`, `zone_id`, ...).
    pub fn add_instances(&self, instances: Value) {
        self.send(
            reqwest::Method::PUT,
            "/_sim/instances",
            json!({"instances": instances}),
        );
    }

    /// Deletes an instance.
    pub fn delete(&self, id: &str) {
        self.http
            .delete(format!("{}/_sim/instances/{id}", self.url))
            .send()
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("DELETE {id}: {e}"));
    }

    /// Whether `password` is the instance's current password. Panics when the instance does
    /// not exist or the check fails, so that a negative check cannot pass by accident.
    pub fn password_matches(&self, id: &str, password: &str) -> bool {
        #[derive(serde::Deserialize)]
        struct Check {
            matches: bool,
        }
        let path = format!("/_sim/instances/{id}/password-check");
        let check: Check = self
            .send(reqwest::Method::POST, &path, json!({"password": password}))
            .json()
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        check.matches
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway CA and a certificate it issued for 127.0.0.1, as PEM files in `dir`:
/// (CA certificate, server certificate, server key).
pub fn throwaway_tls(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "zenlayer test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let key = KeyPair::generate().expect("server key");
    // "127.0.0.1" becomes an IP address subject alternative name.
    let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("server params");
    let cert = params
        .signed_by(&key, &ca, &ca_key)
        .expect("server certificate");
    let files = (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server-key.pem"),
    );
    for (path, pem) in [
        (&files.0, ca.pem()),
        (&files.1, cert.pem()),
        (&files.2, key.serialize_pem()),
    ] {
        std::fs::write(path, pem).expect("write PEM");
    }
    files
}

/// Ids ins-00001 ... ins-N, as the simulator names them.
pub fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("ins-{i:05}")).collect()
}

/// HCL for a list of strings.
pub fn hcl_list(ids: &[String]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The action `zenlayer_instance_password_reset` named `name` on `ids`, with `extra` lines in
/// its config; its password comes from the ephemeral variable `reset_password`.
pub fn reset_action(name: &str, ids: &[String], extra: &str) -> String {
    format!(
        "variable \"reset_password\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n\
         action \"zenlayer_instance_password_reset\" \"{name}\" {{\n  config {{\n    instance_ids = {}\n    password_wo  = var.reset_password\n{extra}\n  }}\n}}\n",
        hcl_list(ids)
    )
}

/// The progress lines of every invoke, as the provider logged them in the `PLUGIN_LOG_FILE`
/// at `log` (Terraform 1.14 and 1.15 are sent none: they crash on one that arrives after
/// Ctrl-C).
pub fn invoke_progress(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).expect("PLUGIN_LOG_FILE written");
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|entry| entry["@message"] == "action progress")
        .map(|entry| entry["line"].as_str().expect("a line field").to_string())
        .collect()
}

/// The result of one terraform command.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout and stderr together, with runs of whitespace collapsed (Terraform wraps long
    /// diagnostic lines).
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// stdout and stderr as printed.
    pub fn raw(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panics with the output unless the command succeeded.
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "terraform failed:\n{}", self.raw());
        self
    }

    /// Panics with the output unless the command failed.
    pub fn failed(self) -> Run {
        assert_ne!(
            self.code,
            0,
            "terraform unexpectedly succeeded:\n{}",
            self.raw()
        );
        self
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A Terraform working directory wired to the freshly built provider.
pub struct Workspace {
    dir: tempfile::TempDir,
    terraform: PathBuf,
    env: Vec<(String, String)>,
}

/// Provider settings that keep tests fast: short polls and grace, quick retries.
pub const FAST_PROVIDER_SETTINGS: &str = r#"
  poll_interval        = "50ms"
  restart_grace_period = "1s"
  retry_base_delay     = "20ms"
  request_timeout      = "5s"
"#;

impl Workspace {
    /// A new directory with a CLI configuration whose `dev_overrides` point at the provider.
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("temp dir");
        let provider_dir = provider_binary()
            .parent()
            .expect("provider in a directory")
            .to_path_buf();
        std::fs::write(
            dir.path().join("cli.tfrc"),
            dev_overrides_config(SOURCE, &provider_dir),
        )
        .expect("write cli.tfrc");
        let env = vec![
            (
                "TF_CLI_CONFIG_FILE".into(),
                dir.path().join("cli.tfrc").display().to_string(),
            ),
            ("TF_IN_AUTOMATION".into(), "1".into()),
            ("TF_INPUT".into(), "0".into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
            ("TF_VAR_root_password".into(), PASSWORD.into()),
        ];
        Workspace {
            dir,
            terraform: terraform_binary(),
            env,
        }
    }

    /// A new workspace configured for `sim` (see [`Workspace::configure`]) with the resource
    /// `web` on `ids`, plus `extra` lines in its block.
    pub fn for_resource(sim: &Sim, ids: &[String], extra: &str) -> Workspace {
        let mut ws = Workspace::new();
        ws.configure(sim, &resource("web", ids, extra));
        ws
    }

    /// Runs later commands with the Terraform at `path` instead.
    pub fn use_terraform(&mut self, path: PathBuf) {
        self.terraform = path;
    }

    /// Replaces the CLI configuration (`TF_CLI_CONFIG_FILE`) of later commands.
    pub fn set_cli_config(&self, text: &str) {
        std::fs::write(self.dir.path().join("cli.tfrc"), text).expect("write cli.tfrc");
    }

    /// Sets `PLUGIN_LOG_FILE` for later commands, and returns its path.
    pub fn plugin_log(&mut self) -> PathBuf {
        let path = self.dir.path().join("plugin.log");
        self.set_env("PLUGIN_LOG_FILE", &path.display().to_string());
        path
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Sets an environment variable for later commands.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    /// Writes `main.tf`.
    pub fn write(&self, main_tf: &str) {
        std::fs::write(self.dir.path().join("main.tf"), main_tf).expect("write main.tf");
    }

    /// Writes a configuration: the provider pointed at `sim` (credentials from the
    /// environment, fast settings), a sensitive `root_password` variable, and `body`.
    pub fn configure(&mut self, sim: &Sim, body: &str) {
        self.configure_with(sim, FAST_PROVIDER_SETTINGS, body);
    }

    /// Like [`Workspace::configure`] with explicit extra provider arguments.
    pub fn configure_with(&mut self, sim: &Sim, provider_args: &str, body: &str) {
        self.set_env("ZENLAYERCLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID);
        self.set_env("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", ACCESS_KEY_PASSWORD);
        self.write(&format!(
            r#"{required}
provider "zenlayer" {{
  endpoint = "{url}"
{provider_args}
}}

variable "root_password" {{
  type      = string
  sensitive = true
}}

{body}
"#,
            required = required_provider("zenlayer", SOURCE),
            url = sim.url
        ));
    }

    /// A terraform command, not waited for.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.terraform);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .env_remove("TF_LOG_PROVIDER")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd
    }

    /// Runs terraform with `args` (plus `-no-color`).
    pub fn tf(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        all.push("-no-color");
        self.command(&all).output().expect("terraform runs").into()
    }

    /// Runs any program in the directory, with the workspace's environment.
    pub fn run(&self, program: &str, args: &[&str]) -> Run {
        Command::new(program)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .env_remove("TF_LOG_PROVIDER")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("program runs")
            .into()
    }

    /// `terraform apply -auto-approve`, which must succeed.
    pub fn apply(&self) -> Run {
        self.tf(&["apply", "-auto-approve"]).ok()
    }

    /// `terraform apply -auto-approve`, which must fail; the calls `sim` received are printed
    /// for the test's log.
    pub fn apply_failing(&self, sim: &Sim) -> Run {
        let run = self.tf(&["apply", "-auto-approve"]).failed();
        eprintln!("calls: {}", sim.call_summary(0));
        run
    }

    /// `terraform plan -out`, then the plan as JSON.
    pub fn plan_json(&self) -> Value {
        self.tf(&["plan", "-out=tfplan"]).ok();
        let shown = self.tf(&["show", "-json", "tfplan"]).ok();
        serde_json::from_str(&shown.stdout).expect("plan JSON")
    }

    /// The actions planned for `address`, e.g. `["update"]`.
    pub fn planned_actions(&self, address: &str) -> Vec<String> {
        let plan = self.plan_json();
        plan["resource_changes"]
            .as_array()
            .and_then(|rcs| rcs.iter().find(|rc| rc["address"] == address))
            .and_then(|rc| rc["change"]["actions"].as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The state as JSON (`terraform show -json`).
    pub fn state(&self) -> Value {
        let shown = self.tf(&["show", "-json"]).ok();
        serde_json::from_str(&shown.stdout).expect("state JSON")
    }

    /// The attribute values of `address` in state, if it is there.
    pub fn resource(&self, address: &str) -> Option<Value> {
        self.state()["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == address))
            .map(|r| r["values"].clone())
    }

    /// `instance_ids` of `address` in state (sorted), empty when absent.
    pub fn state_ids(&self, address: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .resource(address)
            .and_then(|v| v["instance_ids"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        ids.sort();
        ids
    }

    /// Whether `address` is tainted in state; panics when it is not in state.
    pub fn tainted(&self, address: &str) -> bool {
        let state = self.state();
        let resource = state["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == address))
            .unwrap_or_else(|| panic!("{address} is not in state"));
        resource["tainted"] == true
    }
}

/// The resource block most tests use.
pub fn resource(name: &str, ids: &[String], extra: &str) -> String {
    format!(
        "resource \"zenlayer_instance_password\" \"{name}\" {{\n  instance_ids = {}\n  password     = var.root_password\n{extra}\n}}\n",
        hcl_list(ids)
    )
}

/// Panics if `secret` occurs in the file at `path`.
pub fn assert_file_free_of(path: &Path, secret: &str) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "{} holds the password",
        path.display()
    );
}

/// The names of the saved plan file's members that contain `secret` (each member
/// decompressed), and how many members there are.
pub fn plan_members_holding(plan: &Path, secret: &str) -> (Vec<String>, usize) {
    use std::io::Read as _;
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(plan).expect("the saved plan")).expect("a zip");
    let mut holding = Vec::new();
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).expect("a member");
        let mut bytes = Vec::new();
        member.read_to_end(&mut bytes).expect("readable");
        if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
            holding.push(member.name().to_string());
        }
    }
    (holding, archive.len())
}

/// How an interruption reaches Terraform.
#[derive(Clone, Copy, Debug)]
pub enum Interrupt {
    /// Ctrl-C in a terminal: SIGINT to the whole process group, the provider included.
    CtrlC,
    /// A pipeline cancelling the job: SIGTERM to terraform alone, which then asks the
    /// provider to stop over the plugin protocol (StopProvider).
    Cancel,
}

/// terraform with `args` (plus `-no-color`) in its own process group, as a terminal starts it,
/// not waited for.
pub fn in_background(ws: &Workspace, args: &[&str]) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    let mut all = args.to_vec();
    all.push("-no-color");
    ws.command(&all)
        .process_group(0)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("terraform starts")
}

/// Interrupts `child` as `how` says, and returns what it printed once it ended.
pub fn interrupt(child: std::process::Child, how: Interrupt) -> Run {
    let pid = child.id().to_string();
    let (signal, target) = match how {
        Interrupt::CtrlC => ("-INT", format!("-{pid}")),
        Interrupt::Cancel => ("-TERM", pid),
    };
    let status = std::process::Command::new("kill")
        .args([signal, "--", &target])
        .status()
        .expect("kill runs");
    assert!(status.success());
    child.wait_with_output().expect("terraform ends").into()
}

/// The processes whose environment holds `KEY=value` (a workspace's marker, which Terraform
/// hands its plugins).
pub fn processes_with_env(key: &str, value: &str) -> Vec<u32> {
    let wanted = format!("{key}={value}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        panic!("/proc is not readable");
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == wanted.as_bytes()))
        })
        .collect()
}
