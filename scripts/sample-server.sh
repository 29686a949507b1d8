# Sourced by the benchmarks: the sample service on a fresh SQLite database (test users, stock)
# served by runserver on a free loopback port, stopped with its group when the script exits.
# Needs $root; sets $sample, $py, $work and $port, and leaves the shell in $sample.
bash "$root/scripts/setup-sample.sh" >/dev/null
sample="$root/assets/sample-service"
py="$sample/.venv/bin/python"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite:///$work/bench.sqlite3"
(cd "$sample" && "$py" manage.py migrate -v0 && "$py" manage.py create_test_users >/dev/null && "$py" manage.py seed_stock >/dev/null)
(cd "$sample" && exec setsid "$py" manage.py runserver "127.0.0.1:$port" --noreload >"$work/server.log" 2>&1) &
server=$!
trap 'kill -- -$server 2>/dev/null || kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
cd "$sample"
