#!/usr/bin/env bash
# Installs the provider into a local filesystem mirror, in Terraform's unpacked layout:
#   $PLUGIN_DIR/registry.terraform.io/zenlayer/zenlayer/VERSION/OS_ARCH/terraform-provider-zenlayer_vVERSION
# PLUGIN_DIR defaults to ~/.terraform.d/plugins, a directory Terraform searches by itself, so
# that `terraform init` finds the provider with no dev_overrides and writes .terraform.lock.hcl.
# PROVIDER_BINARY names an already built binary (otherwise a release build is made).
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"

VERSION="$(provider_version)"
TARGET="$(os_arch)"
PLUGIN_DIR="${PLUGIN_DIR:-$HOME/.terraform.d/plugins}"
BINARY="$(provider_binary)"
DEST="$PLUGIN_DIR/registry.terraform.io/zenlayer/zenlayer/$VERSION/$TARGET"

mkdir -p "$DEST"
install -m 0755 "$BINARY" "$DEST/terraform-provider-zenlayer_v$VERSION"
log "installed zenlayer/zenlayer $VERSION ($TARGET) into $DEST"
cat <<MSG
Use it from any configuration with:

  terraform {
    required_providers {
      zenlayer = {
        source  = "zenlayer/zenlayer"
        version = "$VERSION"
      }
    }
  }

then run terraform init. (Terraform searches $HOME/.terraform.d/plugins by itself; for another
PLUGIN_DIR, add a provider_installation { filesystem_mirror { path = "$PLUGIN_DIR" } } block to
your CLI configuration.)
MSG
