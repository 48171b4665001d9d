# A VGG16 image classifier, the release's evaluator F^e (models/evaluator.py:
# torchvision's ImageNet VGG16 with a new last layer when num_classes is not
# 1000). mmpretrain's ImageNet VGG16 weights; the mismatched last layer
# (classifier.6) keeps PyTorch's default init, as in the release.
vgg16_imagenet = ('https://download.openmmlab.com/mmclassification/v0/vgg/'
                  'vgg16_batch256_imagenet_20210208-db26f1a5.pth')
data_preprocessor = dict(
    num_classes=200,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VGG',
        depth=16,
        num_classes=200,
        init_cfg=dict(
            type='Pretrained', checkpoint=vgg16_imagenet,
            prefix='backbone.')),
    neck=None,
    head=dict(
        type='ClsHead',
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
