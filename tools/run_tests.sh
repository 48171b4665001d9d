#!/usr/bin/env bash
# Set up the environment if needed, then run the test suite.
#   bash tools/run_tests.sh [pytest options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
VENV="${MMWSOL_VENV:-$ROOT/.venv}"
cd "$ROOT"
export PATH="$VENV/bin:$PATH"
exec "$VENV/bin/python" -m pytest tests "$@"
