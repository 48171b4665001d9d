# SPG on the tiny CAM fine-tuned from the pretrained backbone: exactly
# configs/cam/cam_tiny_synthetic_pretrained.py (the pretrained backbone,
# lr 0.01) plus SPG's branches and losses (spg_tiny_synthetic.py).
_base_ = ['./spg_tiny_synthetic.py']

model = dict(backbone=dict(init_cfg=_base_.pretrained_backbone))
optim_wrapper = dict(optimizer=dict(lr=0.01))
