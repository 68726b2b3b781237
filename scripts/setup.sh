#!/usr/bin/env bash
# Prepares this checkout for plain cargo commands: installs protoc when it is missing, and
# prepares the patched tf-provider (the published crate, checked against its SHA-256, with
# the patches of patches/tf-provider-0.2.2/ applied in order) in .patched/, with .cargo/config.toml
# pointing cargo at it. Run once after cloning, and again after the patch changes; the demo,
# test, install, release and benchmark scripts run it themselves.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
ensure_build_deps
log "ready: cargo build, cargo test and cargo clippy use the patched tf-provider"
