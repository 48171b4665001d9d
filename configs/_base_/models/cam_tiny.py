# A small CAM classifier trained from scratch (CPU-sized): ResNet-18 layout
# with 16 base channels, last stage at stride 16 (7 x 7 CAM at 112 px),
# GAP, fc. Also the evaluator F^e of configs/lowcam/lowcam_tiny_synthetic.py.
model = dict(
    type='CAM',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        num_classes=10,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=16,
        base_channels=16,
        strides=(1, 2, 2, 1),
        out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)),
    cam_class='gt',
    test_cfg=dict(box_threshold=0.5, box_mode='cover'))
