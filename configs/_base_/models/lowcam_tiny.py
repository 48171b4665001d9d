# A small LowCAM trained from scratch (CPU-sized): F^c the tiny ResNet-18
# layout of resnet18_w16_classifier.py (16 base channels) split after its
# stem (16 channels, stride 4: 28 x 28 at 112 px), generator F^g with c_base
# 16. The evaluator F^e is set by the method config
# (configs/lowcam/lowcam_tiny_synthetic.py).
_base_ = ['./resnet18_w16_classifier.py']

model = dict(
    type='LowCAM',
    split='stem',
    neck=dict(
        _delete_=True, type='ActivationMapGenerator', base_channels=16),
    head=dict(
        _delete_=True,
        type='LowCAMHead',
        num_classes=10,
        in_channels=128,
        # 10 classes: push down the classes ranked 3 and 4 (the release
        # pushes ranks 3..24 of 200)
        area_loss=dict(type='AreaLoss', topk=5, skip=3, loss_weight=0.02)),
    erasing=dict(
        type='AttentiveErasing',
        prob=0.5,
        max_factor=0.5,
        min_height=2,
        min_width=2),
    train_cfg=dict(frozen_bn_eval=False),
    test_cfg=dict(box_threshold=0.5, box_mode='release', cls_source='auto'))
