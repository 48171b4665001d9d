# Post-hoc CAMs of the tiny CAM fine-tuned from the pretrained backbone
# (configs/cam/cam_tiny_synthetic_pretrained.py); score its checkpoint:
#   python tools/test.py \
#       configs/post_hoc_cam/post_hoc_cam_tiny_synthetic_pretrained.py \
#       work_dirs/cam_tiny_synthetic_pretrained/epoch_8.pth
_base_ = ['../cam/cam_tiny_synthetic_pretrained.py']

model = dict(
    _delete_=True,
    type='PostHocCAM',
    classifier=_base_.model,
    method='gradcam',
    target_layers=['backbone.layer4'],
    cam_class='gt',
    test_cfg=dict(box_threshold=0.5, box_mode='cover'))
