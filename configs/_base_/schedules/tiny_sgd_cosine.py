# The tiny synthetic recipes' schedule (2 CPU cores): SGD lr 0.05 (batch
# 32), momentum 0.9, weight decay 1e-4, a cosine to 0 stepped per
# iteration over 8 epochs, validation at the end.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(
    type='CosineAnnealingLR',
    by_epoch=True,
    begin=0,
    end=8,
    eta_min=0.0,
    convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=8)
val_cfg = dict()
test_cfg = dict()
