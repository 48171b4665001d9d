# OpenImages30k under the wsolevaluation protocol: the loaders and
# pipelines of cub_wsolevaluation.py (train Resize(256, 256) ->
# RandomCrop(224) -> flip; val/test Resize(224, 224), as their
# data_loaders.py) on 100 classes, with masks (instance masks + ignore
# regions) instead of boxes, scored with PxAP. Splits from wsolevaluation's
# metadata/OpenImages: train (29819 images, labels only), val (2500,
# "train-fullsup"), test (5000). Masks are 0/255 PNGs (foreground > 127
# equals their > 0.5 rule) resized with the image (nearest).
# data_root (= mask root): the unzipped OpenImages folder; see
# docs/datasets.md.
_base_ = ['./cub_wsolevaluation.py']

data_root = 'data/OpenImages/'
metadata_root = 'data/wsolevaluation/metadata/OpenImages/'

train_dataloader = dict(
    dataset=dict(
        data_root=data_root, metadata_root=metadata_root, num_classes=100))
val_dataloader = train_dataloader
test_dataloader = train_dataloader
