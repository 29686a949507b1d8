#!/usr/bin/env bash
# How good `doctor forecast` is: for stages limited by pacing, by server CPU (a login-heavy
# locustfile on runserver and on gunicorn -w 2), by a throttle, by stock and by SQLite's
# write lock (reservations holding their row HOLD_MS in Django's DEFERRED transactions: back to
# back on one hot row, and the sample's own mix; and in IMMEDIATE ones, queueing), the forecast
# before load against what Locust then measures (requests/min, p95, failure share, and the
# limiting factor named). Loopback only, small bounded stages; stops by itself.
#   scripts/bench-forecast.sh                     # all cases, debug binary
#   CASES="pacing throttle" DOCTOR_BIN=target/release/doctor scripts/bench-forecast.sh
# Numbers are only worth quoting on a quiet machine: other work shares the cores (doctor
# forecast says how many threads were runnable when it looked).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sample="$root/assets/sample-service"
shop="$root/tests/fixtures/throttled-shop"
py="$sample/.venv/bin/python"
bin="$(realpath "${DOCTOR_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/doctor}")"
[ -x "$py" ] || { echo "no $py: run scripts/setup-sample.sh" >&2; exit 2; }
[ -x "$bin" ] || { echo "no $bin: run cargo build" >&2; exit 2; }

work="$(mktemp -d /tmp/doctor-bench-forecast-XXXXXX)"
server=""
stop_server() {
    [ -n "$server" ] && kill -TERM -- "-$server" 2>/dev/null || true
    sleep 1
    [ -n "$server" ] && kill -KILL -- "-$server" 2>/dev/null || true
    server=""
}
trap 'stop_server; rm -rf "$work"' EXIT

free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 150); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "server on port $1 did not start" >&2
    return 1
}

# start DIR KIND: a fresh database in $work, the server (runserver or gunicorn -w 2) on $port.
start() {
    local dir="$1" kind="$2"
    stop_server
    port="$(free_port)"
    export DATABASE_URL="sqlite:///$work/$(basename "$dir")-$kind.sqlite3"
    # The sample's reservation holds its row this long (a payment call's stand-in).
    export SAMPLE_RESERVE_HOLD_MS="${HOLD_MS:-0}"
    # IMMEDIATE: the sample's SQLite transactions take the write lock first (queue, no refusal).
    export SAMPLE_SQLITE_TRANSACTION_MODE="${TX_MODE:-}"
    rm -f "${DATABASE_URL#sqlite:///}"
    (cd "$dir" && "$py" manage.py migrate --noinput -v 0)
    if [ "$dir" = "$sample" ]; then
        (cd "$dir" && "$py" manage.py create_test_users >/dev/null &&
            "$py" manage.py seed_stock --quantity "${QUANTITY:-10000}" >/dev/null)
    else
        (cd "$dir" && "$py" manage.py seed_shop >/dev/null)
    fi
    cd "$dir"
    if [ "$kind" = gunicorn ]; then
        setsid "$sample/.venv/bin/gunicorn" "$(basename "$(dirname "$(ls "$dir"/*/wsgi.py | head -1)")").wsgi" \
            --workers 2 --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
    else
        setsid "$py" manage.py runserver "127.0.0.1:$port" --noreload >"$work/server.log" 2>&1 &
    fi
    server=$!
    wait_port "$port"
}

printf '%-14s %9s %9s %6s %9s %9s %7s %7s  %s\n' case "fc rpm" "meas rpm" "err%" "fc p95" "meas p95" "fc fail" "meas" "limiting (forecast)"
# case NAME DIR KIND LOCUSTFILE USERS RATE SECONDS
case_() {
    local name="$1" dir="$2" kind="$3" locustfile="$4" users="$5" rate="$6" secs="$7"
    start "$dir" "$kind"
    printf '[django]\npython = ["%s"]\n' "$py" >"$work/doctor.toml"
    "$bin" --config "$work/doctor.toml" --base-url "http://127.0.0.1:$port" --project-dir "$dir" \
        forecast --locustfile "$locustfile" --stages "$users" --spawn-rate "$rate" \
        --stage-time "${secs}s" --format json >"$work/$name.forecast.json" 2>"$work/$name.forecast.log"
    timeout $((secs + 60)) "$sample/.venv/bin/locust" -f "$locustfile" --headless -u "$users" -r "$rate" \
        -t "${secs}s" --host "http://127.0.0.1:$port" --csv "$work/$name" --only-summary \
        >"$work/$name.locust.log" 2>&1 || true
    "$py" - "$work/$name.forecast.json" "$work/${name}_stats.csv" "$name" <<'EOF'
import csv, json, sys
f = json.load(open(sys.argv[1]))["stages"][0]["forecast"]
rows = list(csv.DictReader(open(sys.argv[2])))
agg = next(r for r in rows if r["Name"] == "Aggregated")
rpm = float(agg["Requests/s"]) * 60
count = max(1, int(agg["Request Count"]))
fail = int(agg["Failure Count"]) / count
p95 = float(agg["95%"] or 0)
err = (f["rpm"] - rpm) / rpm * 100 if rpm else float("nan")
print("%-14s %9.0f %9.0f %+6.0f %9.0f %9.0f %7.2f %7.2f  %s" % (
    sys.argv[3], f["rpm"], rpm, err, f["p95_ms"], p95, f["failure_ratio"], fail, f["limiting"]))
EOF
}

for c in ${CASES:-pacing cpu-runserver cpu-gunicorn throttle stock sqlite-hot-row sqlite-mix sqlite-immediate}; do
    case "$c" in
        pacing) case_ pacing "$sample" runserver "$sample/locust_test/locustfile.py" 20 10 30 ;;
        cpu-runserver) case_ cpu-runserver "$sample" runserver "$root/tests/fixtures/locustfiles/login_heavy.py" 8 8 30 ;;
        cpu-gunicorn) case_ cpu-gunicorn "$sample" gunicorn "$root/tests/fixtures/locustfiles/login_heavy.py" 8 8 30 ;;
        throttle) case_ throttle "$shop" runserver "$shop/loadtest/locustfile.py" 30 30 60 ;;
        stock) QUANTITY=300 case_ stock "$sample" runserver "$sample/locust_test/locustfile.py" 20 10 60 ;;
        sqlite-hot-row) HOLD_MS=50 case_ sqlite-hot-row "$sample" runserver "$root/tests/fixtures/locustfiles/hot_row.py" 4 4 30 ;;
        sqlite-immediate) TX_MODE=IMMEDIATE HOLD_MS=50 case_ sqlite-immediate "$sample" runserver "$root/tests/fixtures/locustfiles/hot_row.py" 4 4 30 ;;
        sqlite-mix) HOLD_MS=100 case_ sqlite-mix "$sample" runserver "$sample/locust_test/locustfile.py" 20 10 30 ;;
        *) echo "unknown case $c" >&2; exit 2 ;;
    esac
done
