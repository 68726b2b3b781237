#!/usr/bin/env bash
# Release artifacts in the layout the Terraform registry expects, in $DIST (default dist/):
#   terraform-provider-zenlayer_VERSION_OS_ARCH.zip     per target: the binary
#                                                        terraform-provider-zenlayer_vVERSION(.exe)
#   terraform-provider-zenlayer_VERSION_manifest.json   protocol versions
#   terraform-provider-zenlayer_VERSION_SHA256SUMS      checksums of every zip and the manifest
#   terraform-provider-zenlayer_VERSION_SHA256SUMS.sig  detached GPG signature, with GPG_FINGERPRINT
#
#   bash scripts/release.sh                        build for this machine, package it, finish
#                                                  (what `make release` runs)
#   bash scripts/release.sh package OS_ARCH BINARY add one target's zip (the release workflow
#                                                  runs this on each platform's runner)
#   bash scripts/release.sh finish                 manifest, SHA256SUMS over every zip, signature
#   bash scripts/release.sh check-tag TAG          fails unless TAG is v<the version in Cargo.toml>
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

VERSION="$(provider_version)"
DIST="${DIST:-$ROOT/dist}"
NAME="terraform-provider-zenlayer_${VERSION}"

# package OS_ARCH BINARY: the zip of one target, with the binary under the registry's name.
package() {
  local target="$1" binary="$2" member="terraform-provider-zenlayer_v${VERSION}"
  case "$target" in
    *_*) ;;
    *) echo "error: $target is not an OS_ARCH such as linux_amd64" >&2; return 1 ;;
  esac
  [ -f "$binary" ] || { echo "error: no binary at $binary" >&2; return 1; }
  case "$target" in windows_*) member="$member.exe" ;; esac
  mkdir -p "$DIST"
  "$(python_bin)" - "$binary" "$DIST/${NAME}_${target}.zip" "$member" <<'PY'
import sys, zipfile
binary, archive, member = sys.argv[1:4]
info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
info.external_attr = 0o100755 << 16  # a regular, executable file
info.compress_type = zipfile.ZIP_DEFLATED
with open(binary, "rb") as f, zipfile.ZipFile(archive, "w") as z:
    z.writestr(info, f.read())
PY
  log "packaged $target: ${NAME}_${target}.zip"
}

# finish: the manifest, the checksums of every target's zip, and their signature.
finish() {
  local zips
  zips="$(cd "$DIST" && ls "${NAME}"_*_*.zip 2>/dev/null || true)"
  [ -n "$zips" ] || { echo "error: no ${NAME}_OS_ARCH.zip in $DIST: package a target first" >&2; return 1; }
  cp terraform-registry-manifest.json "$DIST/${NAME}_manifest.json"
  # shellcheck disable=SC2086 # one file name per word
  (cd "$DIST" && sha256_of $zips "${NAME}_manifest.json" >"${NAME}_SHA256SUMS")
  rm -f "$DIST/${NAME}_SHA256SUMS.sig"
  if [ -n "${GPG_FINGERPRINT:-}" ]; then
    ensure_gpg
    gpg --batch --yes --local-user "$GPG_FINGERPRINT" --output "$DIST/${NAME}_SHA256SUMS.sig" \
      --detach-sign "$DIST/${NAME}_SHA256SUMS"
    log "signed ${NAME}_SHA256SUMS with $GPG_FINGERPRINT"
  fi
  log "release artifacts in $DIST:"
  ls -1 "$DIST" | sed -n "/^${NAME}_/p"
}

check_tag() {
  if [ "$1" != "v$VERSION" ]; then
    echo "error: the tag $1 does not match the version in Cargo.toml (v$VERSION); tag v$VERSION, or change the version first" >&2
    return 1
  fi
  log "tag $1 matches Cargo.toml"
}

case "${1:-}" in
  package) package "${2:?OS_ARCH}" "${3:?BINARY}" ;;
  finish) finish ;;
  check-tag) check_tag "${2:?TAG}" ;;
  "")
    rm -f "$DIST/${NAME}_"*
    package "$(os_arch)" "$(provider_binary)"
    finish
    ;;
  *) echo "usage: release.sh [package OS_ARCH BINARY | finish | check-tag TAG]" >&2; exit 2 ;;
esac
