//! The GitHub Actions workflows (the project's own and the GitOps example's) pass `actionlint`
//! (with shellcheck on every step's script) and `zizmor` at its strictest persona, with no
//! finding at all. `bash scripts/test.sh` installs the pinned linters into `.tools/lint/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{find_on_path, root, Run};

/// A linter from `.tools/lint/bin` (or the environment variable `env`, or PATH for
/// shellcheck). Panics with how to install it: a missing linter fails, never skips.
fn linter(name: &str, env: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let local = root().join(".tools/lint/bin").join(name);
    if local.is_file() {
        return local;
    }
    find_on_path(name).unwrap_or_else(|| {
        panic!("{name} not found: `bash scripts/test.sh` installs it (or set {env})")
    })
}

/// Every workflow the project publishes: .github/workflows/*.yml and the GitOps example.
fn workflows() -> Vec<PathBuf> {
    let dir = root().join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files.push(root().join("examples/gitops/pipeline.yml"));
    files
}

fn actionlint(files: &[PathBuf]) -> Run {
    let shellcheck = linter("shellcheck", "SHELLCHECK");
    Command::new(linter("actionlint", "ACTIONLINT"))
        .arg("-no-color")
        .arg(format!("-shellcheck={}", shellcheck.display()))
        .args(files)
        .output()
        .expect("actionlint runs")
        .into()
}

fn zizmor(files: &[PathBuf]) -> Run {
    Command::new(linter("zizmor", "ZIZMOR"))
        .args([
            "--offline",
            "--persona",
            "auditor",
            "--no-progress",
            "--color",
            "never",
        ])
        .args(files)
        .output()
        .expect("zizmor runs")
        .into()
}

fn names(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|p| p.strip_prefix(root()).unwrap_or(p).display().to_string())
        .collect()
}

#[test]
fn every_workflow_passes_actionlint_and_zizmor_without_a_finding() {
    let files = workflows();
    let listed = names(&files);
    for expected in [
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        "examples/gitops/pipeline.yml",
    ] {
        assert!(
            listed.iter().any(|n| n == expected),
            "{expected} in {listed:?}"
        );
    }
    let lint = actionlint(&files);
    assert!(
        lint.code == 0 && lint.stdout.trim().is_empty(),
        "actionlint on {listed:?}:\n{}",
        lint.raw()
    );
    let audit = zizmor(&files);
    assert!(
        audit.code == 0 && audit.stdout.contains("No findings"),
        "zizmor on {listed:?}:\n{}",
        audit.raw()
    );
}

/// The linters are live: the mistakes the GitOps example used to carry (an action on the
/// removed node20 runtime, unpinned actions, an expression spliced into a script) are found.
#[test]
fn the_linters_find_the_mistakes_they_are_here_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.yml");
    write(
        &bad,
        "name: bad\non: pull_request\npermissions: {}\njobs:\n  plan:\n    name: plan\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n      - run: curl -o zip \"${{ github.event.pull_request.title }}\"\n",
    );
    let lint = actionlint(std::slice::from_ref(&bad));
    assert_ne!(lint.code, 0, "{}", lint.raw());
    assert!(
        lint.stdout.contains("actions/checkout@v4"),
        "{}",
        lint.raw()
    );
    let audit = zizmor(&[bad]);
    assert_ne!(audit.code, 0, "{}", audit.raw());
    for audit_name in ["unpinned-uses", "template-injection", "artipacked"] {
        assert!(
            audit.stdout.contains(audit_name),
            "{audit_name}:\n{}",
            audit.raw()
        );
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
