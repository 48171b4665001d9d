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
    -e "$ROOT[lite,tests,mim]"
# Then the package the mim way, as users of OpenMMLab packages install it.
# --no-deps: the stack is in place, and mim would add mmpretrain's `mim`
# extra, full mmcv, which clashes with mmcv-lite and has no wheel here (it
# would compile). MMCV_BASE_URL: mim adds a find-links page for mmcv wheels
# on OpenMMLab's server; a local, absent one keeps pip off the network.
MMCV_BASE_URL="file://$VENV/no-mmcv-wheels" "$VENV/bin/mim" install \
    --quiet --no-deps --no-build-isolation -e "$ROOT" 2>&1 \
    | { grep -v -e "is ignored: it is neither" -e "pkg_resources" \
                -e "MMCV_BASE_URL" || true; }
# mim (0.3.9) looks a package up as <folder of its metadata>/<name>, which
# for a PEP 660 editable install is an absent site-packages/mmwsol
# (open-mmlab/mim#114); point it at the checkout's package, so that
# `mim train/test/run mmwsol` find mmwsol/.mim (configs, tools)
# (a link is renewed; a real folder, from a non-editable install, is kept)
SITE="$("$VENV/bin/python" -c \
    'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
if [ ! -e "$SITE/mmwsol" ] || [ -L "$SITE/mmwsol" ]; then
    ln -sfn "$ROOT/mmwsol" "$SITE/mmwsol"
fi
echo "$WANT" > "$STAMP"
echo "[setup_env] done in $(( $(date +%s) - start )) s" >&2
