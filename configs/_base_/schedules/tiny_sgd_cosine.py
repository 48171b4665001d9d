# The tiny synthetic recipes' schedule (2 CPU cores): SGD lr 0.05 (batch
# 32), momentum 0.9, weight decay 1e-4, a cosine to 0 stepped per
# iteration over 8 epochs, validation at the end.
_base_ = ['./sgd_cosine.py']

optim_wrapper = dict(optimizer=dict(lr=0.05, weight_decay=1e-4))
param_scheduler = dict(end=8)
train_cfg = dict(max_epochs=8, val_interval=8)
