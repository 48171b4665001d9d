# The tiny LowCAM of configs/lowcam/lowcam_tiny_synthetic.py in the paper's
# setting: F^c starts from the pretrained backbone (as the release's F^c
# from ImageNet weights) and its evaluator F^e is the pretrained tiny CAM
# fine-tuned on the benchmark (configs/cam/cam_tiny_synthetic_pretrained.py,
# trained first by this run: stage 0). The generator F^g is new. Phase 1
# lr 0.01 (a fifth of the from-scratch one, as for the CAM); phase 2 as the
# release (Adam 1e-4).
#   python tools/train.py configs/lowcam/lowcam_tiny_synthetic_pretrained.py
_base_ = ['./lowcam_tiny_synthetic.py']

model = dict(
    backbone=dict(init_cfg=_base_.pretrained_backbone),
    evaluator=dict(
        config='{{ fileDirname }}/../cam/cam_tiny_synthetic_pretrained.py'))
optim_wrapper = dict(optimizer=dict(lr=0.01))
