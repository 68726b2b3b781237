#!/usr/bin/env bash
# A provider network mirror, in the static layout of Terraform's provider network mirror
# protocol, for any static HTTPS host:
#   $MIRROR/registry.terraform.io/zenlayer/zenlayer/index.json     {"versions": {"VERSION": {}}}
#   $MIRROR/registry.terraform.io/zenlayer/zenlayer/VERSION.json   each platform's zip, with its
#                                                                  h1: and zh: hashes
#   $MIRROR/registry.terraform.io/zenlayer/zenlayer/*.zip          the release zips
# from the release zips in $DIST (made by scripts/release.sh when there are none).
# Terraform then installs it with
#   provider_installation { network_mirror { url = "https://HOST/PATH/" } }
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

VERSION="$(provider_version)"
DIST="${DIST:-$ROOT/dist}"
MIRROR="${MIRROR:-$ROOT/dist/mirror}"
NAME="terraform-provider-zenlayer_${VERSION}"
ensure_python

if ! ls "$DIST/${NAME}"_*_*.zip >/dev/null 2>&1; then
  DIST="$DIST" bash "$ROOT/scripts/release.sh"
fi
HERE="$MIRROR/registry.terraform.io/zenlayer/zenlayer"
rm -rf "$HERE" && mkdir -p "$HERE"
cp "$DIST/${NAME}"_*_*.zip "$HERE/"
python3 - "$HERE" "$VERSION" "$NAME" <<'PY'
import base64, glob, hashlib, json, os, sys, zipfile
here, version, name = sys.argv[1:4]

def h1(path):
    # Terraform's "h1" hash: SHA-256 over the sorted lines "<sha256 of a file>  <its name>\n"
    # of the package's contents (the unpacked zip).
    with zipfile.ZipFile(path) as z:
        lines = sorted(
            f"{hashlib.sha256(z.read(i.filename)).hexdigest()}  {i.filename}\n"
            for i in z.infolist() if not i.is_dir()
        )
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()

archives = {}
for path in sorted(glob.glob(os.path.join(here, f"{name}_*_*.zip"))):
    platform = os.path.basename(path)[len(name) + 1:-len(".zip")]
    with open(path, "rb") as f:
        zh = "zh:" + hashlib.sha256(f.read()).hexdigest()
    archives[platform] = {"url": os.path.basename(path), "hashes": [h1(path), zh]}
with open(os.path.join(here, f"{version}.json"), "w") as f:
    json.dump({"archives": archives}, f, indent=2)
with open(os.path.join(here, "index.json"), "w") as f:
    json.dump({"versions": {version: {}}}, f, indent=2)
print(f"{len(archives)} platform(s): {', '.join(archives)}")
PY
log "network mirror in $MIRROR (publish it at any HTTPS URL; see the README)"
