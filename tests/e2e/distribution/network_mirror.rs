//! `cargo xtask mirror`: the provider network mirror protocol's static layout, served over HTTPS on
//! loopback with a throwaway CA; Terraform installs from it with a `network_mirror` block,
//! locks the hashes the mirror lists (for every platform, with `terraform providers lock`),
//! and the installed provider applies.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::*;

/// A static HTTPS server on 127.0.0.1 (Python's http.server), killed on drop.
struct HttpsServer {
    child: Child,
    port: u16,
}

const SERVE: &str = "import functools, http.server, ssl, sys
root, cert, key = sys.argv[1:4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(cert, key)
server.socket = tls.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
";

impl HttpsServer {
    fn serve(root: &Path, cert: &Path, key: &Path) -> HttpsServer {
        let mut child = Command::new("python3")
            .args(["-c", SERVE])
            .args([root, cert, key])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("piped"))
            .read_line(&mut line)
            .expect("the port line");
        let port = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("no port from the HTTPS server: {line:?}")
        });
        HttpsServer { child, port }
    }

    /// Stops the server and returns its request log (one line per request).
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut log = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            err.read_to_string(&mut log).expect("server log");
        }
        log
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The hashes the mirror's VERSION.json lists for `platform`.
fn listed_hashes(version_json: &Value, platform: &str) -> Vec<String> {
    version_json["archives"][platform]["hashes"]
        .as_array()
        .unwrap_or_else(|| panic!("no {platform} in {version_json}"))
        .iter()
        .map(|h| h.as_str().expect("a hash").to_string())
        .collect()
}

#[test]
fn terraform_installs_from_the_network_mirror_over_https_and_locks_its_hashes_for_every_platform() {
    let work = tempfile::tempdir().expect("work");
    let dist = work.path().join("dist");
    let mirror = work.path().join("mirror");
    // Three platforms' zips (this machine's binary under each name), as a release holds.
    for target in ["linux_amd64", "darwin_arm64", "windows_amd64"] {
        xtask::dist::package(&dist, target, &provider_binary()).expect(target);
    }
    let here = xtask::mirror::network(&dist, &mirror).expect("the mirror");
    let index: Value =
        serde_json::from_slice(&std::fs::read(here.join("index.json")).expect("index.json"))
            .expect("JSON");
    assert_eq!(index, serde_json::json!({ "versions": { VERSION: {} } }));
    let version_json: Value = serde_json::from_slice(
        &std::fs::read(here.join(format!("{VERSION}.json"))).expect("VERSION.json"),
    )
    .expect("JSON");
    let name = release_name();
    for platform in ["linux_amd64", "darwin_arm64", "windows_amd64"] {
        let zip = format!("{name}_{platform}.zip");
        assert_eq!(version_json["archives"][platform]["url"], zip.as_str());
        let zh = format!("zh:{}", sha256_hex(&here.join(&zip)));
        let hashes = listed_hashes(&version_json, platform);
        assert!(hashes.contains(&zh), "{platform}: {hashes:?}");
        assert!(hashes.iter().any(|h| h.starts_with("h1:")), "{hashes:?}");
    }

    let (ca, cert, key) = throwaway_tls(work.path());
    let server = HttpsServer::serve(&mirror, &cert, &key);
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let method = format!(
        "network_mirror {{\n    url     = \"https://127.0.0.1:{}/\"",
        server.port
    );
    let mut ws = installing_workspace(&home, &method);
    // Terraform trusts the throwaway CA only: it verifies the mirror's certificate.
    ws.set_env("SSL_CERT_FILE", &ca.display().to_string());
    let sim = Sim::start(2, &[]);
    ws.configure(&sim, &resource("web", &ids(2), ""));
    // A team locks every platform it runs on from the mirror, before the first init (as
    // Terraform 1.0 requires): Terraform checks each zip against the mirror's hashes and locks
    // the h1: hash it computes itself, which must be the one the mirror lists.
    let h1 = |platform: &str| -> String {
        let hashes = listed_hashes(&version_json, platform);
        hashes
            .into_iter()
            .find(|h| h.starts_with("h1:"))
            .expect("an h1: hash")
    };
    let url = format!("https://127.0.0.1:{}/", server.port);
    ws.tf(&[
        "providers",
        "lock",
        &format!("-net-mirror={url}"),
        "-platform=linux_amd64",
        "-platform=darwin_arm64",
        "-platform=windows_amd64",
    ])
    .ok();
    let locked = std::fs::read_to_string(ws.path().join(".terraform.lock.hcl")).expect("lock file");
    for platform in ["linux_amd64", "darwin_arm64", "windows_amd64"] {
        assert!(
            locked.contains(&format!("\"{}\"", h1(platform))),
            "{platform}:\n{locked}"
        );
    }
    // init installs through the network_mirror block, and the package matches the lock.
    let (_, lock) = init_installs_this_version(&ws);
    assert!(
        lock.contains(&format!("\"{}\"", h1("linux_amd64"))),
        "{lock}"
    );
    ws.apply();
    assert!(sim.password_matches("ins-00001", PASSWORD));
    assert!(sim.password_matches("ins-00002", PASSWORD));

    let log = server.stop();
    for path in [
        "/registry.terraform.io/zenlayer/zenlayer/index.json".to_string(),
        format!("/registry.terraform.io/zenlayer/zenlayer/{VERSION}.json"),
        format!("/registry.terraform.io/zenlayer/zenlayer/{name}_linux_amd64.zip"),
    ] {
        assert!(
            log.contains(&format!("GET {path} ")),
            "{path} not requested:\n{log}"
        );
    }
}
