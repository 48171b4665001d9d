#!/usr/bin/env bash
# The main job on a fresh machine, no download: set up the environment if
# needed, then run the paper's pipeline in miniature on the embedded
# synthetic benchmark (generated on first use): LowCAM from one
# `tools/train.py` command (stage 0 trains its evaluator F^e, the CAM
# baseline, from the shipped pretrained backbone; then phases 1 and 2),
# evaluate LowCAM and CAM with tools/test.py under both protocols (oracle and
# calibrated thresholds), print the comparison table and draw CAM vs LowCAM
# pictures (GT boxes green, predicted boxes magenta). Training and test
# progress is shown as it runs.
#   bash tools/quickstart.sh [synthetic_benchmark.py options, e.g.
#                             --seeds 0 1 2 --methods cam lowcam hide_and_seek
#                             --settings scratch pretrained]
# About 5 minutes on 2 CPU cores (about 1.5 more for the first-time set-up).
# Outputs: work_dirs/quickstart/{results.md,results.json,<setting>/seed*/,
# pictures/}.
source "$(dirname "${BASH_SOURCE[0]}")/enter_env.sh"
WORK=work_dirs/quickstart
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--seeds 0 --methods cam lowcam --settings pretrained)
python tools/analysis_tools/synthetic_benchmark.py --work-dir "$WORK" "${args[@]}"

# side-by-side CAM | LowCAM on a few test images of the benchmark
for setting in pretrained scratch; do
    run=$(ls -d "$WORK/$setting"/seed*/lowcam 2>/dev/null | head -1 || true)
    [ -n "$run" ] && [ -f "$run/epoch_8.pth" ] && [ -f "$run/evaluator/epoch_8.pth" ] || continue
    suffix=$([ "$setting" = pretrained ] && echo _pretrained || true)
    data=$(python -c "from mmwsol.datasets.synthetic import prepare_synthetic_wsol as p; print(p())" 2>/dev/null | tail -1)
    images=$(awk 'NR==FNR { if ($2 == 0) test[$1] = 1; next }
                  ($1 in test) { print $2 }' \
             "$data/train_test_split.txt" "$data/images.txt" \
             | awk 'NR % 50 == 1' | head -4 | sed "s|^|$data/images/|")
    python tools/visualization/vis_localization.py \
        "configs/cam/cam_tiny_synthetic$suffix.py" "$run/evaluator/epoch_8.pth" $images \
        --compare "configs/lowcam/lowcam_tiny_synthetic$suffix.py" \
        "$run/epoch_8.pth" --labels CAM LowCAM --gt \
        --out-dir "$WORK/pictures/$setting" --device cpu
    echo "pictures: $WORK/pictures/$setting"
done
echo "table: $WORK/results.md"
