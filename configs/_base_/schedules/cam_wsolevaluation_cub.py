# CAM training in the style of wsolevaluation (main.py, config.py): SGD with
# Nesterov momentum 0.9, the new layers (conv6, fc) at 10x the lr
# (lr_classifier_ratio), lr x 0.1 every 15 epochs (lr_decay_frequency), 50
# epochs on CUB, batch 32 (dataset config). The tuned lr and weight decay of
# CAM-VGG16 on CUB are in wsolevaluation's hyper-parameter sheet, not in the
# repository: lr 1e-3 and weight decay 5e-4 here are assumptions to tune on
# the CUBV2 (train-fullsup) validation split.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=1e-3, momentum=0.9, nesterov=True,
        weight_decay=5e-4),
    paramwise_cfg=dict(
        custom_keys={
            'extra_convs': dict(lr_mult=10.0),
            'head': dict(lr_mult=10.0),
        }))
param_scheduler = dict(
    type='StepLR', by_epoch=True, step_size=15, gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
