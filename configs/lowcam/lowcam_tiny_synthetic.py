# CPU-sized LowCAM on the embedded synthetic benchmark (10 classes, 112 px;
# generated on first use), trained from scratch. One command runs the whole
# pipeline (also as configs/lowcam_tiny_synthetic.py):
#   python tools/train.py configs/lowcam/lowcam_tiny_synthetic.py [--resume]
# stage 0: the evaluator F^e, the CAM baseline (configs/cam/
# cam_tiny_synthetic.py, 8 epochs, seeded with this run's seed) into
# <work_dir>/evaluator/; then phases 1 and 2 (6 + 2 epochs). An existing F^e:
# --cfg-options model.evaluator.checkpoint=PATH skips stage 0.
_base_ = [
    '../_base_/models/lowcam_tiny.py',
    '../_base_/datasets/synthetic_wsol.py',
    '../_base_/schedules/lowcam_tiny.py',
    '../_base_/tiny_runtime.py',
]

# eval_mode=True: this evaluator has BN layers, whose statistics would drift
# to the masked images in phase 2 if it ran in train mode (the release's
# default; harmless there: VGG16 has no BN, only dropout).
model = dict(
    evaluator=dict(
        type='ClassifierEvaluator',
        config='{{ fileDirname }}/../cam/cam_tiny_synthetic.py',
        # None: trained first by this run (stage 0, lowcam_tiny.py)
        checkpoint=None,
        eval_mode=True))

# wsolevaluation protocol (the dataset default); pxap_upsample gives
# PxAP under `test_evaluator.protocol=ornet` too (native-size maps)
val_evaluator = dict(pxap_upsample='bicubic')
test_evaluator = val_evaluator

# keep the last 2 checkpoints and the best
default_hooks = dict(checkpoint=dict(max_keep_ckpts=2))
