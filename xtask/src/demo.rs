//! The demo: builds the provider and the simulator, starts `zenlayer-sim` on loopback, applies
//! `examples/quickstart` against it with the real terraform, then shows what reached the API and
//! what landed in state; then adds an instance to show that only it is reset; on Terraform 1.11
//! and later, also the write-only password and its rotation.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use serde::Deserialize;
use serde_json::json;

use crate::run::{cmd, root, run, step};
use crate::{setup, terraform};

/// The simulator's default credentials.
const KEY_ID: &str = "sim-access-key";
const KEY_PASSWORD: &str = "sim-access-key-password";

/// A running simulator, stopped on drop.
struct Sim {
    child: Child,
    url: String,
    http: reqwest::blocking::Client,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Deserialize)]
struct Call {
    seq: u64,
    action: String,
    instance_ids: Vec<String>,
    status: Option<u16>,
    request_id: String,
}

#[derive(Deserialize)]
struct Instance {
    id: String,
    status: String,
    reset_count: usize,
}

impl Sim {
    /// Starts `bin/zenlayer-sim` with five instances and one-second reboots; its output goes to
    /// files in `work`.
    fn start(bin: &Path, work: &Path) -> Result<Sim> {
        let out = work.join("sim.out");
        let child = Command::new(bin.join("zenlayer-sim"))
            .args(["--instances", "5", "--reboot-delay", "1s"])
            .stdout(std::fs::File::create(&out)?)
            .stderr(std::fs::File::create(work.join("sim.log"))?)
            .spawn()
            .context("starting zenlayer-sim")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        let url = loop {
            let text = std::fs::read_to_string(&out).unwrap_or_default();
            if let Some((line, _)) = text.split_once('\n') {
                break line.trim().to_string();
            }
            if Instant::now() > deadline {
                bail!("zenlayer-sim printed no URL within 10 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        println!("simulator at {url}");
        Ok(Sim {
            child,
            url,
            http: reqwest::blocking::Client::new(),
        })
    }

    fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        Ok(self
            .http
            .get(format!("{}{path}", self.url))
            .send()?
            .error_for_status()?
            .json()?)
    }

    fn calls(&self) -> Result<Vec<Call>> {
        self.get("/_sim/calls")
    }

    fn has_password(&self, id: &str, password: &str) -> Result<bool> {
        #[derive(Deserialize)]
        struct Check {
            matches: bool,
        }
        let check: Check = self
            .http
            .post(format!("{}/_sim/instances/{id}/password-check", self.url))
            .json(&json!({ "password": password }))
            .send()?
            .error_for_status()?
            .json()?;
        Ok(check.matches)
    }

    /// Prints the calls received since call number `since`, and every instance.
    fn show(&self, since: usize, password: &str) -> Result<()> {
        println!("API calls received by the simulator:");
        for c in self.calls()?.iter().skip(since) {
            println!(
                "  #{:<3} {:<24} {:>3} instance(s)  HTTP {}  request id {}",
                c.seq,
                c.action,
                c.instance_ids.len(),
                c.status.map_or("-".into(), |s| s.to_string()),
                c.request_id
            );
        }
        println!("Instances:");
        for i in self.get::<Vec<Instance>>("/_sim/instances")? {
            let has = if self.has_password(&i.id, password)? {
                "yes"
            } else {
                "no"
            };
            println!(
                "  {}  {:<8} resets: {}  has the new password: {has}",
                i.id, i.status, i.reset_count
            );
        }
        Ok(())
    }
}

/// Terraform in `dir`, wired to the simulator.
struct Tf<'a> {
    binary: &'a Path,
    dir: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl Tf<'_> {
    fn run(&self, args: &[&str]) -> Result<()> {
        run(self.command(args))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(self.binary);
        c.args(args)
            .current_dir(&self.dir)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())));
        c
    }

    fn set(&mut self, key: &'static str, value: &str) {
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.to_string()));
    }
}

