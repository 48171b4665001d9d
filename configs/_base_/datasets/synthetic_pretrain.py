# The generated pretraining set, ImageNet's role for the tiny synthetic
# recipes (no download; generated on first use into $MMWSOL_CACHE, else
# ~/.cache/mmwsol, then synthetic_pretrain/v<version>-<hash>): 48 classes
# (object outline x surface texture, colours random), 112 px, 200 train +
# 20 val images per class, image labels only, none of it a class of the
# WSOL benchmark (mmwsol/datasets/synthetic_pretrain.py).
_base_ = ['./default_dataloaders.py']
dataset_type = 'SyntheticPretrain'
synthetic_pretrain = dict(
    image_size=112, train_per_class=200, val_per_class=20, seed=0)
img_size = 112

# ImageNet-style augmentation: random resized crop and flip
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=img_size, crop_ratio_range=(0.3,
                                                                     1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        generator=synthetic_pretrain,
        split='train',
        num_workers=2,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(
        train_dataloader['dataset'],
        split='val',
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
