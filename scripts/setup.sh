#!/usr/bin/env bash
# Prepares this checkout for plain cargo commands (protoc, the patched tf-provider, the
# `cargo xtask` alias). The logic is in the xtask crate: `cargo xtask setup`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --package xtask -- setup
