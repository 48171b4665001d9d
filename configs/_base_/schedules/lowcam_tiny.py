# The tiny LowCAM's pipeline in one run (2 CPU cores, 8 epochs):
# stage 0 trains the evaluator F^e with its own config (the tiny CAM of the
# same data, seeded with this run's seed) into <work_dir>/evaluator/;
# phase 1 (epochs 0-5) the tiny schedule's SGD with its cosine over the 6
# phase-1 epochs; phase 2 (epochs 6-7) the release's phase 2 (Adam 1e-4,
# per-iteration cosine; lowcam_phase2.py) from epoch 6.
_base_ = ['./tiny_sgd_cosine.py', './lowcam_phase2.py']

evaluator_stage = dict(
    train=True, work_dir='evaluator', inherit=['randomness'])
param_scheduler = dict(end=6)
custom_hooks = [dict(_base_.custom_hooks[0], switch_epoch=6)]
