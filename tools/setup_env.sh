#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment; idempotent.
#
#   bash tools/setup_env.sh        # prints nothing more when it is up to date
#
# The environment lives in $MMWSOL_VENV (default: .venv at the repository
# root). It is rebuilt when pyproject.toml or requirements/constraints.txt
# change. The pinned stack is requirements/constraints.txt; mmcv comes as
# mmcv-lite through the `lite` extra (see README, "Installation").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMWSOL_VENV:-$ROOT/.venv}"
PYTHON_BIN="${PYTHON:-python3}"
STAMP="$VENV/.mmwsol-env-stamp"
WANT="$(cat "$ROOT/pyproject.toml" "$ROOT/requirements/constraints.txt" | sha256sum | cut -c1-16)"

if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null || true)" = "$WANT" ]; then
    exit 0
fi

echo "[setup_env] creating the environment in $VENV (a few minutes, once)" >&2
start=$(date +%s)
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON_BIN" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$ROOT/requirements/constraints.txt" \
    -e "$ROOT[lite,tests]"
echo "$WANT" > "$STAMP"
echo "[setup_env] done in $(( $(date +%s) - start )) s" >&2
