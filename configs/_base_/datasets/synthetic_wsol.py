# The embedded synthetic WSOL benchmark (no download), generated on first use
# into $MMWSOL_CACHE (else ~/.cache/mmwsol)/synthetic_wsol/v<version>-<hash>:
# 10 classes, 112x112 px PNGs, 250 train + 50 test images per class, exact
# boxes and masks. The box and mask cover a large textured body whose small
# head (10-20 % of the object) alone identifies the class; the background
# clutter carries no class information. Normalisation is in the model's
# data_preprocessor (num_classes = 10). Generator: mmwsol/datasets/
# synthetic/; standalone copy: tools/dataset_converters/
# make_synthetic_wsol.py --out-dir DIR, then data_root=DIR.
_base_ = ['./default_dataloaders.py']

dataset_type = 'SyntheticWSOL'
# SyntheticWSOLParams; other values give another (separately cached) dataset.
# train_fullsup: 25 held-out images per class with boxes and masks, never
# trained on, to calibrate thresholds (split='train_fullsup'); class_cue=
# 'shape' gives the colour-free variant (classes differ by the head's
# outline and pattern only).
synthetic_generator = dict(
    num_classes=10,
    image_size=112,
    train_per_class=250,
    test_per_class=50,
    train_fullsup_per_class=25,
    class_cue='design',
    seed=0)
img_size = 112  # network input side; the images are 112x112

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations', with_mask=False),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackWSOLInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='PackWSOLInputs'),
]

train_dataloader = dict(
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        generator=synthetic_generator,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(
        train_dataloader['dataset'],
        split='test',
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = dict(type='LocalizationMetric')

test_dataloader = val_dataloader
test_evaluator = val_evaluator
