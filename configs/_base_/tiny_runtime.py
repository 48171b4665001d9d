# The runtime of the CPU-sized recipes (the tiny synthetic configs and the
# COCO examples): default_runtime.py with a log line every 20 iterations,
# the last checkpoint and the best one by 'wsol/MaxBoxAccV2' kept, seed 0.
_base_ = ['./default_runtime.py']

default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(max_keep_ckpts=1, save_best='wsol/MaxBoxAccV2'))
randomness = dict(seed=0)
