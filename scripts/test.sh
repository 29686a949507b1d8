#!/usr/bin/env bash
# The project's test command: sets up the sample service and PostgreSQL, then
# formatting, lints and every test. Non-interactive; works as root.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CI=true
export CARGO_TERM_COLOR=never
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

start=$SECONDS
step "sample service venv"
bash scripts/setup-sample.sh
step "PostgreSQL binaries"
bash scripts/setup-postgres.sh
step "tmux (end-to-end TUI tests)"
if ! command -v tmux >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q tmux
fi
tmux -V
step "iproute2 (network namespaces: workers and a server on other hosts)"
if ! command -v ip >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q iproute2
fi
ip -V
step "chromium (report.html rendered headless in tests/report_html.rs)"
if ! command -v chromium >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
fi
chromium --version
step "cargo fmt --all -- --check"
cargo fmt --all -- --check
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
step "cargo test --all-targets"
cargo test --all-targets </dev/null
step "all green in $((SECONDS - start)) s"
