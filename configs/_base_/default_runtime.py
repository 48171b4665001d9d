# defaults to use registries in mmwsol (falling back to mmpretrain, mmengine)
default_scope = 'mmwsol'

# configure default hooks
default_hooks = dict(
    # record the time of every iteration.
    timer=dict(type='IterTimerHook'),
    # print log every 50 iterations.
    logger=dict(type='LoggerHook', interval=50),
    # validation / test runs shorter than the logger's interval still log
    # their progress (at least 4 lines a run); num_lines=0 turns it off
    eval_progress=dict(type='EvalProgressHook', num_lines=4),
    # stop at the first NaN / inf training loss, before any checkpoint of
    # the diverged state is saved (tools/train.py exits 1)
    finite_loss=dict(type='FiniteLossCheckHook'),
    # enable the parameter scheduler.
    param_scheduler=dict(type='ParamSchedulerHook'),
    # seed Python, NumPy and torch before every training iteration from
    # (seed, iteration, rank): with SeededSampler's per-sample seeds, a run
    # resumed from any checkpoint equals the uninterrupted run
    iteration_seed=dict(type='IterationSeedHook'),
    # save checkpoint per epoch, atomically (a temporary file renamed into
    # place: a full disk or a kill never leaves a truncated checkpoint, and
    # last_checkpoint always names a complete one). A method config picks
    # the figure of the best checkpoint, e.g. default_hooks.checkpoint.save_best=
    # 'wsol/GT-known_Loc' (ORNet protocol) or 'wsol/MaxBoxAccV2'
    # (wsolevaluation); `greater_keys` (mmengine's defaults plus 'loc' and
    # 'pxap') make every WSOL figure (GT-known Loc, Top-k Loc, MaxBoxAcc,
    # PxAP, Top-k Cls) higher-is-better without a `rule`.
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=1,
        max_keep_ckpts=3,
        greater_keys=[
            'acc', 'top', 'AR@', 'auc', 'precision', 'mAP', 'mDice', 'mIoU',
            'mAcc', 'aAcc', 'loc', 'pxap'
        ]),
    # set sampler seed in distributed environment.
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # datasets with more classes than the model's head stop with a clear
    # error before the first batch (not an index error inside the loss)
    class_count=dict(type='ClassCountCheckHook'),
    # LowCAM: load and check the evaluator F^e before the first batch (a
    # missing or mismatched checkpoint stops the run now, not in phase 2)
    evaluator_check=dict(type='EvaluatorCheckHook'),
    # score map, boxes and classes of 4 fixed validation images at every
    # validation (vis_data/vis_image/<index>_<image>_<epoch>.png; also in
    # TensorBoard); enable=False to turn it off, out_dir=... for a folder.
    visualization=dict(
        type='LocalizationVisualizationHook', enable=True, num_images=4),
)

# configure environment
env_cfg = dict(
    # whether to enable cudnn benchmark
    cudnn_benchmark=False,
    # set multi process parameters
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # set distributed parameters
    dist_cfg=dict(backend='nccl'),
)

# set visualizer
# local files always; TensorBoard event files when tensorboard is installed
# (a logged no-op otherwise)
vis_backends = [
    dict(type='LocalVisBackend'),
    dict(type='OptionalTensorboardVisBackend'),
]
visualizer = dict(type='LocalizationVisualizer', vis_backends=vis_backends)

# set log level
log_level = 'INFO'

# load from which checkpoint
load_from = None

# whether to resume training from the loaded checkpoint
resume = False

# defaults to use random seed and disable `deterministic`
randomness = dict(seed=None, deterministic=False)
