# CutMix on VGG16-CAM (wsolevaluation's `--architecture vgg16
# --wsol_method cutmix`: the CAM architecture, CutMix batches), CUB-200-2011
# under the wsolevaluation protocol (MaxBoxAccV2; val = CUBV2). Everything
# but the batch augmentation is configs/cam/cam_vgg16_cub.py.
#   python tools/train.py configs/cutmix/cutmix_vgg16_cub.py
_base_ = ['../cam/cam_vgg16_cub.py']

# wsolevaluation's defaults (config.py); its tuned values for CUB VGG16 are
# in its hyper-parameter sheet, not in the repository.
cutmix_beta = 1.0
cutmix_prob = 1.0  # a float
model = dict(
    train_cfg=dict(
        augments=[dict(type='CutMix', alpha=cutmix_beta)],
        probs=cutmix_prob))
