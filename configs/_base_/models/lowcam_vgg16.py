# LowCAM (ORNet, ICCV 2021) with a VGG16 classifier F^c split after its
# second pooling (F^c_1: 128 channels, stride 4) and the release's generator
# F^g (U-Net, c_base 64). F^c starts from mmpretrain's ImageNet VGG16. The
# evaluator F^e is set per dataset (configs/lowcam/*.py).
_base_ = ['./imagenet_normalization.py']

vgg16_imagenet = ('https://download.openmmlab.com/mmclassification/v0/vgg/'
                  'vgg16_batch256_imagenet_20210208-db26f1a5.pth')
model = dict(
    type='LowCAM',
    backbone=dict(
        type='VGG',
        depth=16,
        out_indices=(4, ),  # conv5_3 + pool5: 512 x 7 x 7 at 224
        init_cfg=dict(
            type='Pretrained', checkpoint=vgg16_imagenet,
            prefix='backbone.')),
    split='stride4',
    neck=dict(type='ActivationMapGenerator', base_channels=64),
    head=dict(type='LowCAMHead', num_classes=200, in_channels=512),
    erasing=dict(type='AttentiveErasing', prob=0.5, max_factor=0.5),
    # release: frozen BN layers keep updating in phase 2
    train_cfg=dict(frozen_bn_eval=False),
    test_cfg=dict(box_threshold=0.5, box_mode='release', cls_source='auto'))
