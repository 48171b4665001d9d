#!/usr/bin/env bash
# Set up the environment if needed, then run the test suite.
#   bash tools/run_tests.sh [pytest options]
source "$(dirname "${BASH_SOURCE[0]}")/enter_env.sh"
exec "$VENV/bin/python" -m pytest tests "$@"
