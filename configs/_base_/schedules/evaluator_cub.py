# Training of the evaluator F^e (ORNet release, train_evaluator.py with
# config/CUB_200_2011.yaml): SGD lr 1e-3, momentum 0.9, weight decay 5e-4,
# batch 16 (dataset config), 200 epochs, cosine annealing to 0 stepped every
# iteration (CosineAnnealingLR(optimizer, num_iters * EPOCHS)).
_base_ = ['./sgd_cosine.py']

optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=5e-4))
param_scheduler = dict(end=200)
train_cfg = dict(max_epochs=200, val_interval=10)
auto_scale_lr = dict(base_batch_size=16)
