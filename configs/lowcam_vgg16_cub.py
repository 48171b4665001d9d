# The design card's command:
#   python tools/train.py configs/lowcam_vgg16_cub.py
# LowCAM, VGG16 F^c and F^e, CUB-200-2011, the whole pipeline (F^e, phase
# 1, phase 2) in one run. The config itself is
# configs/lowcam/lowcam_vgg16_cub.py (one source of truth): this file only
# inherits it, so both give the same config and the same default work dir
# (work_dirs/lowcam_vgg16_cub).
_base_ = ['./lowcam/lowcam_vgg16_cub.py']
