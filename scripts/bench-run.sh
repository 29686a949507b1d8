#!/usr/bin/env bash
# doctor run's own cost: one stage of 50 users for 60 s against the sample service, with
# doctor's CPU time and peak RSS (VmHWM) next to Locust's, once per profiler rate (0 = no
# profile): the server's requests/s with and without the sampler, the sampler's own CPU, and
# how old the live numbers were. Loopback only; stops by itself.
#   scripts/bench-run.sh                 # 50 users, 60 s, debug binary, rates "0 50"
#   USERS=20 STAGE_TIME=30s HZ_LIST="0 50 0 50" DOCTOR_BIN=target/release/doctor scripts/bench-run.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sample="$root/assets/sample-service"
py="$sample/.venv/bin/python"
bin="$(realpath "${DOCTOR_BIN:-$root/target/debug/doctor}")"
users="${USERS:-50}"
stage_time="${STAGE_TIME:-60s}"
[ -x "$py" ] || { echo "no $py: run scripts/setup-sample.sh" >&2; exit 2; }
[ -x "$bin" ] || { echo "no $bin: run cargo build" >&2; exit 2; }

work="$(mktemp -d /tmp/doctor-bench-XXXXXX)"
server=""
cleanup() {
    [ -n "$server" ] && kill -TERM -- "-$server" 2>/dev/null || true
    sleep 1
    [ -n "$server" ] && kill -KILL -- "-$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite:///$work/db.sqlite3"
cd "$sample"
"$py" manage.py migrate --noinput -v 0
"$py" manage.py create_test_users >/dev/null
"$py" manage.py seed_stock >/dev/null
setsid "$py" manage.py runserver "127.0.0.1:$port" --noreload >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.2
done

tck="$(getconf CLK_TCK)"
# utime+stime (ticks) and VmHWM (kB) of a pid, "0 0" when it is gone.
usage() {
    local stat hwm
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo "0 0"; return; }
    hwm="$(awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null)"
    echo "$stat" | awk -v hwm="${hwm:-0}" '{ sub(/^.*\) /, ""); print $12 + $13, hwm }'
}

for hz in ${HZ_LIST:-0 50}; do
start=$(date +%s.%N)
"$bin" --base-url "http://127.0.0.1:$port" --project-dir "$sample" --format json \
    run --stages "$users" --stage-time "$stage_time" --spawn-rate 25 --keep-going --profile-hz "$hz" \
    >"$work/report.json" 2>"$work/progress.log" &
doctor=$!
d_cpu=0 d_hwm=0 l_cpu=0 l_hwm=0 locust=""
while kill -0 "$doctor" 2>/dev/null; do
    read -r c h < <(usage "$doctor")
    [ "$c" -gt 0 ] && { d_cpu=$c; d_hwm=$h; }
    [ -z "$locust" ] && locust="$(pgrep -P "$doctor" -f 'locust' | head -1 || true)"
    if [ -n "$locust" ]; then
        read -r c h < <(usage "$locust")
        [ "$c" -gt 0 ] && { l_cpu=$c; l_hwm=$h; }
    fi
    sleep 0.5
done
wait "$doctor" && code=0 || code=$?
wall=$(echo "$(date +%s.%N) - $start" | bc)

echo
echo "== profile ${hz} Hz: doctor run, $users users, one stage of $stage_time, exit $code, wall ${wall%.*} s"
printf '%-8s %10s %12s %14s\n' process "cpu s" "cpu % (wall)" "peak RSS MB"
for row in "doctor $d_cpu $d_hwm" "locust $l_cpu $l_hwm"; do
    set -- $row
    cpu=$(echo "scale=2; $2 / $tck" | bc)
    pct=$(echo "scale=1; 100 * $2 / $tck / $wall" | bc)
    printf '%-8s %10s %12s %14s\n' "$1" "$cpu" "$pct" "$(echo "scale=1; $3 / 1024" | bc)"
done
echo "(doctor: last sample before exit, every 0.5 s; CPU and VmHWM of the process itself, not its children)"
"$py" - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for s in r["stages"]:
    print(f"stage {s['users']} users: {s['requests']} requests, {s['failures']} failures, "
          f"{s['rps']:.1f} req/s, p50 {s.get('p50_ms') or 0:.0f} ms, p95 {s.get('p95_ms') or 0:.0f} ms, "
          f"verdict {'PASS' if s['verdict']['passed'] else 'FAIL'} {[t['key'] for t in s['verdict']['targets'] if not t['passed']]}")
    if s.get("doctor_cpu_avg") is not None:
        print(f"  doctor during the stage (sysinfo, 1 s samples): CPU {s['doctor_cpu_avg']:.1f} % of a core on average, RSS max {s['doctor_rss_max_mb']} MB")
    p = s.get("profile")
    if p:
        top = (p.get("top_self") or [{}])[0]
        print(f"  profile: busy {100 * p['busy_share']:.0f} %, top {top.get('function')} ({top.get('file')}:{top.get('line')}) {100 * top.get('share', 0):.0f} %")
cost = r.get("profiler_cpu")
if cost:
    print(f"sampler: {cost['cpu_s']:.1f} CPU s over {cost['wall_s']:.0f} s = {100 * cost['cpu_s'] / cost['wall_s']:.1f} % of a core")
else:
    print(f"sampler: none ({(r.get('profile_note') or {}).get('en', 'off')})")
age = r.get("live_age_ms")
if age:
    print(f"live numbers when a tick was made: median {age[0]:.0f} ms, worst {age[1]:.0f} ms old (+ up to 500 ms until the next poll)")
t = r.get("totals") or {}
print(f"Locust totals: {t.get('requests')} requests, {t.get('failures')} failures; report {r['run_dir']}")
PY
grep -c '^\[' "$work/progress.log" | sed 's/^/progress lines: /'
done
