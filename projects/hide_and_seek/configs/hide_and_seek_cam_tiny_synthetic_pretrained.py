# Hide-and-Seek on the pretrained tiny CAM
# (configs/cam/cam_tiny_synthetic_pretrained.py: backbone pretrained on the
# generated pretraining set, lr 0.01), the HideAndSeek transform as in
# hide_and_seek_cam_tiny_synthetic.py.
_base_ = ['./hide_and_seek_cam_tiny_synthetic.py']

model = dict(backbone=dict(init_cfg=_base_.pretrained_backbone))
optim_wrapper = dict(optimizer=dict(lr=0.01))
