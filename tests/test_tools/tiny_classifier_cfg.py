"""Writes a tiny mmpretrain-classifier config on a tiny synthetic dataset.

Shared by the runner-tool tests; the config inherits the project's base
files by absolute path so it works from tmp_path.
"""
import os.path as osp

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

TEMPLATE = '''
_base_ = [
    {base!r},
    {runtime!r},
]
synthetic_generator = dict(
    num_classes=3, image_size=48, train_per_class=8, test_per_class=2, seed=1,
    train_fullsup_per_class=1)
img_size = 48
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(generator=synthetic_generator, cache_root={cache!r},
                 pipeline=[
                     dict(type='LoadImageFromFile'),
                     dict(type='LoadWSOLAnnotations', with_mask=False),
                     dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                     dict(type='PackWSOLInputs'),
                 ]))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(generator=synthetic_generator, cache_root={cache!r},
                 pipeline=[
                     dict(type='LoadImageFromFile'),
                     dict(type='LoadWSOLAnnotations'),
                     dict(type='PackWSOLInputs'),
                 ]))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        num_classes=3, mean=[127.5] * 3, std=[64.0] * 3, to_rgb=True),
    backbone=dict(type='ResNet', depth=18, base_channels=8, stem_channels=8,
                  out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=64,
              loss=dict(type='CrossEntropyLoss')))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=False, T_max=12)
train_cfg = dict(by_epoch=True, max_epochs={max_epochs}, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
randomness = dict(seed=0)
'''


def write_config(path, cache_root, max_epochs=2):
    text = TEMPLATE.format(
        base=osp.join(REPO_ROOT, 'configs/_base_/datasets/synthetic_wsol.py'),
        runtime=osp.join(REPO_ROOT, 'configs/_base_/default_runtime.py'),
        cache=str(cache_root),
        max_epochs=max_epochs)
    with open(path, 'w') as f:
        f.write(text)
    return str(path)
