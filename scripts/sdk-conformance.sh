#!/usr/bin/env bash
# SDK conformance: the official m3ter Python SDK (m3ter==0.9.0) drives the sandbox.
# Builds `bulk-update`, starts `bulk-update sandbox` on a free port, installs the SDK into a
# virtualenv under .build/sdk-venv, runs scripts/sdk-conformance.py, and always stops the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product bulk-update
bin="$(swift build --show-bin-path)/bulk-update"

logs="$(mktemp -d)"
"$bin" sandbox --port 0 --configs 57 --seed 3 >"$logs/out" 2>"$logs/err" &
sandbox_pid=$!
cleanup() {
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    rm -rf "$logs"
}
trap cleanup EXIT

for _ in $(seq 1 200); do
    if grep -q '^export M3TER_BASE_URL=' "$logs/out" 2>/dev/null; then break; fi
    if ! kill -0 "$sandbox_pid" 2>/dev/null; then
        echo "the sandbox exited before listening:" >&2
        cat "$logs/err" >&2
        exit 1
    fi
    sleep 0.1
done
exports="$(grep '^export M3TER_BASE_URL=' "$logs/out" || true)"
if [ -z "$exports" ]; then
    echo "the sandbox did not print its export line in time" >&2
    cat "$logs/err" >&2
    exit 1
fi
eval "$exports"
echo "sandbox at $M3TER_BASE_URL"

venv=.build/sdk-venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check m3ter==0.9.0

"$venv/bin/python" scripts/sdk-conformance.py
