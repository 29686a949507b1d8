#!/usr/bin/env bash
# Benchmark: wall time of `doctor --check all` against the sample service, next to the slowest
# single check (checks run in parallel, so the first should be close to the second), and the time
# doctor needs to start Django once. Not a test: it prints numbers for the notes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --release -q
doctor="$root/target/release/doctor"
# shellcheck source=scripts/sample-server.sh
source "$root/scripts/sample-server.sh"
runs=${RUNS:-5}
echo "doctor --check all, $runs runs (release build, sample on runserver + SQLite):"
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  "$doctor" --base-url "http://127.0.0.1:$port" --check all --format json >"$work/out.json" || true
  end=$(date +%s%N)
  wall=$(( (end - start) / 1000000 ))
  slowest=$(jq -r '[.checks[] | {id, duration_ms}] | max_by(.duration_ms) | "\(.id) \(.duration_ms)"' "$work/out.json")
  sum=$(jq '[.checks[].duration_ms] | add' "$work/out.json")
  echo "  run $i: wall ${wall} ms; slowest check: ${slowest} ms; sum of all checks: ${sum} ms"
done
# What a run of checks waits on: the two helpers run side by side (the Django answer and the
# executed locustfile) and the auth check's one login.
jq -r '.checks[] | select(.id=="auth" or .id=="settings" or .id=="users" or .id=="requests") | "  \(.id): \(.duration_ms) ms"' "$work/out.json"
start=$(date +%s%N); echo '{"questions":["settings"]}' | "$py" "$root/assets/doctor_py/django_main.py" >/dev/null 2>&1; end=$(date +%s%N)
echo "one start of the project's Python with Django (the Django helper alone): $(( (end - start) / 1000000 )) ms"
start=$(date +%s%N)
printf '{"locustfile": "%s", "host": "http://127.0.0.1:%s", "runs": 30}' "$sample/locust_test/locustfile.py" "$port" \
  | "$py" "$root/assets/doctor_py/locust_main.py" >"$work/locust.out" 2>/dev/null
end=$(date +%s%N)
echo "the executed locustfile alone (30 runs of on_start, each task once): $(( (end - start) / 1000000 )) ms"

# The guide's manual sequence, one after another as a person would type it (without the reading
# and typing): who listens, manage.py check, the guide's login script, two shell queries, top.
manual() {
  ss -ltnp | grep ":$port" >/dev/null
  "$py" manage.py check >/dev/null 2>&1
  "$py" locust_test/test_auth.py --host "http://127.0.0.1:$port" >/dev/null 2>&1
  "$py" manage.py shell -c 'from django.contrib.auth import get_user_model; print(get_user_model().objects.count())' >/dev/null 2>&1
  "$py" manage.py shell -c 'from apps.products.models import ProductStock; print(list(ProductStock.objects.values_list("available_stock", flat=True)))' >/dev/null 2>&1
  top -bn1 | head -5 >/dev/null
}
echo "the guide's manual sequence (ss, manage.py check, a login, two shell queries, top), $runs runs:"
for i in $(seq "$runs"); do
  start=$(date +%s%N); manual; end=$(date +%s%N)
  echo "  run $i: $(( (end - start) / 1000000 )) ms"
done