/// Runs the demo.
pub fn demo() -> Result<()> {
    setup::build_deps()?;
    let tf_bin = terraform::for_tests()?;
    step("building terraform-provider-zenlayer and zenlayer-sim");
    run(cmd("cargo", ["build", "--quiet", "--bins", "--workspace"]))?;
    let bin = root().join("target/debug");
    let work = root().join("target/demo");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    std::fs::copy(
        root().join("examples/quickstart/main.tf"),
        work.join("main.tf"),
    )?;
    step("starting zenlayer-sim (5 instances; a reset reboots an instance for 1s)");
    let sim = Sim::start(&bin, &work)?;
    std::fs::write(
        work.join("cli.tfrc"),
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"zenlayer/zenlayer\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            bin.display()
        ),
    )?;
    let mut tf = Tf {
        binary: &tf_bin,
        dir: work.clone(),
        env: vec![
            (
                "TF_CLI_CONFIG_FILE",
                work.join("cli.tfrc").display().to_string(),
            ),
            ("CHECKPOINT_DISABLE", "1".into()),
            ("TF_IN_AUTOMATION", "1".into()),
            ("ZENLAYERCLOUD_ACCESS_KEY_ID", KEY_ID.into()),
            ("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", KEY_PASSWORD.into()),
            ("TF_VAR_endpoint", sim.url.clone()),
            ("TF_VAR_root_password", "Demo1!pass".into()),
            (
                "TF_VAR_instance_ids",
                r#"["ins-00001", "ins-00002", "ins-00003"]"#.into(),
            ),
        ],
    };
    quickstart(&sim, &mut tf)?;
    if terraform::supports_write_only(&tf_bin) {
        write_only(&sim, &mut tf, &work)?;
    } else {
        step(format!(
            "skipping password_wo: it needs Terraform 1.11 or later ({})",
            terraform::describe(&tf_bin)
        ));
    }
    step(format!("done: the working directory is {}", work.display()));
    Ok(())
}

/// The quickstart: apply three instances, plan again, add a fourth.
fn quickstart(sim: &Sim, tf: &mut Tf<'_>) -> Result<()> {
    step("terraform apply (3 instances)");
    tf.run(&["apply", "-auto-approve"])?;
    sim.show(0, "Demo1!pass")?;
    step("terraform plan again: nothing to do");
    let status = tf
        .command(&["plan", "-detailed-exitcode"])
        .stdout(Stdio::null())
        .status()?;
    if status.code() == Some(0) {
        println!("No changes.");
    }
    step("adding ins-00004: an in-place update that resets only the new instance");
    let before = sim.calls()?.len();
    tf.set(
        "TF_VAR_instance_ids",
        r#"["ins-00001", "ins-00002", "ins-00003", "ins-00004"]"#,
    );
    tf.run(&["apply", "-auto-approve"])?;
    sim.show(before, "Demo1!pass")?;
    step("state (with password, the state keeps it as a sensitive value)");
    tf.run(&["state", "show", "zenlayer_instance_password.quickstart"])?;
    if std::fs::read_to_string(tf.dir.join("terraform.tfstate"))?.contains("Demo1!pass") {
        println!("terraform.tfstate holds the password in plain text");
    }
    Ok(())
}

/// examples/write-only: the password never stored, then a new one with a new version.
fn write_only(sim: &Sim, tf: &mut Tf<'_>, work: &Path) -> Result<()> {
    step("password_wo (examples/write-only): the password never stored");
    let dir = work.join("write-only");
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(
        root().join("examples/write-only/main.tf"),
        dir.join("main.tf"),
    )?;
    tf.dir = dir.clone();
    tf.set("TF_VAR_instance_ids", r#"["ins-00005"]"#);
    let before = sim.calls()?.len();
    tf.run(&["apply", "-auto-approve"])?;
    sim.show(before, "Demo1!pass")?;
    let state = std::fs::read_to_string(dir.join("terraform.tfstate"))?;
    if state.contains("Demo1!pass") {
        println!("terraform.tfstate holds the password");
    } else {
        println!("terraform.tfstate does not hold the password (password_wo is null there)");
    }
    step("a new password: change the variable and bump password_version (replaces, resets again)");
    tf.set("TF_VAR_root_password", "Demo2@pass");
    tf.set("TF_VAR_password_version", "2");
    let before = sim.calls()?.len();
    tf.run(&["apply", "-auto-approve"])?;
    sim.show(before, "Demo2@pass")
}
