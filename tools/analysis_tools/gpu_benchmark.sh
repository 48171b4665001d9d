#!/usr/bin/env bash
# Every GPU figure of the project in one command, under 8 minutes on one
# H200 (prepared before any GPU is lent; see README, "Benchmarks"):
#
#   bash tools/analysis_tools/gpu_benchmark.sh [--dry-run] [OUT_DIR]
#   bash tools/analysis_tools/gpu_benchmark.sh --fetch-wheels   # here, once
#
# 1. training steps (benchmark_train.py, in one process): phases 1 and 2 at
#    batch 16 / 64 / 128, fp32 and bf16 autocast, contiguous and
#    channels_last, images/s and peak GPU memory; the per-sample-loop
#    erasing at batch 16 fp32; torch.compile on (bf16, channels_last,
#    batch 64) last, as it compiles for a minute or more;
# 2. the metric's throughput on 50k maps of 224 px as CUDA tensors (and the
#    same maps from the host on all CPUs), figures compared;
# 3. the data loader's images/s with the CUB training pipeline on 2048
#    generated 500x375 JPEGs at 4 / 8 / 16 workers: is it the bottleneck?
#
# Each part writes OUT_DIR/<part>.txt (and .json); OUT_DIR defaults to
# $OUT (the device tool's folder) or work_dirs/gpu_benchmark. --dry-run runs
# every part at a toy size on the CPU (what the tests do).
#
# The lent machines have PyTorch, numba and OpenCV but not the OpenMMLab
# stack and nothing can be downloaded there: --fetch-wheels (run here, with
# PyPI reachable) puts the pinned wheels in .whl/ (git-ignored, 3.5 MB;
# carry it), and this script installs them into /tmp/site when mmengine is
# missing (MMWSOL_WHEELS: another folder). PYTHON picks the interpreter
# (default: python3, the one holding PyTorch there).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${PYTHON:-python3}"
WHEELS="${MMWSOL_WHEELS:-$ROOT/.whl}"
DRY=0
OUT_DIR=""
for arg in "$@"; do
    case "$arg" in
        --dry-run) DRY=1 ;;
        --fetch-wheels)
            pins="$(grep -E '^(mmengine|mmcv-lite|mmpretrain)==' \
                "$ROOT/requirements/constraints.txt")"
            # shellcheck disable=SC2086
            "$PY" -m pip download -q --no-deps --only-binary=:all: \
                --python-version 3.12 --implementation cp \
                --platform manylinux_2_28_x86_64 \
                --platform manylinux_2_17_x86_64 --platform any \
                -d "$WHEELS" $pins pycocotools addict yapf termcolor \
                platformdirs modelindex ordered-set mat4py importlib-metadata
            ls "$WHEELS"
            exit 0 ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        *) OUT_DIR="$arg" ;;
    esac
done
OUT_DIR="${OUT_DIR:-${OUT:-$ROOT/work_dirs/gpu_benchmark}}"
mkdir -p "$OUT_DIR"
cd "$ROOT"
export PYTHONUNBUFFERED=1

if ! "$PY" -c 'import mmengine' 2>/dev/null; then
    if ! ls "$WHEELS"/*.whl >/dev/null 2>&1; then
        echo "error: $PY has no mmengine and there are no wheels in .whl/;" \
            "run 'bash tools/analysis_tools/gpu_benchmark.sh --fetch-wheels'" \
            "where PyPI is reachable and carry .whl" >&2
        exit 1
    fi
    "$PY" -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --target /tmp/site "$WHEELS"/*.whl
    export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

start=$(date +%s)
stamp() { echo "[gpu_benchmark] $1 ($(( $(date +%s) - start )) s)"; }
"$PY" - <<'EOF' | tee "$OUT_DIR/machine.txt"
import os, platform, torch
print('date', __import__('datetime').date.today().isoformat())
print('torch', torch.__version__, 'cuda', torch.version.cuda,
      'cudnn', torch.backends.cudnn.version())
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print('gpu', p.name, f'{p.total_memory / 2**30:.0f} GiB,',
          p.multi_processor_count, 'SMs')
print('cpus', os.cpu_count(), platform.machine())
EOF

if [ "$DRY" = 1 ]; then
    DEVICE=cpu
    TRAIN=(--dry-run --batch-sizes 2 --memory-formats contiguous)
    LOOP=(--dry-run --batch-sizes 2)
    COMPILE=(--dry-run --batch-sizes 2)
    METRIC=(--num-images 16 --unique 4 --size 64 --repeat 1 --threads 2)
    LOADER=(--dry-run)
else
    DEVICE=cuda
    TRAIN=(--batch-sizes 16 64 128 --steps 10 --warmup 3
           --memory-formats contiguous channels_last)
    LOOP=(--batch-sizes 16 --steps 10 --warmup 3)
    COMPILE=(--batch-sizes 64 --steps 10 --warmup 3)
    METRIC=(--num-images 50000 --unique 2000 --repeat 1 --threads 16)
    LOADER=(--workers 4 8 16 --num-images 2048)
fi
# at most 8 files come back from the device tool's $OUT: one text file per
# part (the training tables appended), one JSON
stamp "1/3 training steps"
"$PY" tools/analysis_tools/benchmark_train.py --device "$DEVICE" \
    --in-process --phases 1 2 --variants batched --precisions fp32 bf16 \
    "${TRAIN[@]}" --out "$OUT_DIR/train.json" | tee "$OUT_DIR/train.txt"
"$PY" tools/analysis_tools/benchmark_train.py --device "$DEVICE" \
    --in-process --phases 2 --variants loop --precisions fp32 \
    --memory-formats contiguous "${LOOP[@]}" | tee -a "$OUT_DIR/train.txt"
stamp "1/3 training steps, torch.compile"
"$PY" tools/analysis_tools/benchmark_train.py --device "$DEVICE" \
    --in-process --phases 1 2 --variants batched --precisions bf16 \
    --memory-formats channels_last --compile on "${COMPILE[@]}" \
    | tee -a "$OUT_DIR/train.txt"

stamp "2/3 metric"
"$PY" tools/analysis_tools/benchmark_metric.py --device "$DEVICE" \
    "${METRIC[@]}" --skip reference pxap ornet worst single-thread floor \
    | tee "$OUT_DIR/metric.txt"

stamp "3/3 data loader"
"$PY" tools/analysis_tools/benchmark_dataloader.py "${LOADER[@]}" \
    | tee "$OUT_DIR/dataloader.txt"
if [ "$DEVICE" = cuda ]; then
    nvidia-smi --query-gpu=name,memory.used,memory.total,clocks.sm \
        --format=csv > "$OUT_DIR/nvidia_smi.txt" 2>&1 || true
fi
stamp "done"
