# Post-hoc CAMs (Grad-CAM by default) of wsolevaluation's VGG16-CAM trained
# on CUB-200-2011 (configs/cam/cam_vgg16_cub.py), wsolevaluation protocol:
#   python tools/test.py configs/post_hoc_cam/post_hoc_cam_vgg16_cub.py \
#       work_dirs/cam_vgg16_cub/epoch_50.pth
# The explained layer is conv6 + ReLU (extra_convs: 1024 x 14 x 14 at
# 224 px), the feature map CAM weighs, as in Choe et al. (CVPR 2020).
# Score-CAM masks the input with each of the 1024 maps: it holds
# B x 1024 x 3 x 224 x 224 floats (0.6 GB per image), so lower the test
# batch: --cfg-options model.method=scorecam test_dataloader.batch_size=4
_base_ = ['../cam/cam_vgg16_cub.py']

model = dict(
    _delete_=True,
    type='PostHocCAM',
    classifier=_base_.model,
    method='gradcam',
    target_layers=['extra_convs'],
    cam_class='gt',
    test_cfg=dict(box_threshold=0.5, box_mode='cover'))
