# CUB-200-2011 under the wsolevaluation protocol (clovaai/wsolevaluation,
# Choe et al., CVPR 2020), read from its metadata files with
# WSOLMetadataDataset so that the three splits are theirs:
#   train: CUB train (5994 images, class labels only),
#   val:   CUBV2 (1000 new images with boxes, "train-fullsup"; for choosing
#          hyper-parameters and the checkpoint),
#   test:  CUB test (5794 images).
# Pipelines as their data_loaders.py: train Resize(256, 256) ->
# RandomCrop(224) -> RandomHorizontalFlip; val/test Resize(224, 224), no
# crop (the metric rescales the original boxes, see LocalizationMetric).
# Some WSOL works train with RandomResizedCrop(224) + flip instead: replace
# the Resize and RandomCrop lines by
#   dict(type='RandomResizedCrop', scale=224, backend='pillow').
# data_root: the CUB_200_2011/images folder with CUBV2.tar unpacked into it;
# metadata_root: wsolevaluation's metadata/CUB (see docs/datasets.md).
_base_ = ['./default_dataloaders.py']

dataset_type = 'WSOLMetadataDataset'
data_root = 'data/CUB_200_2011/images/'
metadata_root = 'data/wsolevaluation/metadata/CUB/'

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
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metadata_root=metadata_root,
        split='train',
        num_classes=200,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        train_dataloader['dataset'],
        split='val',
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = dict(type='LocalizationMetric', protocol='wsolevaluation')

# the test split, else as val
test_dataloader = dict(
    val_dataloader, dataset=dict(val_dataloader['dataset'], split='test'))
test_evaluator = val_evaluator
