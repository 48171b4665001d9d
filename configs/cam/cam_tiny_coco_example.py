# CAM on your own COCO-format data, CPU-sized: the tiny CAM (ResNet-18
# layout, 16 channels) fine-tuned from the shipped pretrained backbone, as
# configs/cam/cam_tiny_synthetic_pretrained.py, at 224 px. Edit only
# configs/_base_/datasets/coco_wsol_example.py (data_root, the JSON files,
# num_classes); docs/custom_dataset.md walks through it.
#   python tools/train.py configs/cam/cam_tiny_coco_example.py
#   python tools/test.py configs/cam/cam_tiny_coco_example.py \
#       work_dirs/cam_tiny_coco_example/epoch_8.pth
# For a real model, replace the model base by '../_base_/models/cam_vgg16.py'
# (ImageNet VGG16-CAM) and the schedule by
# '../_base_/schedules/cam_wsolevaluation_cub.py'.
_base_ = [
    '../_base_/models/cam_tiny.py',
    '../_base_/datasets/coco_wsol_example.py',
    '../_base_/schedules/tiny_sgd_cosine.py',
    '../_base_/tiny_runtime.py',
]

# the class count: `num_classes` of the dataset config, nowhere else
model = dict(
    data_preprocessor=dict(num_classes=_base_.num_classes),
    backbone=dict(init_cfg=_base_.pretrained_backbone),
    head=dict(num_classes=_base_.num_classes))
optim_wrapper = dict(optimizer=dict(lr=0.01))  # fine-tuning: a fifth
val_evaluator = dict(pxap_upsample='bicubic')  # PxAP where there are masks
test_evaluator = val_evaluator

# the dataset's categories must be exactly num_classes, the same in every
# split: checked before the first batch
default_hooks = dict(class_count=dict(exact=True))
