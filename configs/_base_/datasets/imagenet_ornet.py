# ILSVRC-2012 (ImageNet-1K) with ORNet's pipelines (the same as for CUB:
# train Resize(256, 256) -> flip -> RandomCrop(224); val Resize(256, 256)
# -> CenterCrop(224)); ORNet's ImageNet loader (dataset/ilsvrc.py) maps the
# val boxes the same way. Train images have no boxes; val boxes come from
# the ILSVRC2012_bbox_val_v3 XML files. Classes: sorted train wnids.
# Folder layout: docs/datasets.md.

dataset_type = 'ImageNetWSOL'
data_root = 'data/imagenet/'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations', with_mask=False),
    dict(type='Resize', scale=(256, 256), backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=224),
    dict(type='PackWSOLInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations'),
    dict(type='Resize', scale=(256, 256), backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackWSOLInputs'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = dict(type='LocalizationMetric', protocol='ornet')

test_dataloader = val_dataloader
test_evaluator = val_evaluator
