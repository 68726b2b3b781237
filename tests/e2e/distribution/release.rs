//! Release artifacts (`cargo xtask dist`): one zip per target under the registry's names, the
//! manifest, `SHA256SUMS` over all of them and its GPG signature, the same whether this
//! machine's build is packaged (`make release`) or the release workflow packages six targets'
//! builds one by one. The tag check that gates a release is tested here too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

/// The platforms the release workflow builds (.github/workflows/release.yml).
const TARGETS: [&str; 6] = [
    "linux_amd64",
    "linux_arm64",
    "darwin_amd64",
    "darwin_arm64",
    "windows_amd64",
    "freebsd_amd64",
];

/// The identity of the throwaway signing key.
const SIGNER: &str = "release@example.invalid";

/// A throwaway GPG keyring holding a signing key for [`SIGNER`].
struct Keyring {
    dir: tempfile::TempDir,
}

impl Keyring {
    fn new() -> Keyring {
        let keyring = Keyring {
            dir: tempfile::tempdir().expect("gnupg home"),
        };
        // gpg warns about a home others may read.
        let private = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o700);
        std::fs::set_permissions(keyring.dir.path(), private).expect("gnupg home");
        let user = format!("Release Test <{SIGNER}>");
        let gen = keyring.gpg(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            &user,
            "ed25519",
            "sign",
            "1d",
        ]);
        assert!(gen.code == 0, "{}", gen.raw());
        keyring
    }

    /// This keyring's key, as the release signs with it.
    fn signer(&self) -> xtask::dist::Signer {
        xtask::dist::Signer {
            key: SIGNER.into(),
            gnupg_home: Some(self.dir.path().to_path_buf()),
        }
    }

    /// Runs gpg in batch mode on this keyring.
    fn gpg(&self, args: &[&str]) -> Run {
        Command::new("gpg")
            .arg("--batch")
            .args(args)
            .env("GNUPGHOME", self.dir.path())
            .output()
            .expect("gpg runs")
            .into()
    }

    /// Whether `sig` is a good signature of `file` by this keyring's key.
    fn verifies(&self, sig: &Path, file: &Path) -> Run {
        self.gpg(&[
            "--verify",
            &sig.display().to_string(),
            &file.display().to_string(),
        ])
    }
}

/// A zip's members as (name, Unix mode).
fn zip_members(zip: &Path) -> Vec<(String, String)> {
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(zip).expect("the zip")).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let file = archive.by_index(i).expect("a member");
            let mode = file.unix_mode().expect("a Unix mode");
            (file.name().to_string(), format!("{mode:#o}"))
        })
        .collect()
}

/// The artifact `suffix` of this version in `dist`, which must exist.
fn artifact(dist: &Path, suffix: &str) -> PathBuf {
    let path = dist.join(format!("{}_{suffix}", release_name()));
    assert!(path.is_file(), "{} missing", path.display());
    path
}

/// Checks `SHA256SUMS` in `dist`: one correct line for each of `files` and nothing else, and
/// a good signature.
fn assert_signed_sums(dist: &Path, keyring: &Keyring, files: &[String]) {
    let sums = artifact(dist, "SHA256SUMS");
    let text = std::fs::read_to_string(&sums).expect("sums");
    let lines: BTreeSet<String> = text.lines().map(str::to_string).collect();
    let expected: BTreeSet<String> = files
        .iter()
        .map(|f| format!("{}  {f}", sha256_hex(&dist.join(f))))
        .collect();
    assert_eq!(lines, expected, "SHA256SUMS:\n{text}");
    let verify = keyring.verifies(&artifact(dist, "SHA256SUMS.sig"), &sums);
    assert!(verify.code == 0, "signature: {}", verify.raw());
}

