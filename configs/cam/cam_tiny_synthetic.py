# CPU-sized CAM baseline on the embedded synthetic benchmark (10 classes,
# 112 px; generated on first use, no download), trained from scratch. Its
# checkpoint is also the evaluator F^e of lowcam/lowcam_tiny_synthetic.py.
#   python tools/train.py configs/cam/cam_tiny_synthetic.py
_base_ = [
    '../_base_/models/cam_tiny.py',
    '../_base_/datasets/synthetic_wsol.py',
    '../_base_/schedules/tiny_sgd_cosine.py',
    '../_base_/tiny_runtime.py',
]

# wsolevaluation protocol (the dataset default); pxap_upsample gives
# PxAP under `test_evaluator.protocol=ornet` too (native-size maps)
val_evaluator = dict(pxap_upsample='bicubic')
test_evaluator = val_evaluator
