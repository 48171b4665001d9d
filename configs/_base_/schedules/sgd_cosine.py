# SGD with momentum 0.9 and a cosine annealing of the lr to 0, stepped every
# iteration (convert_to_iter_based) from epoch 0. A schedule that inherits
# it sets the lr and weight decay, the cosine's length (param_scheduler.end,
# in epochs) and train_cfg's max_epochs and val_interval.
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', momentum=0.9))
param_scheduler = dict(
    type='CosineAnnealingLR',
    by_epoch=True,
    begin=0,
    eta_min=0.0,
    convert_to_iter_based=True)
train_cfg = dict(by_epoch=True)
val_cfg = dict()
test_cfg = dict()
