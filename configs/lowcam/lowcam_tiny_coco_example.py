# LowCAM on your own COCO-format data, CPU-sized, in one command: stage 0
# trains its evaluator F^e, the CAM of configs/cam/cam_tiny_coco_example.py
# (same data, same seed), then phases 1 and 2 (6 + 2 epochs), F^c from the
# shipped pretrained backbone, as lowcam_tiny_synthetic_pretrained.py. Edit
# only configs/_base_/datasets/coco_wsol_example.py (docs/custom_dataset.md).
#   python tools/train.py configs/lowcam/lowcam_tiny_coco_example.py
_base_ = [
    '../_base_/models/lowcam_tiny.py',
    '../_base_/datasets/coco_wsol_example.py',
    '../_base_/schedules/lowcam_tiny.py',
    '../_base_/tiny_runtime.py',
]

# The class count: `num_classes` of the dataset config, nowhere else. The
# area loss pushes down the classes the evaluator ranks `skip` (3) to
# `topk - 1`: the release takes ranks 3..24 of 200 classes and the tiny
# recipe 3..4 of 10, i.e. topk = min(25, C // 2), at least `skip` (then only
# the area term, up to 7 classes).
model = dict(
    backbone=dict(init_cfg=_base_.pretrained_backbone),
    head=dict(
        num_classes=_base_.num_classes,
        area_loss=dict(topk=min(25, max(3, _base_.num_classes // 2)))),
    evaluator=dict(
        type='ClassifierEvaluator',
        config='{{ fileDirname }}/../cam/cam_tiny_coco_example.py',
        # None: trained first by this run (stage 0, lowcam_tiny.py)
        checkpoint=None,
        eval_mode=True))  # F^e has BN layers: keep its statistics
optim_wrapper = dict(optimizer=dict(lr=0.01))  # fine-tuning: a fifth
val_evaluator = dict(pxap_upsample='bicubic')
test_evaluator = val_evaluator

default_hooks = dict(
    checkpoint=dict(max_keep_ckpts=2),
    class_count=dict(exact=True))  # categories == num_classes, every split
