# The input normalisation of the models here: RGB with ImageNet's mean and
# std, what their pretrained backbones (mmpretrain's ImageNet weights, the
# synthetic pretrained ResNet) expect. LowCAM's evaluator F^e must
# normalise the same way (checked when LowCAM is built).
model = dict(
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True))
