# BAS on CUB-200-2011 with the release's settings (wpy1999/BAS, CUB/):
# VGG16 (configs/_base_/models/bas_vgg16.py), batch 32, Resize 256x256 ->
# RandomCrop 224 -> flip (test: Resize 256x256 -> CenterCrop 224), 100
# epochs (configs/_base_/schedules/bas_cub.py), seed 6. Scored as
# BAS_inference.py: the min-max normalised map (mean of the top-80
# classes' generator maps) upsampled bilinearly to 224, one fixed threshold
# 0.15, GT boxes clipped to the crop; see configs/bas/README.md for what
# differs (its box is the largest connected component's, ours the box of
# every pixel above the threshold; its class scores are ten-crop).
#   python tools/train.py configs/bas/bas_vgg16_cub.py
_base_ = [
    '../_base_/models/bas_vgg16.py',
    '../_base_/datasets/cub_ornet.py',
    '../_base_/schedules/bas_cub.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=32)
val_dataloader = dict(batch_size=32)
test_dataloader = val_dataloader
val_evaluator = dict(
    type='LocalizationMetric',
    protocol='ornet',
    map_normalization='minmax',
    map_upsample='bilinear',
    ornet_gt_bboxes='packed',
    threshold_selection='fixed',
    fixed_threshold=0.15)
test_evaluator = val_evaluator
randomness = dict(seed=6)
