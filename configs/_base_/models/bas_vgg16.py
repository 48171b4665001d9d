# BAS's VGG16 (Wu et al., CVPR 2022; wpy1999/BAS, CUB/Model/vgg.py):
# conv1_1 ... conv5_3 with pool4, without pool5 (stride 16: 14 x 14 at
# 224); the classifier `classifier_cls` = conv 512 -> 1024 3x3 + ReLU, conv
# 1024 -> 1024 3x3 + ReLU (extra_convs) and conv 1024 -> 200 1x1 + ReLU
# (head.fc applied at every location, class_map_relu), logits = GAP of the
# class maps; the generator `classifier_loc` = conv 512 -> 200 3x3 +
# sigmoid on conv4_3 (before pool4: 28 x 28). ImageNet VGG16 features from
# mmpretrain; the classifier convs and the generator new.
_base_ = ['./cam_vgg16.py']

model = dict(
    type='BAS',
    # the generator's input: conv4_3 + ReLU, before pool4 (the release's
    # x_4); pool4 then starts the classifier's part of the backbone
    split=3,
    split_before_pool=True,
    # conv6 of the CAM, then a second 1024 -> 1024 conv
    extra_convs=[
        *_base_.model.extra_convs,
        dict(
            in_channels=1024,
            out_channels=1024,
            kernel_size=3,
            padding=1,
            act_cfg=dict(type='ReLU')),
    ],
    # the release's weight_init: conv weights N(0, 0.02)
    head=dict(init_cfg=dict(type='Normal', layer='Linear', std=0.02)),
    class_map_relu=True,
    # release, VGG16 on CUB: loss = CE + 0 * CE(fg) + (S_bg / S + 0.7 area)
    generator=dict(
        type='BASGeneratorHead',
        kernel_size=3,
        background_loss=dict(
            type='BackgroundActivationLoss', loss_weight=1.0),
        area_loss=dict(type='AreaLoss', topk=0, skip=0, loss_weight=0.7),
        foreground_loss=dict(type='CrossEntropyLoss', loss_weight=0.0)),
    # test: the mean of the generator maps of the 80 top-ranked classes
    # (BAS_inference.py: top_k = 80 for vgg), boxes at 0.15
    cam_class='pred',
    test_cfg=dict(topk=80, box_threshold=0.15, box_mode='cover'))
