# OpenImages30k under the wsolevaluation protocol: 100 classes, masks
# (instance masks + ignore regions) instead of boxes, scored with PxAP.
# Splits from wsolevaluation's metadata/OpenImages: train (29819 images,
# labels only), val (2500, "train-fullsup"), test (5000). Pipelines as
# their data_loaders.py: train Resize(256, 256) -> RandomCrop(224) -> flip;
# val/test Resize(224, 224). Masks are 0/255 PNGs (foreground > 127 equals
# their > 0.5 rule) resized with the image (nearest).
# data_root (= mask root): the unzipped OpenImages folder; see
# docs/datasets.md.

dataset_type = 'WSOLMetadataDataset'
data_root = 'data/OpenImages/'
metadata_root = 'data/wsolevaluation/metadata/OpenImages/'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations', with_mask=False),
    dict(type='Resize', scale=(256, 256), backend='pillow'),
    dict(type='RandomCrop', crop_size=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackWSOLInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations'),
    dict(type='Resize', scale=(224, 224), backend='pillow'),
    dict(type='PackWSOLInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metadata_root=metadata_root,
        split='train',
        num_classes=100,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metadata_root=metadata_root,
        split='val',
        num_classes=100,
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = dict(type='LocalizationMetric', protocol='wsolevaluation')

test_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metadata_root=metadata_root,
        split='test',
        num_classes=100,
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = val_evaluator
