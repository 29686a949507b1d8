#!/usr/bin/env bash
# Behaviour unchanged? `--check all --format json` on the bundled sample (healthy and with the
# guide's faults), reduced to each check's id, status, diagnosis and evidence keys, for two
# doctor binaries. Prints a diff (empty when they agree). Usage:
#   scripts/compare-checks.sh OLD_DOCTOR NEW_DOCTOR
set -euo pipefail
old=$1 new=$2
out=$(mktemp -d)
shape() { jq -S '[.checks[] | {id, status, diagnosis, evidence: [(.evidence // [])[] | .key]}]'; }
for faults in "" "--fault serializer" "--fault no-users --fault no-stock" "--fault settings"; do
    name=$(echo "healthy $faults" | tr -c 'a-z-\n' '_')
    for which in old new; do
        bin=${!which}
        # shellcheck disable=SC2086
        "$bin" --check all --format json demo $faults </dev/null 2>/dev/null | shape >"$out/$name.$which.json" || true
    done
    echo "== ${faults:-healthy}: $(jq length "$out/$name.new.json") checks"
    diff "$out/$name.old.json" "$out/$name.new.json" && echo "   same ids, statuses, diagnoses and evidence keys"
done
