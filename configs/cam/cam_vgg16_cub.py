# CAM baseline, VGG16-CAM of wsolevaluation, on CUB-200-2011 under the
# wsolevaluation protocol (MaxBoxAcc / MaxBoxAccV2; val = CUBV2).
#   python tools/train.py configs/cam/cam_vgg16_cub.py
# The same model under the ORNet protocol (Top-1 Loc, GT-known; the LowCAM
# CUB configs' data) is one line away: replace the dataset base file by
# '../_base_/datasets/cub_ornet.py'.
_base_ = [
    '../_base_/models/cam_vgg16.py',
    '../_base_/datasets/cub_wsolevaluation.py',
    '../_base_/schedules/cam_wsolevaluation_cub.py',
    '../_base_/default_runtime.py',
]

# also keep the best checkpoint by 'wsol/MaxBoxAccV2' (best_*.pth)
default_hooks = dict(checkpoint=dict(save_best='wsol/MaxBoxAccV2'))
