# Your own data as COCO-style JSON files (CocoWSOLDataset; the fields it
# reads, step by step: docs/custom_dataset.md). One image-level label per
# image, boxes (and optional masks) for the images you evaluate on; scored
# under the wsolevaluation protocol (MaxBoxAccV2, and PxAP where the JSON
# has masks). The method configs on it (configs/cam/cam_tiny_coco_example.py,
# configs/lowcam/lowcam_tiny_coco_example.py) read everything below.
_base_ = ['./default_dataloaders.py']

# ---- edit here: where your data is, and its number of categories ----------
data_root = 'data/my_coco/'
img_prefix = 'images/'  # image files: <data_root>/<img_prefix>/<file_name>
train_ann_file = 'annotations/train.json'  # labels (boxes optional)
val_ann_file = 'annotations/val.json'  # boxes: checkpoint and threshold
test_ann_file = 'annotations/test.json'  # boxes: the final figures
# len(categories) of your JSON files; the model's class count everywhere
# (heads, LowCAM's area loss). A wrong value stops the run before the
# first batch with the count of your categories (ClassCountCheckHook).
num_classes = 3
# ---------------------------------------------------------------------------

dataset_type = 'CocoWSOLDataset'
img_size = 224  # network input side

# box-aware random resized crops and flips for training (what helped on
# small data, configs/cam/cam_tiny_synthetic_shape.py); the whole image,
# resized, for evaluation (the metric maps the boxes back). 'pillow':
# antialiased resizing, as wsolevaluation's torchvision pipelines.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations', with_mask=False),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.4, 1.0),
        backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackWSOLInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations'),
    dict(type='Resize', scale=(img_size, img_size), backend='pillow'),
    dict(type='PackWSOLInputs'),
]

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img=img_prefix),
        ann_file=train_ann_file,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        train_dataloader['dataset'],
        ann_file=val_ann_file,
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = dict(type='LocalizationMetric', protocol='wsolevaluation')

test_dataloader = dict(
    val_dataloader, dataset=dict(val_dataloader['dataset'],
                                 ann_file=test_ann_file))
test_evaluator = val_evaluator
