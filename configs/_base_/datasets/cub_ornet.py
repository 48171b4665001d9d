# CUB-200-2011 with the pipelines of the ORNet release (Sierkinhane/ORNet,
# train_2nd_step.py / train_evaluator.py): train Resize(256, 256) ->
# RandomHorizontalFlip -> RandomCrop(224); test Resize(256, 256) ->
# CenterCrop(224); batch 16. torchvision resizes PIL images, hence the
# 'pillow' backend (antialiased bilinear). Normalisation is in the model's
# data_preprocessor. Folder layout: docs/datasets.md.
_base_ = ['./default_dataloaders.py']

dataset_type = 'CUB200WSOL'
data_root = 'data/CUB_200_2011/'

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
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
# val: the test split, its pipeline
val_dataloader = dict(
    batch_size=16,
    dataset=dict(
        train_dataloader['dataset'],
        split='test',
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = dict(type='LocalizationMetric', protocol='ornet')

test_dataloader = val_dataloader
test_evaluator = val_evaluator
