#!/usr/bin/env bash
# The pipeline's steps, runnable locally; pipeline.yml runs the same ones in GitHub Actions.
#
#   pipeline.sh plan    init (lock file read-only), validate, plan -out=tfplan, and a summary
#                       of the saved plan from `terraform show -json` (plan.json, summary.md)
#   pipeline.sh apply   apply the saved plan exactly as reviewed
#   pipeline.sh check   a plan that must show no changes (drift check after apply)
#
# Credentials come from the environment, as the pipeline's secrets provide them:
# ZENLAYERCLOUD_ACCESS_KEY_ID, ZENLAYERCLOUD_ACCESS_KEY_PASSWORD and TF_VAR_root_password.
# The lock file .terraform.lock.hcl is committed with the configuration; init refuses to change it.
set -euo pipefail
cd "$(dirname "$0")"
TF="${TERRAFORM:-terraform}"
# Resources applied at once: each waits for its own instances' reboot, so a configuration with
# more than Terraform's default of 10 sets TF_PARALLELISM to their number.
PARALLELISM="-parallelism=${TF_PARALLELISM:-10}"
export TF_IN_AUTOMATION=1 TF_INPUT=0

summary() {
  # Counts of planned actions and the resources they touch, for the pull request.
  python3 - plan.json <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
rows, counts = [], {}
for rc in plan.get("resource_changes", []):
    actions = rc["change"]["actions"]
    if actions == ["no-op"]:
        continue
    key = "replace" if actions in (["delete", "create"], ["create", "delete"]) else actions[0]
    counts[key] = counts.get(key, 0) + 1
    rows.append(f"| `{rc['address']}` | {key} |")
print("## Terraform plan\n")
print(", ".join(f"{v} to {k}" for k, v in sorted(counts.items())) or "No changes.")
if rows:
    print("\n| resource | action |\n|---|---|")
    print("\n".join(rows))
PY
}

case "${1:-}" in
  plan)
    "$TF" init -input=false -lockfile=readonly
    "$TF" validate
    "$TF" plan -input=false "$PARALLELISM" -out=tfplan
    "$TF" show -json tfplan >plan.json
    summary >summary.md
    cat summary.md
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat summary.md >>"$GITHUB_STEP_SUMMARY"; fi
    ;;
  apply)
    "$TF" init -input=false -lockfile=readonly
    "$TF" apply -input=false "$PARALLELISM" tfplan
    ;;
  check)
    "$TF" plan -input=false -detailed-exitcode
    ;;
  *)
    echo "usage: $0 plan|apply|check" >&2
    exit 2
    ;;
esac
