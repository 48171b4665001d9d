# BAS's CUB schedule (wpy1999/BAS, CUB/train.py, utils/optimizer.py,
# utils/lr.py): SGD, Nesterov momentum 0.9, weight decay 5e-4 on every
# parameter, lr 1e-3 for the backbone's weights and 2e-3 for its biases,
# 10x (weights) and 20x (biases) for the new layers (the release's
# `classifier_cls` and `classifier_loc`: extra_convs, head.fc, generator),
# lr x 0.1 at epoch 80, 100 epochs, batch 32.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=1e-3, momentum=0.9, nesterov=True,
        weight_decay=5e-4),
    paramwise_cfg=dict(
        bias_lr_mult=2.0,
        custom_keys={
            'extra_convs': dict(lr_mult=10.0),
            'head': dict(lr_mult=10.0),
            'generator': dict(lr_mult=10.0),
            # longer keys match first: the new layers' biases
            'extra_convs.0.conv.bias': dict(lr_mult=20.0),
            'extra_convs.1.conv.bias': dict(lr_mult=20.0),
            'head.fc.bias': dict(lr_mult=20.0),
            'generator.conv.bias': dict(lr_mult=20.0),
        }))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[80], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
