# The embedded synthetic WSOL benchmark (no download): generated on first use
# into $MMWSOL_CACHE (or ~/.cache/mmwsol)/synthetic_wsol/v<version>-<hash>.
# 10 classes, 112x112 px, 250 train + 50 test images per class; the box and
# mask cover a large body whose small head alone identifies the class.
dataset_type = 'SyntheticWSOL'
# SyntheticWSOLParams; change any of them to get another (cached) dataset.
synthetic_generator = dict(
    num_classes=10,
    image_size=112,
    train_per_class=250,
    test_per_class=50,
    seed=0)
img_size = 112  # network input; the images are 112x112

data_preprocessor = dict(
    num_classes=10,
    # ImageNet statistics (RGB), as pretrained backbones expect
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations'),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackWSOLInputs'),
]

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations'),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='PackWSOLInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        split='train',
        generator=synthetic_generator,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
    persistent_workers=True,
)

val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        split='test',
        test_mode=True,
        generator=synthetic_generator,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
    persistent_workers=True,
)
val_evaluator = dict(type='LocalizationMetric')

test_dataloader = val_dataloader
test_evaluator = val_evaluator
