#!/usr/bin/env bash
# The demo: build, start zenlayer-sim, terraform apply examples/quickstart, show what happened.
# Installs what it needs. The logic is in the xtask crate: `cargo xtask demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --package xtask -- demo
