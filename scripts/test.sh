#!/usr/bin/env bash
# The whole test suite: unit, property and end-to-end tests with the real terraform, and the
# workflow linters. Installs what it needs. The logic is in the xtask crate: `cargo xtask test`.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh lifecycle  only tests whose name contains "lifecycle"
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --package xtask -- test "$@"
