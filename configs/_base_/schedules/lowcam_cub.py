# LowCAM's two phases in one run (ORNet release, config/CUB_200_2011.yaml and
# train_2nd_step.py); batch 16 (the dataset config).
# Phase 1 (coarse; epochs 0-69): classifier F^c + generator F^g + side
# branch, CE on side and main logits; SGD lr 1e-3 (C_LR), momentum 0.9,
# weight decay 5e-4. The release has no stage-1 script, so its schedule is
# unknown: a constant lr here (add a param_scheduler to change it).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4))

# Phase 2 (fine; epochs 70-99, R_EPOCHS 30): TwoPhaseTrainingHook freezes
# all but the generator's up2, up3 and map head, and switches to Adam lr
# 1e-4 (R_LR), no weight decay, with a fresh cosine annealing stepped per
# iteration over the remaining iterations (CosineAnnealingLR(optimizer,
# num_iters * R_EPOCHS)). Change the switch with
# --cfg-options custom_hooks.0.switch_epoch=N train_cfg.max_epochs=M.
custom_hooks = [
    dict(
        type='TwoPhaseTrainingHook',
        switch_epoch=70,
        phase2_optim_wrapper=dict(
            optimizer=dict(type='Adam', lr=1e-4, weight_decay=0)),
        phase2_param_scheduler=dict(
            type='CosineAnnealingLR', by_epoch=False, eta_min=0.0)),
]

train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=10)
val_cfg = dict()
test_cfg = dict()

# DDP: phase 2 freezes parameters DDP registered in phase 1
find_unused_parameters = True

# lr above is for a total batch of 16 (use --auto-scale-lr with others)
auto_scale_lr = dict(base_batch_size=16)
