#!/usr/bin/env bash
# Set up the environment if needed, then run the test suite.
#   bash tools/run_tests.sh [pytest options]
# The test files are spread over one pytest-xdist worker per CPU core
# (MMWSOL_TEST_WORKERS: another number; 0 runs them in this process). A
# file's tests stay in one worker (--dist loadfile), so the module-scoped
# runs they share (tiny trainings) are made once. Most of the suite starts
# tools in subprocesses whose imports use one core: on 2 cores the suite
# took 8 min 46 s on two workers, 14-18 min in one process (2026-12-03).
source "$(dirname "${BASH_SOURCE[0]}")/enter_env.sh"
exec "$VENV/bin/python" -m pytest tests \
    --numprocesses "${MMWSOL_TEST_WORKERS:-auto}" --dist loadfile "$@"
