# The tiny CAM of configs/cam/cam_tiny_synthetic.py fine-tuned from the
# pretrained backbone instead of trained from scratch: the miniature of the
# real protocol (ImageNet weights, then WSOL on CUB). The backbone is the
# one pretrained on the generated pretraining set
# (configs/pretrain/resnet18_w16_synthetic_pretrain.py; shipped, or rebuilt
# by `bash tools/model_converters/make_synthetic_pretrain.sh`), loaded as
# real configs load ImageNet weights. Same data, schedule length and seed;
# the lr is a fifth of the from-scratch one (0.01), chosen before any run.
_base_ = ['./cam_tiny_synthetic.py']

model = dict(backbone=dict(init_cfg=_base_.pretrained_backbone))
optim_wrapper = dict(optimizer=dict(lr=0.01))
