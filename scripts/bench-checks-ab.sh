#!/usr/bin/env bash
# Benchmark, not a test: `doctor --check all` wall time of two doctor binaries against one
# sample service (runserver + SQLite), run alternately so that both see the same machine, with
# the median of each. Used for "--check all may not get slower by more than 10 %" (issue 20).
#   scripts/bench-checks-ab.sh OLD_DOCTOR NEW_DOCTOR   (RUNS=9 by default)
set -euo pipefail
old=$1 new=$2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/sample-server.sh
source "$root/scripts/sample-server.sh"
runs=${RUNS:-9}
once() { # binary → wall ms of one `--check all`
  local start end
  start=$(date +%s%N)
  "$1" --base-url "http://127.0.0.1:$port" --check all --format json >"$work/out.json" 2>/dev/null || true
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
once "$old" >/dev/null; once "$new" >/dev/null # warm: helpers installed, caches filled
: >"$work/old"; : >"$work/new"
for _ in $(seq "$runs"); do
  once "$old" >>"$work/old"
  once "$new" >>"$work/new"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mo=$(median "$work/old"); mn=$(median "$work/new")
echo "doctor --check all, $runs runs each, alternating (sample on runserver + SQLite):"
echo "  old $old: median ${mo} ms (runs: $(paste -sd' ' "$work/old"))"
echo "  new $new: median ${mn} ms (runs: $(paste -sd' ' "$work/new"))"
awk -v o="$mo" -v n="$mn" 'BEGIN { printf "  new/old = %.2f\n", n / o }'
