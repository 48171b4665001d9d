# LowCAM on ImageNet-1K (ILSVRC2012 val boxes, ORNet protocol): VGG16 F^c
# split at stride 4; evaluator F^e the ImageNet VGG16 itself (the release's
# Evaluator keeps torchvision's 1000-way classifier and needs no training;
# here mmpretrain's weights). The release marks ImageNet as TODO and gives
# no schedule: phase 1 6 epochs + phase 2 3 epochs at batch 16 (with the CUB
# learning rates) is an assumption.
_base_ = [
    '../_base_/models/lowcam_vgg16.py',
    '../_base_/datasets/imagenet_ornet.py',
    '../_base_/schedules/lowcam_cub.py',
    '../_base_/default_runtime.py',
]

model = dict(
    head=dict(num_classes=1000),
    evaluator=dict(
        type='ClassifierEvaluator',
        model=dict(
            type='ImageClassifier',
            data_preprocessor=dict(
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                to_rgb=True),
            backbone=dict(type='VGG', depth=16, num_classes=1000),
            neck=None,
            head=dict(type='ClsHead')),
        checkpoint='https://download.openmmlab.com/mmclassification/v0/vgg/'
        'vgg16_batch256_imagenet_20210208-db26f1a5.pth',
        eval_mode=False))
custom_hooks = [dict(_base_.custom_hooks[0], switch_epoch=6)]
train_cfg = dict(max_epochs=9, val_interval=3)
# PxAP (when the dataset has masks) needs p^a at the mask size; the ORNet
# boxes use the native map
val_evaluator = dict(pxap_upsample='bicubic')
test_evaluator = val_evaluator
randomness = dict(seed=517)

# also keep the best checkpoint by 'wsol/GT-known_Loc' (best_*.pth)
default_hooks = dict(checkpoint=dict(save_best='wsol/GT-known_Loc'))
