# VGG16-CAM as wsolevaluation (Choe et al., CVPR 2020, wsol/vgg.py): conv1_1
# ... conv5_3 without pool5 (stride 16: 14 x 14 at 224), conv6 512 -> 1024
# 3x3 + ReLU, global average pooling, fc. ImageNet VGG16 features from
# mmpretrain; conv6 and fc new (He init for conv6, as wsolevaluation).
_base_ = ['./imagenet_normalization.py']

vgg16_imagenet = ('https://download.openmmlab.com/mmclassification/v0/vgg/'
                  'vgg16_batch256_imagenet_20210208-db26f1a5.pth')
model = dict(
    type='CAM',
    data_preprocessor=dict(num_classes=200),
    backbone=dict(
        type='VGG',
        depth=16,
        out_indices=(4, ),
        with_last_pool=False,
        init_cfg=dict(
            type='Pretrained', checkpoint=vgg16_imagenet,
            prefix='backbone.')),
    extra_convs=[
        dict(
            in_channels=512,
            out_channels=1024,
            kernel_size=3,
            padding=1,
            act_cfg=dict(type='ReLU'))
    ],
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=200,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01)),
    cam_class='gt',
    test_cfg=dict(box_threshold=0.5, box_mode='cover'))
