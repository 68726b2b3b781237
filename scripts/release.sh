#!/usr/bin/env bash
# Builds the release artifacts in the layout the Terraform registry expects, into $DIST
# (default dist/):
#   terraform-provider-zenlayer_VERSION_OS_ARCH.zip    the binary terraform-provider-zenlayer_vVERSION
#   terraform-provider-zenlayer_VERSION_manifest.json  protocol versions
#   terraform-provider-zenlayer_VERSION_SHA256SUMS     checksums of the above
#   terraform-provider-zenlayer_VERSION_SHA256SUMS.sig detached GPG signature, when GPG_FINGERPRINT is set
# Only this machine's platform is built: the toolchain here has no other target installed
# (`rustup target list --installed`).
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

VERSION="$(provider_version)"
TARGET="$(os_arch)"
DIST="${DIST:-$ROOT/dist}"
NAME="terraform-provider-zenlayer_${VERSION}"
BINARY="$(provider_binary)"
ensure_python

mkdir -p "$DIST"
rm -f "$DIST/${NAME}_"*
python3 - "$BINARY" "$DIST/${NAME}_${TARGET}.zip" "terraform-provider-zenlayer_v${VERSION}" <<'PY'
import sys, zipfile
binary, archive, member = sys.argv[1:4]
info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
info.external_attr = 0o100755 << 16  # a regular, executable file
info.compress_type = zipfile.ZIP_DEFLATED
with open(binary, "rb") as f, zipfile.ZipFile(archive, "w") as z:
    z.writestr(info, f.read())
PY
cp terraform-registry-manifest.json "$DIST/${NAME}_manifest.json"
(cd "$DIST" && sha256sum "${NAME}_${TARGET}.zip" "${NAME}_manifest.json" >"${NAME}_SHA256SUMS")
if [ -n "${GPG_FINGERPRINT:-}" ]; then
  ensure_gpg
  gpg --batch --yes --local-user "$GPG_FINGERPRINT" --output "$DIST/${NAME}_SHA256SUMS.sig" \
    --detach-sign "$DIST/${NAME}_SHA256SUMS"
  log "signed ${NAME}_SHA256SUMS with $GPG_FINGERPRINT"
fi
log "release artifacts in $DIST:"
ls -1 "$DIST" | sed -n "/^${NAME}_/p"
