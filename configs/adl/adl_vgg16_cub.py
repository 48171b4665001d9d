# ADL, VGG16-CAM of wsolevaluation with Attention-based Dropout Layers
# (wsol/vgg.py, config key 'adl', 14x14), on CUB-200-2011 under the
# wsolevaluation protocol (MaxBoxAccV2; val = CUBV2).
#   python tools/train.py configs/adl/adl_vgg16_cub.py
# The model of configs/cam/cam_vgg16_cub.py (conv5_3 without pool5, conv6
# 512 -> 1024 3x3 + ReLU, GAP, fc) with an ADL in training after pool3,
# after conv4_3 (before pool4) and after conv5_3, wsolevaluation's 'A'
# positions: mmpretrain VGG16's features.9, .12 and .16 (each ConvModule
# ends with its ReLU). drop_rate 0.75 and gamma 0.9 are wsolevaluation's
# defaults (--adl_drop_rate, --adl_threshold; the tuned values are in its
# hyper-parameter sheet). Schedule: the CAM one (see configs/cam/README.md).
_base_ = [
    '../_base_/models/cam_vgg16.py',
    '../_base_/datasets/cub_wsolevaluation.py',
    '../_base_/schedules/cam_wsolevaluation_cub.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='ADL',
    adl_layers=['backbone.features.9', 'backbone.features.12',
                'backbone.features.16'],
    adl_cfg=dict(type='AttentionDropout', drop_rate=0.75, gamma=0.9))

# also keep the best checkpoint by 'wsol/MaxBoxAccV2' (best_*.pth)
default_hooks = dict(checkpoint=dict(save_best='wsol/MaxBoxAccV2'))
