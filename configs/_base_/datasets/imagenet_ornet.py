# ILSVRC-2012 (ImageNet-1K) with ORNet's pipelines, those of cub_ornet.py
# (train Resize(256, 256) -> flip -> RandomCrop(224); val Resize(256, 256)
# -> CenterCrop(224)); ORNet's ImageNet loader (dataset/ilsvrc.py) maps the
# val boxes the same way. Train images have no boxes; val boxes come from
# the ILSVRC2012_bbox_val_v3 XML files. Classes: sorted train wnids.
# Folder layout: docs/datasets.md.
_base_ = ['./cub_ornet.py']

dataset_type = 'ImageNetWSOL'
data_root = 'data/imagenet/'

train_dataloader = dict(
    num_workers=8, dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(
    num_workers=8,
    dataset=dict(type=dataset_type, data_root=data_root, split='val'))
test_dataloader = val_dataloader