#[test]
fn every_target_gets_a_zip_under_the_registry_name_and_one_signed_sums_file_covers_them() {
    let dist = tempfile::tempdir().expect("dist");
    let keyring = Keyring::new();
    // What the release workflow does: each runner packages its own build...
    for target in TARGETS {
        xtask::dist::package(dist.path(), target, &provider_binary()).expect(target);
    }
    // ...and the publishing job finishes the set.
    xtask::dist::finish(dist.path(), Some(&keyring.signer())).expect("finished");

    let name = release_name();
    let mut listed: Vec<String> = std::fs::read_dir(dist.path())
        .expect("dist")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    let zips: Vec<String> = TARGETS.iter().map(|t| format!("{name}_{t}.zip")).collect();
    let mut expected: Vec<String> = zips.clone();
    expected
        .extend(["manifest.json", "SHA256SUMS", "SHA256SUMS.sig"].map(|s| format!("{name}_{s}")));
    expected.sort();
    assert_eq!(listed, expected);

    for target in TARGETS {
        let exe = if target.starts_with("windows_") {
            ".exe"
        } else {
            ""
        };
        let member = (
            format!("terraform-provider-zenlayer_v{VERSION}{exe}"),
            "0o100755".to_string(),
        );
        let zip = artifact(dist.path(), &format!("{target}.zip"));
        assert_eq!(zip_members(&zip), vec![member], "{target}");
    }
    let mut covered = zips;
    covered.push(format!("{name}_manifest.json"));
    assert_signed_sums(dist.path(), &keyring, &covered);

    // The signature is what a user checks: it fails once the sums are changed.
    let sums = artifact(dist.path(), "SHA256SUMS");
    let text = std::fs::read_to_string(&sums).expect("sums");
    std::fs::write(&sums, text.replacen('0', "1", 1)).expect("write sums");
    let forged = keyring.verifies(&artifact(dist.path(), "SHA256SUMS.sig"), &sums);
    assert_ne!(forged.code, 0, "{}", forged.raw());
}

#[test]
fn the_release_refuses_bad_targets_missing_binaries_and_a_tag_that_is_not_the_version() {
    use xtask::dist::{check_tag, finish, package};
    let dist = tempfile::tempdir().expect("dist");
    let keyring = Keyring::new();
    let binary = provider_binary();
    let refusals = [
        (
            package(dist.path(), "linux", &binary).err(),
            "not an OS_ARCH",
        ),
        (
            package(
                dist.path(),
                "linux_amd64",
                Path::new("/nonexistent/provider"),
            )
            .err(),
            "no binary at /nonexistent/provider",
        ),
        (
            finish(dist.path(), Some(&keyring.signer())).err(),
            "package a target first",
        ),
        (
            check_tag("v0.0.0-not-this").err(),
            "does not match the version in Cargo.toml",
        ),
    ];
    for (error, message) in refusals {
        let error = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            error.contains(message),
            "{message:?} missing from {error:?}"
        );
    }
    let empty = std::fs::read_dir(dist.path()).map_or(0, |d| d.count());
    assert_eq!(empty, 0, "refusals write nothing");
    check_tag(&format!("v{VERSION}")).expect("the version's tag");
}

#[test]
fn make_release_artifacts_install_from_a_packed_mirror() {
    let dist = tempfile::tempdir().expect("dist");
    let keyring = Keyring::new();
    // What `make release` does, with the binary under test.
    xtask::dist::package(dist.path(), &xtask::dist::os_arch(), &provider_binary())
        .expect("packaged");
    xtask::dist::finish(dist.path(), Some(&keyring.signer())).expect("finished");
    let name = release_name();
    let manifest = artifact(dist.path(), "manifest.json");
    let manifest_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).expect("manifest")).expect("JSON");
    assert_eq!(
        manifest_json["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );
    assert_signed_sums(
        dist.path(),
        &keyring,
        &[
            format!("{name}_linux_amd64.zip"),
            format!("{name}_manifest.json"),
        ],
    );

    // A packed-layout mirror holds the zip itself; terraform init installs from it.
    let zip = artifact(dist.path(), "linux_amd64.zip");
    let home = tempfile::tempdir().expect("home");
    let mirror = home.path().join("mirror");
    let dir = mirror.join("registry.terraform.io/zenlayer/zenlayer");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(&zip, dir.join(zip.file_name().expect("name"))).expect("copy");
    let sim = Sim::start(1, &[]);
    let mut ws = mirrored_workspace(home.path(), &mirror);
    ws.configure(&sim, &resource("web", &ids(1), ""));
    // A packed mirror holds nothing but the zip: a successful init proves the archive is what
    // Terraform expects (name, layout, an executable named for the version).
    let (_, lock) = init_installs_this_version(&ws);
    assert!(lock.contains("\"h1:"), "{lock}");
    ws.apply();
    assert!(sim.password_matches("ins-00001", PASSWORD));
}
