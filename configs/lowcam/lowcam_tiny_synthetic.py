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
    '../_base_/schedules/tiny_sgd_cosine.py',
    '../_base_/default_runtime.py',
]

# eval_mode=True: this evaluator has BN layers, whose statistics would drift
# to the masked images in phase 2 if it ran in train mode (the release's
# default; harmless there: VGG16 has no BN, only dropout).
model = dict(
    evaluator=dict(
        type='ClassifierEvaluator',
        config='{{ fileDirname }}/../cam/cam_tiny_synthetic.py',
        # None: trained first by this run (evaluator_stage below)
        checkpoint=None,
        eval_mode=True))

# stage 0: F^e = the CAM baseline of the same seed (inherit randomness)
evaluator_stage = dict(
    train=True, work_dir='evaluator', inherit=['randomness'])

# phase 1 (epochs 0-5): the tiny schedule's SGD with its cosine over the 6
# phase-1 epochs, from scratch; phase 2 (epochs 6-7): the release's phase 2
# (Adam 1e-4, per-iteration cosine).
param_scheduler = dict(end=6)
custom_hooks = [
    dict(
        type='TwoPhaseTrainingHook',
        switch_epoch=6,
        phase2_optim_wrapper=dict(
            optimizer=dict(type='Adam', lr=1e-4, weight_decay=0)),
        phase2_param_scheduler=dict(
            type='CosineAnnealingLR', by_epoch=False, eta_min=0.0)),
]
# wsolevaluation protocol (the dataset default); pxap_upsample gives
# PxAP under `test_evaluator.protocol=ornet` too (native-size maps)
val_evaluator = dict(pxap_upsample='bicubic')
test_evaluator = val_evaluator
find_unused_parameters = True

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=2,
        save_best='wsol/MaxBoxAccV2'))
randomness = dict(seed=0)
