#!/usr/bin/env bash
# The main job on a fresh machine, no download: set up the environment if
# needed, train the CAM baseline and LowCAM (both phases) from scratch on the
# embedded synthetic benchmark (generated on first use), evaluate both with
# tools/test.py, print the comparison table and draw CAM vs LowCAM pictures.
#   bash tools/quickstart.sh [--seeds 0 1 2] [--methods cam lowcam ...]
# About 4 minutes on 2 CPU cores (about 1.5 more for the first-time set-up).
# Outputs: work_dirs/quickstart/{results.md,results.json,seed*/,pictures/}.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
VENV="${MMWSOL_VENV:-$ROOT/.venv}"
cd "$ROOT"
export PATH="$VENV/bin:$PATH"
WORK=work_dirs/quickstart
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--seeds 0 --methods cam lowcam)
python tools/analysis/synthetic_benchmark.py --work-dir "$WORK" "${args[@]}"

# side-by-side CAM | LowCAM on a few test images of the benchmark
seed=$(ls -d "$WORK"/seed* | head -1)
if [ -f "$seed/cam/epoch_8.pth" ] && [ -f "$seed/lowcam/epoch_8.pth" ]; then
    data=$(python -c "from mmwsol.datasets.synthetic_generator import prepare_synthetic_wsol as p; print(p())" 2>/dev/null | tail -1)
    images=$(awk 'NR==FNR { if ($2 == 0) test[$1] = 1; next }
                  ($1 in test) { print $2 }' \
             "$data/train_test_split.txt" "$data/images.txt" \
             | awk 'NR % 50 == 1' | head -4 | sed "s|^|$data/images/|")
    python tools/visualization/vis_localization.py \
        configs/cam/cam_tiny_synthetic.py "$seed/cam/epoch_8.pth" $images \
        --compare configs/lowcam/lowcam_tiny_synthetic.py \
        "$seed/lowcam/epoch_8.pth" --labels CAM LowCAM \
        --out-dir "$WORK/pictures" --device cpu
    echo "pictures: $WORK/pictures"
fi
echo "table: $WORK/results.md"
