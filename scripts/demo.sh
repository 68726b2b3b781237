#!/usr/bin/env bash
# The demo: builds the provider and the simulator, starts zenlayer-sim on loopback, applies
# examples/quickstart against it with the real terraform, then shows what reached the API and
# what landed in state; then adds an instance to show that only it is reset.
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$ROOT"

ensure_build_deps
ensure_python
ensure_terraform
TF="$TF_ACC_TERRAFORM_PATH"

log "building terraform-provider-zenlayer and zenlayer-sim"
cargo build --quiet --bins
BIN="$ROOT/target/debug"

WORK="$ROOT/target/demo"
rm -rf "$WORK" && mkdir -p "$WORK"
cp examples/quickstart/main.tf "$WORK/"

log "starting zenlayer-sim (5 instances; a reset reboots an instance for 1s)"
"$BIN/zenlayer-sim" --instances 5 --reboot-delay 1s >"$WORK/sim.out" 2>"$WORK/sim.log" &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$WORK/sim.out" ] && break; sleep 0.1; done
SIM_URL="$(head -1 "$WORK/sim.out")"
echo "simulator at $SIM_URL"

cat >"$WORK/cli.tfrc" <<CLI
provider_installation {
  dev_overrides {
    "zenlayer/zenlayer" = "$BIN"
  }
  direct {}
}
CLI
export TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export ZENLAYERCLOUD_ACCESS_KEY_ID=sim-access-key ZENLAYERCLOUD_ACCESS_KEY_PASSWORD=sim-access-key-password
export TF_VAR_endpoint="$SIM_URL" TF_VAR_root_password='Demo1!pass'
export TF_VAR_instance_ids='["ins-00001", "ins-00002", "ins-00003"]'

show() { # show CALLS_SINCE [PASSWORD]
  python3 - "$SIM_URL" "$1" "${2:-Demo1!pass}" <<'PY'
import json, sys, urllib.request
url, since, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
get = lambda p: json.load(urllib.request.urlopen(url + p))
print("API calls received by the simulator:")
for c in get("/_sim/calls")[since:]:
    ids = c["instance_ids"]
    print(f'  #{c["seq"]:<3} {c["action"]:<24} {len(ids):>3} instance(s)  HTTP {c["status"]}  request id {c["request_id"]}')
print("Instances:")
for i in get("/_sim/instances"):
    req = urllib.request.Request(url + f'/_sim/instances/{i["id"]}/password-check',
        data=json.dumps({"password": password}).encode(), headers={"content-type": "application/json"})
    match = json.load(urllib.request.urlopen(req))["matches"]
    print(f'  {i["id"]}  {i["status"]:<8} resets: {i["reset_count"]}  has the new password: {"yes" if match else "no"}')
PY
}
calls() { python3 -c "import json,urllib.request,sys; print(len(json.load(urllib.request.urlopen(sys.argv[1]+'/_sim/calls'))))" "$SIM_URL"; }

cd "$WORK"
log "terraform apply (3 instances)"
"$TF" apply -auto-approve
show 0

log "terraform plan again: nothing to do"
"$TF" plan -detailed-exitcode >/dev/null && echo "No changes."

log "adding ins-00004: an in-place update that resets only the new instance"
before=$(calls)
export TF_VAR_instance_ids='["ins-00001", "ins-00002", "ins-00003", "ins-00004"]'
"$TF" apply -auto-approve
show "$before"

log "state (with password, the state keeps it as a sensitive value)"
"$TF" state show zenlayer_instance_password.quickstart
if grep -q 'Demo1!pass' terraform.tfstate; then echo "terraform.tfstate holds the password in plain text"; fi

if terraform_supports_write_only "$TF"; then
  log "password_wo (examples/write-only): the password never stored"
  mkdir -p "$WORK/write-only" && cp "$ROOT/examples/write-only/main.tf" "$WORK/write-only/"
  cd "$WORK/write-only"
  export TF_VAR_instance_ids='["ins-00005"]' TF_VAR_root_password='Demo1!pass'
  before=$(calls)
  "$TF" apply -auto-approve
  show "$before"
  grep -q 'Demo1!pass' terraform.tfstate && echo "terraform.tfstate holds the password" \
    || echo "terraform.tfstate does not hold the password (password_wo is null there)"
  log "a new password: change the variable and bump password_version (replaces, resets again)"
  export TF_VAR_root_password='Demo2@pass'
  before=$(calls)
  "$TF" apply -auto-approve -var password_version=2
  show "$before" 'Demo2@pass'
else
  log "skipping password_wo: it needs Terraform 1.11 or later ($("$TF" version | head -1))"
fi
log "done: the working directory is $WORK"
