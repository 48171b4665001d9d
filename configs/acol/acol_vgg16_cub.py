# ACoL, VGG16 of wsolevaluation (wsol/vgg.py VggAcol, config key 'acol',
# 14x14), on CUB-200-2011 under the wsolevaluation protocol (MaxBoxAccV2;
# val = CUBV2).
#   python tools/train.py configs/acol/acol_vgg16_cub.py
# wsolevaluation's VggAcol: conv1_1 ... conv5_3 with every 2x2 max pooling
# replaced by a 3x3 stride-2 one ('M1'), no pool5 but a 3x3 stride-1 max
# pooling ('M2') and a 3x3 stride-1 average pooling after conv5_3 (14 x 14
# at 224 px); two branches, each conv 512 -> 1024 3x3 + ReLU, conv 1024 ->
# 1024 3x3 + ReLU, then C class maps (here GAP + fc: the same logits, the
# same normalised maps); erasing threshold delta = 0.7 (its default
# --acol_threshold; the tuned value is in wsolevaluation's hyper-parameter
# sheet). New layers Xavier-uniform initialised (conv weights, the
# classifier too), as wsolevaluation's VggAcol. Schedule: the CAM one
# (50 epochs, batch 32, SGD Nesterov, 10x lr on the new layers, both
# branches and heads; lr 1e-3 / wd 5e-4 are assumptions, see
# configs/cam/README.md).
_base_ = [
    '../_base_/models/cam_vgg16.py',
    '../_base_/datasets/cub_wsolevaluation.py',
    '../_base_/schedules/cam_wsolevaluation_cub.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='ACoL',
    backbone_max_pool=dict(kernel_size=3, stride=2, padding=1),
    feature_max_pool=3,
    feature_avg_pool=3,
    extra_convs=[],
    branch_convs=[
        dict(in_channels=512, out_channels=1024, kernel_size=3, padding=1,
             act_cfg=dict(type='ReLU')),
        dict(in_channels=1024, out_channels=1024, kernel_size=3, padding=1,
             act_cfg=dict(type='ReLU')),
    ],
    erase_threshold=0.7,
    head=dict(
        in_channels=1024,
        init_cfg=dict(
            _delete_=True, type='Xavier', layer='Linear',
            distribution='uniform')),
    # the branch convs (ConvModule, He by default): Xavier-uniform; the
    # backbone's ImageNet weights are loaded after this
    init_cfg=dict(type='Xavier', layer='Conv2d', distribution='uniform'))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'branch_': dict(lr_mult=10.0)}))

# also keep the best checkpoint by 'wsol/MaxBoxAccV2' (best_*.pth)
default_hooks = dict(checkpoint=dict(save_best='wsol/MaxBoxAccV2'))
