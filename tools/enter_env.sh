# Sourced by tools/quickstart.sh and tools/run_tests.sh (not run by
# itself): set up the environment if needed (tools/setup_env.sh), then enter
# it as `source .venv/bin/activate` would (its bin first on PATH) and go to
# the repository root. Sets ROOT and VENV.
#   source "$(dirname "${BASH_SOURCE[0]}")/enter_env.sh"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
VENV="${MMWSOL_VENV:-$ROOT/.venv}"
cd "$ROOT"
export PATH="$VENV/bin:$PATH"
