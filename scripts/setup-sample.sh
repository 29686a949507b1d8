#!/usr/bin/env bash
# Creates assets/sample-service/.venv and installs requirements.txt into it.
# Idempotent: skipped when .venv/.requirements.sha256 matches the requirements' hash.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sample="$root/assets/sample-service"
venv="$sample/.venv"
requirements="$sample/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

log() { printf 'setup-sample: %s\n' "$*"; }

if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup-sample: $python not found; install Python 3 (Debian: apt-get install -y python3 python3-venv)" >&2
    exit 1
fi
if [ ! -f "$requirements" ]; then
    echo "setup-sample: $requirements is missing" >&2
    exit 1
fi

want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -e "$venv" ] && ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    log "$venv is broken (its python does not run); recreating it"
    rm -rf "$venv"
fi

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "up to date ($venv, requirements $want)"
    exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
    log "creating $venv with $("$python" --version 2>&1)"
    if ! "$python" -m venv "$venv"; then
        echo "setup-sample: '$python -m venv' failed; on Debian install python3-venv" >&2
        rm -rf "$venv"
        exit 1
    fi
fi

log "installing $requirements"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$requirements"
"$venv/bin/python" -c 'import django, rest_framework, rest_framework_simplejwt, psycopg' \
    || { echo "setup-sample: the venv cannot import Django/DRF/simplejwt/psycopg after install" >&2; exit 1; }
printf '%s\n' "$want" > "$stamp"
log "done ($venv)"
