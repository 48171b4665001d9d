#!/usr/bin/env bash
# Make the pretrained backbone of the tiny synthetic recipes (what
# mmwsol://synthetic_pretrain/resnet18_w16.pth loads), the way the shipped
# copy was made: pretrain on the generated pretraining set, then publish the
# last checkpoint into the cache ($MMWSOL_CACHE/model_zoo, else
# ~/.cache/mmwsol/model_zoo), which the configs then read instead of the
# shipped copy. About 8 minutes on 2 CPU cores.
#   bash tools/model_converters/make_synthetic_pretrain.sh [WORK_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
VENV="${MMWSOL_VENV:-$ROOT/.venv}"
cd "$ROOT"
export PATH="$VENV/bin:$PATH"
CONFIG=configs/pretrain/resnet18_w16_synthetic_pretrain.py
WORK="${1:-work_dirs/resnet18_w16_synthetic_pretrain}"
python tools/train.py "$CONFIG" --work-dir "$WORK"
EPOCHS=$(python -c "from mmengine.config import Config; print(Config.fromfile('$CONFIG').train_cfg.max_epochs)")
OUT=$(python -c "from mmwsol.engine.checkpoint import model_zoo_cache_path as p; print(p('synthetic_pretrain/resnet18_w16.pth'))")
python tools/model_converters/publish_model.py "$WORK/epoch_$EPOCHS.pth" "$OUT"
