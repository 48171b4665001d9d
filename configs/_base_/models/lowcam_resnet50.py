# LowCAM as in the authors' release (models/model.py, CoarseModel): F^c is
# an ImageNet ResNet-50 split after its stem (conv1-bn-relu-maxpool:
# F^c_1 has 64 channels, stride 4), the rest (layer1-4, 2048 channels) +
# GAP + fc is the main branch; generator F^g with c_base 64. mmpretrain's
# ImageNet ResNet-50 replaces torchvision's. The evaluator F^e is set per
# dataset (configs/lowcam/*.py).
resnet50_imagenet = ('https://download.openmmlab.com/mmclassification/v0/'
                     'resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth')
model = dict(
    type='LowCAM',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        out_indices=(3, ),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=resnet50_imagenet,
            prefix='backbone.')),
    split='stem',
    neck=dict(type='ActivationMapGenerator', base_channels=64),
    head=dict(type='LowCAMHead', num_classes=200, in_channels=2048),
    erasing=dict(type='AttentiveErasing', prob=0.5, max_factor=0.5),
    train_cfg=dict(frozen_bn_eval=False),
    test_cfg=dict(box_threshold=0.5, box_mode='release', cls_source='auto'))
