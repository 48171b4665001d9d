# Training of the evaluator F^e (ORNet release, train_evaluator.py with
# config/CUB_200_2011.yaml): SGD lr 1e-3, momentum 0.9, weight decay 5e-4,
# batch 16 (dataset config), 200 epochs, cosine annealing to 0 stepped every
# iteration (CosineAnnealingLR(optimizer, num_iters * EPOCHS)).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='CosineAnnealingLR',
    by_epoch=True,
    begin=0,
    end=200,
    eta_min=0.0,
    convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=16)
