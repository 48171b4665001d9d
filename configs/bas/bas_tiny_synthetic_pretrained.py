# The tiny BAS of bas_tiny_synthetic.py fine-tuned from the pretrained
# backbone, as configs/cam/cam_tiny_synthetic_pretrained.py is to the tiny
# CAM (same two changes: the backbone's weights, a fifth of the lr).
_base_ = ['./bas_tiny_synthetic.py']

model = dict(backbone=dict(init_cfg=_base_.pretrained_backbone))
optim_wrapper = dict(optimizer=dict(lr=0.01))
