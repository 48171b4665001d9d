# SPG (Zhang et al., ECCV 2018) with VGG16 as wsolevaluation's VggSpg
# (wsol/vgg.py, wsol/method/spg.py), CUB-200-2011 under the wsolevaluation
# protocol (MaxBoxAccV2; val = CUBV2).
#   python tools/train.py configs/spg/spg_vgg16_cub.py
# SPG-A: ImageNet VGG16 conv1_1 ... conv5_3 (mmpretrain's, no pool5; pool4
# swapped for VggSpg's 3x3 stride-2 max pool), two new 3x3 convs
# 512 -> 512 + ReLU (SPG_A_3), GAP, fc 512 -> 200 (SPG_A_4 + GAP). SPG-B1
# reads conv4_3 after pool4 (out index 3), SPG-B2 conv5_3 (out index 4),
# SPG-C the feature map A. Loss: CE + the three seed BCE losses.
_base_ = [
    '../_base_/models/cam_vgg16.py',
    '../_base_/datasets/cub_wsolevaluation.py',
    '../_base_/schedules/cam_wsolevaluation_cub.py',
    '../_base_/default_runtime.py',
]

xavier = dict(type='Xavier', layer='Conv2d', distribution='uniform')
model = dict(
    type='SPG',
    backbone=dict(out_indices=(3, 4)),
    # VggSpg: F.max_pool2d(kernel_size=3, stride=2, padding=1) after conv4_3
    backbone_last_max_pool=dict(kernel_size=3, stride=2, padding=1),
    extra_convs=[
        dict(in_channels=512, out_channels=512, kernel_size=3, padding=1,
             act_cfg=dict(type='ReLU')),
        dict(in_channels=512, out_channels=512, kernel_size=3, padding=1,
             act_cfg=dict(type='ReLU')),
    ],
    extra_convs_init_cfg=xavier,  # wsolevaluation: Xavier, not He
    head=dict(
        in_channels=512,
        init_cfg=dict(
            _delete_=True, type='Xavier', layer='Linear',
            distribution='uniform')),
    branch_inputs=(0, 1),
    spg_head=dict(
        type='SPGHead',
        in_channels_b1=512,
        in_channels_b2=512,
        in_channels_c=512,
        channels_b=512,
        channels_c=512,
        init_cfg=xavier),
    # wsolevaluation's defaults (config.py, spg_threshold_{1,2,3}{h,l})
    spg_thresholds=((0.7, 0.01), (0.5, 0.05), (0.7, 0.1)),
    seed_loss=dict(type='SeedBCELoss'))

# wsolevaluation's optimizer gives 10x the lr to every parameter outside
# `features.`: for VggSpg that includes conv4_x and conv5_x (its SPG_A_1,
# SPG_A_2, ImageNet-initialised), besides the new layers. mmpretrain's VGG16
# holds them at features.10-12 and features.14-16. lr and weight decay:
# the CAM schedule's assumptions (the tuned values are in wsolevaluation's
# hyper-parameter sheet).
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={
            **{
                f'backbone.features.{i}.': dict(lr_mult=10.0)
                for i in (10, 11, 12, 14, 15, 16)
            },
            'spg_head': dict(lr_mult=10.0),
        }))

# also keep the best checkpoint by 'wsol/MaxBoxAccV2' (best_*.pth)
default_hooks = dict(checkpoint=dict(save_best='wsol/MaxBoxAccV2'))
