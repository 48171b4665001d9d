# LowCAM as in the authors' release (models/model.py, CoarseModel): the
# LowCAM of lowcam_vgg16.py (generator F^g with c_base 64, erasing, test
# settings) with F^c an ImageNet ResNet-50 split after its stem
# (conv1-bn-relu-maxpool: F^c_1 has 64 channels, stride 4); the rest
# (layer1-4, 2048 channels) + GAP + fc is the main branch. mmpretrain's
# ImageNet ResNet-50 replaces torchvision's. The evaluator F^e is set per
# dataset (configs/lowcam/*.py).
_base_ = ['./lowcam_vgg16.py']

resnet50_imagenet = ('https://download.openmmlab.com/mmclassification/v0/'
                     'resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth')
model = dict(
    backbone=dict(
        type='ResNet', depth=50, out_indices=(3, ),
        init_cfg=dict(checkpoint=resnet50_imagenet)),
    split='stem',
    head=dict(in_channels=2048))
