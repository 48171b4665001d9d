# ADL on the embedded synthetic benchmark, CPU-sized: exactly the tiny CAM
# recipe (configs/cam/cam_tiny_synthetic.py) plus Attention-based Dropout
# Layers in training, at the places analogous to wsolevaluation's
# ResNet50-ADL (after block 0 of layer3 and blocks 0 and 2, the last, of
# layer4): after block 0 of layer3 and both blocks of layer4 of the tiny
# ResNet-18 (2 blocks per stage). drop_rate 0.75 and gamma 0.9 are
# wsolevaluation's defaults. Identity at test time: predict equals CAM's.
#   python tools/train.py configs/adl/adl_tiny_synthetic.py
_base_ = ['../cam/cam_tiny_synthetic.py']

model = dict(
    type='ADL',
    adl_layers=['backbone.layer3.0', 'backbone.layer4.0',
                'backbone.layer4.1'],
    adl_cfg=dict(type='AttentionDropout', drop_rate=0.75, gamma=0.9))
