# LowCAM on CUB-200-2011 exactly as the ORNet release builds it: the
# settings of lowcam_vgg16_cub.py (VGG16 evaluator F^e; release schedule,
# 70 + 30 epochs, batch 16; seed 517; ORNet protocol) with F^c an ImageNet
# ResNet-50 split after its stem (CoarseModel: stem -> U-Net, stem * p^a ->
# layer1-4 -> GAP -> fc).
#   python tools/train.py configs/lowcam/lowcam_resnet50_cub.py
# trains F^e first (stage 0, configs/evaluator/vgg16_cub.py, into
# <work_dir>/evaluator/) unless model.evaluator.checkpoint names one.
_base_ = ['./lowcam_vgg16_cub.py']

# F^c: the model of ../_base_/models/lowcam_resnet50.py
resnet50_imagenet = ('https://download.openmmlab.com/mmclassification/v0/'
                     'resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth')
model = dict(
    backbone=dict(
        type='ResNet', depth=50, out_indices=(3, ),
        init_cfg=dict(checkpoint=resnet50_imagenet)),
    split='stem',
    head=dict(in_channels=2048))
