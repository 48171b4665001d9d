# A small CAM classifier trained from scratch (CPU-sized): the tiny
# ResNet-18 layout of resnet18_w16_classifier.py (16 base channels) with its
# last stage at stride 1 (stride 16: 7 x 7 CAM at 112 px), GAP, fc. Also the
# evaluator F^e of configs/lowcam/lowcam_tiny_synthetic.py.
_base_ = ['./resnet18_w16_classifier.py']

model = dict(
    type='CAM',
    data_preprocessor=dict(num_classes=10),
    backbone=dict(strides=(1, 2, 2, 1)),
    head=dict(num_classes=10),
    cam_class='gt',
    test_cfg=dict(box_threshold=0.5, box_mode='cover'))
