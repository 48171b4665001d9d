# Phase 2 of LowCAM (ORNet release, train_2nd_step.py): from `switch_epoch`
# (the release's CUB value, 70, here) TwoPhaseTrainingHook freezes all but
# the generator's up2, up3 and map head, and switches to Adam lr 1e-4
# (R_LR), no weight decay, with a fresh cosine annealing stepped per
# iteration over the remaining iterations (CosineAnnealingLR(optimizer,
# num_iters * R_EPOCHS)). A schedule with another switch epoch writes
#   custom_hooks = [dict(_base_.custom_hooks[0], switch_epoch=N)]
# and on the command line:
#   --cfg-options custom_hooks.0.switch_epoch=N train_cfg.max_epochs=M.
custom_hooks = [
    dict(
        type='TwoPhaseTrainingHook',
        switch_epoch=70,
        phase2_optim_wrapper=dict(
            optimizer=dict(type='Adam', lr=1e-4, weight_decay=0)),
        phase2_param_scheduler=dict(
            type='CosineAnnealingLR', by_epoch=False, eta_min=0.0)),
]

# DDP: phase 2 freezes parameters DDP registered in phase 1
find_unused_parameters = True
