# The tiny classifier the synthetic recipes share: a ResNet-18 layout with
# 16 stem and base channels (about 0.7 M parameters), GAP, a linear head.
# Pretrained on the generated pretraining set by
# configs/pretrain/resnet18_w16_synthetic_pretrain.py; its backbone is the
# backbone of the tiny CAM (configs/_base_/models/cam_tiny.py, last stage
# at stride 1) and of the tiny LowCAM's F^c (lowcam_tiny.py).

_base_ = ['./imagenet_normalization.py']

# Its pretrained weights: the *_pretrained synthetic configs set
# model.backbone.init_cfg to this, as real configs load ImageNet weights.
pretrained_backbone = dict(
    type='Pretrained',
    checkpoint='mmwsol://synthetic_pretrain/resnet18_w16.pth',
    prefix='backbone.')
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=16,
        base_channels=16,
        out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=48,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
