# The tiny ACoL of acol_tiny_synthetic.py fine-tuned from the pretrained
# backbone, exactly as configs/cam/cam_tiny_synthetic_pretrained.py changes
# the tiny CAM: the shipped synthetic-pretrained ResNet-18 (16 ch) backbone
# and a fifth of the lr (0.01). The branches and heads start from their
# default init.
_base_ = ['./acol_tiny_synthetic.py']

model = dict(backbone=dict(init_cfg=_base_.pretrained_backbone))
optim_wrapper = dict(optimizer=dict(lr=0.01))
