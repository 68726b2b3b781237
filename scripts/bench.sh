#!/usr/bin/env bash
# The benchmark: builds in release mode, fetches the Go provider it is compared with, and runs
# every figure against zenlayer-sim and the real terraform. Writes BENCHMARKS.md and
# benchmarks/apply-time.svg. Takes a few minutes.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

ensure_build_deps
ensure_terraform
ensure_python
[ -x /usr/bin/time ] || apt_install time
command -v openssl >/dev/null || apt_install openssl

BENCH="$ROOT/target/bench"
mkdir -p "$BENCH"
GO="$BENCH/terraform-provider-workato_v0.16.0"
if [ ! -x "$GO" ]; then
  log "fetching the Go provider to compare with (PyPI: workato-terraform-provider==0.16.0)"
  python3 -m pip download --quiet --no-deps workato-terraform-provider==0.16.0 -d "$BENCH"
  python3 - "$BENCH" <<'PY'
import sys, zipfile, glob, os
bench = sys.argv[1]
wheel = glob.glob(os.path.join(bench, "workato_terraform_provider-0.16.0-*.whl"))[0]
member = "workato_terraform_provider/payload/registry.terraform.io/local/workato/0.16.0/linux_amd64/terraform-provider-workato_v0.16.0"
with zipfile.ZipFile(wheel) as z, open(os.path.join(bench, "terraform-provider-workato_v0.16.0"), "wb") as out:
    out.write(z.read(member))
PY
  chmod +x "$GO"
fi
CERT="$BENCH/client-cert.pem"
# A client certificate like the one Terraform generates for each plugin it starts.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes -subj /O=HashiCorp/CN=localhost \
  -days 1 -keyout "$BENCH/client-key.pem" -out "$CERT" 2>/dev/null

export BENCH_GO_PROVIDER="$GO" BENCH_GO_SOURCE="local/workato" BENCH_CLIENT_CERT="$CERT"
export BENCH_COMMAND="${BENCH_COMMAND:-make bench}"
log "cargo bench (release build)"
cargo bench --bench bench
log "results in BENCHMARKS.md"
