# Pretraining of the tiny synthetic backbones, the miniature of ImageNet
# pretraining: the tiny ResNet-18 (16 channels) classifies the 48 classes of
# the generated pretraining set (image labels only), from scratch, 2 CPU
# cores. Its published checkpoint is what the *_pretrained synthetic configs
# load with init_cfg=dict(type='Pretrained', prefix='backbone.'), as real
# configs load ImageNet weights:
#   bash tools/model_converters/make_synthetic_pretrain.sh
# (= python tools/train.py configs/pretrain/resnet18_w16_synthetic_pretrain.py
#  then tools/model_converters/publish_model.py on its last checkpoint.)
_base_ = [
    '../_base_/models/resnet18_w16_classifier.py',
    '../_base_/datasets/synthetic_pretrain.py',
    '../_base_/schedules/tiny_sgd_cosine.py',
    '../_base_/default_runtime.py',
]

# the tiny schedule (SGD, cosine to 0) over 12 epochs (1800 iterations of
# 64 images), its lr (0.05 at batch 32) scaled linearly to batch 64
optim_wrapper = dict(optimizer=dict(lr=0.1))
param_scheduler = dict(end=12)
train_cfg = dict(max_epochs=12, val_interval=3)

# a checkpoint every 3 epochs: the last and the best one kept
default_hooks = dict(
    checkpoint=dict(interval=3, max_keep_ckpts=1, save_best='accuracy/top1'),
    # a classifier: no score maps to draw
    visualization=dict(enable=False))
randomness = dict(seed=0)
