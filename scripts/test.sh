#!/usr/bin/env bash
# The whole test suite: unit and property tests, and the end-to-end tests that drive the real
# terraform CLI against zenlayer-sim, and the workflow linters. Installs protoc, Terraform and
# the linters when they are missing.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh lifecycle  only tests whose name contains "lifecycle"
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

ensure_build_deps
ensure_python
ensure_gpg
ensure_workflow_linters
ensure_terraform
log "cargo test (Terraform: $TF_ACC_TERRAFORM_PATH)"
cargo test --workspace --lib --bins --tests --quiet -- --test-threads "${TEST_THREADS:-4}" "$@"
