# ACoL on the embedded synthetic benchmark, CPU-sized: exactly the tiny CAM
# recipe (configs/cam/cam_tiny_synthetic.py: tiny ResNet-18 with a stride-1
# last stage, 7 x 7 maps at 112 px, 8 epochs SGD 0.05 cosine, batch 32) plus
# the method: two classifier branches on the backbone's map, each two 3x3
# convs + ReLU (128 -> 64 -> 64: half the backbone width, as
# wsolevaluation's ResNet50-ACoL's 2048 -> 1024 -> 1024) then GAP + fc;
# branch B sees the map with branch A's positions of normalised CAM >= 0.7
# erased (wsolevaluation's default --acol_threshold).
#   python tools/train.py configs/acol/acol_tiny_synthetic.py
_base_ = ['../cam/cam_tiny_synthetic.py']

model = dict(
    type='ACoL',
    erase_threshold=0.7,
    branch_convs=[
        dict(in_channels=128, out_channels=64, kernel_size=3, padding=1,
             act_cfg=dict(type='ReLU')),
        dict(in_channels=64, out_channels=64, kernel_size=3, padding=1,
             act_cfg=dict(type='ReLU')),
    ],
    head=dict(in_channels=64))
