#!/usr/bin/env bash
# The fuzz campaign run long, in release: every target of tests/fuzz_parsers.rs with
# DOCTOR_FUZZ_CASES cases (default 200000), then the totals. Arguments go to the test binary,
# e.g. `scripts/fuzz.sh locust_json_file` for one target. Replay a run with DOCTOR_FUZZ_SEED.
# A crashing input is saved as tests/fuzz-corpus/<target>/crash-<hash>; if the binary aborts
# (stack overflow), the input it was on is target/tmp/fuzz-<target>.last.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOCTOR_FUZZ_CASES="${DOCTOR_FUZZ_CASES:-200000}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

start=$SECONDS
cargo test --release --test fuzz_parsers -- --nocapture "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

echo
echo "==> fuzz totals ($((SECONDS - start)) s, DOCTOR_FUZZ_CASES=$DOCTOR_FUZZ_CASES)"
grep -E '^fuzz [a-z_]+: [0-9]+ executions, [0-9]+ panics' "$log" | sort
grep -E '^fuzz [a-z_]+: [0-9]+ executions, [0-9]+ panics' "$log" |
    awk '{ n += $3; p += $5; t += 1 } END { printf "all %d targets: %d executions, %d panics\n", t, n, p }'
grep -h '/crash-' "$log" | sort -u
exit "$status"
