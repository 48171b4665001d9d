# BAS on the embedded synthetic benchmark, CPU-sized: exactly the tiny CAM
# of configs/cam/cam_tiny_synthetic.py (ResNet-18 layout, 16 channels,
# trained from scratch; same data, schedule, seed) plus the method: the
# generator (3x3 conv + sigmoid) on layer3's output (64 channels, 7 x 7 at
# 112 px, the cut before the last stage), ReLU class maps (head.fc at every
# location), the BAS losses with the release's weights for its ResNet
# (CUB/Model/resnet.py: area 1.2, foreground CE 0.5) and its test-time map
# for that backbone (the mean of all classes' maps, top_k = C).
#   python tools/train.py configs/bas/bas_tiny_synthetic.py
_base_ = ['../cam/cam_tiny_synthetic.py']

model = dict(
    type='BAS',
    split=2,
    class_map_relu=True,
    generator=dict(
        type='BASGeneratorHead',
        kernel_size=3,
        background_loss=dict(
            type='BackgroundActivationLoss', loss_weight=1.0),
        area_loss=dict(type='AreaLoss', topk=0, skip=0, loss_weight=1.2),
        foreground_loss=dict(type='CrossEntropyLoss', loss_weight=0.5)),
    cam_class='pred',
    test_cfg=dict(topk=None, box_threshold=0.15))
