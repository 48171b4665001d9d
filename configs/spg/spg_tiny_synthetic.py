# SPG (Zhang et al., ECCV 2018) on the tiny CAM of
# configs/cam/cam_tiny_synthetic.py (same classifier, data, schedule, seed):
# the backbone also returns layer2 (32 ch, stride 8) and layer3 (64 ch,
# stride 16), which feed SPG-B1 and SPG-B2; SPG-C reads layer4 (128 ch), the
# CAM's feature map. Widths as wsolevaluation's ResNet-50 SPG scaled to the
# tiny network: SPG-B at layer3's width, SPG-C a quarter of layer4's.
#   python tools/train.py configs/spg/spg_tiny_synthetic.py
_base_ = ['../cam/cam_tiny_synthetic.py']

model = dict(
    type='SPG',
    backbone=dict(out_indices=(1, 2, 3)),
    branch_inputs=(0, 1),
    spg_head=dict(
        type='SPGHead',
        in_channels_b1=32,
        in_channels_b2=64,
        in_channels_c=128,
        channels_b=64,
        channels_c=32),
    # wsolevaluation's spg_threshold_{1,2,3}{h,l} defaults
    spg_thresholds=((0.7, 0.01), (0.5, 0.05), (0.7, 0.1)),
    seed_loss=dict(type='SeedBCELoss'))
