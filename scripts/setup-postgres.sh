#!/usr/bin/env bash
# Makes sure the PostgreSQL server binaries (initdb, pg_ctl, postgres) and the `postgres`
# system user exist; installs Debian's `postgresql` package when they do not.
# Prints the bin dir on the last line.
set -euo pipefail

log() { printf 'setup-postgres: %s\n' "$*" >&2; }

find_bindir() {
    local initdb
    # Highest version first.
    for initdb in $(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V -r); do
        if [ -x "$initdb" ]; then
            dirname "$initdb"
            return 0
        fi
    done
    return 1
}

bindir="$(find_bindir || true)"
if [ -z "$bindir" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        log "PostgreSQL server binaries are missing and this is not root; run as root or: apt-get install -y postgresql"
        exit 1
    fi
    log "installing the postgresql package (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q postgresql
    bindir="$(find_bindir || true)"
    if [ -z "$bindir" ]; then
        log "apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/initdb"
        exit 1
    fi
fi

if ! id -u postgres >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        log "the postgres system user is missing and this is not root"
        exit 1
    fi
    log "creating the postgres system user"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

for tool in runuser; do
    command -v "$tool" >/dev/null 2>&1 || { log "$tool not found (package util-linux)"; exit 1; }
done

log "$("$bindir/postgres" --version) at $bindir"
echo "$bindir"
