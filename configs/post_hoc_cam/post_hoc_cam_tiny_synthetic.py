# Post-hoc CAMs (Grad-CAM by default) of the tiny synthetic CAM classifier
# (configs/cam/cam_tiny_synthetic.py): no training; score its checkpoint.
#   python tools/train.py configs/cam/cam_tiny_synthetic.py
#   python tools/test.py configs/post_hoc_cam/post_hoc_cam_tiny_synthetic.py \
#       work_dirs/cam_tiny_synthetic/epoch_8.pth
# Another method: --cfg-options model.method=scorecam (gradcam, gradcam++,
# xgradcam, scorecam, layercam, eigencam). Needs `pip install
# 'mmwsol[posthoc]'` (the grad-cam package).
_base_ = ['../cam/cam_tiny_synthetic.py']

model = dict(
    _delete_=True,
    type='PostHocCAM',
    # the classifier whose checkpoint is scored (its keys load as they are)
    classifier=_base_.model,
    method='gradcam',
    # the tiny ResNet's last stage: 128 x 7 x 7 at 112 px, the CAM's A
    target_layers=['backbone.layer4'],
    cam_class='gt',
    test_cfg=dict(box_threshold=0.5, box_mode='cover'))
