"""CAM localizer: the class activation map against the pieces called by
hand, class choice, boxes, modes and configuration checks."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

register_all_modules()

C = 5


def cam_cfg(**kwargs):
    cfg = dict(
        type='CAM',
        backbone=dict(type='VGG', depth=11, num_stages=3, out_indices=(2, ),
                      dilations=(1, 1, 1),
                      with_last_pool=False),
        extra_convs=[dict(in_channels=256, out_channels=16, kernel_size=3,
                          padding=1)],
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=C, in_channels=16))
    cfg.update(kwargs)
    return cfg


def build(**kwargs):
    torch.manual_seed(0)
    model = MODELS.build(cam_cfg(**kwargs))
    model.init_weights()
    return model.eval()


def test_vgg16_cam_architecture():
    """wsolevaluation's VGG16-CAM: conv5_3 without pool5 (stride 16),
    conv6 512 -> 1024 3x3 + ReLU, GAP, fc."""
    model = MODELS.build(
        dict(type='CAM',
             backbone=dict(type='VGG', depth=16, out_indices=(4, ),
                           with_last_pool=False),
             extra_convs=[dict(in_channels=512, out_channels=1024,
                               kernel_size=3, padding=1)],
             head=dict(type='LinearClsHead', num_classes=200,
                       in_channels=1024)))
    conv6 = model.extra_convs[0]
    assert conv6.conv.bias is not None  # no norm: the conv has a bias
    assert type(conv6.activate).__name__ == 'ReLU'
    with torch.no_grad():
        feats = model.eval().feature_map(torch.zeros(1, 3, 64, 64))
    assert feats.shape == (1, 1024, 4, 4)


def test_score_map_is_the_class_activation_map():
    model = build()
    x = torch.randn(3, 3, 32, 32)
    data = [DataSample().set_gt_label(y) for y in (4, 0, 2)]
    with torch.no_grad():
        out = model(x, data, mode='predict')
        feats = model.extra_convs(model.backbone(x)[-1])  # B x 16 x 8 x 8
        logits = model.head.fc(feats.mean(dim=(2, 3)))
    weight = model.head.fc.weight
    for i, y in enumerate((4, 0, 2)):
        cam = sum(weight[y, d] * feats[i, d] for d in range(16)) / 16
        assert out[i].score_map.shape == (8, 8)
        assert torch.allclose(out[i].score_map, cam, atol=1e-5)
        assert torch.allclose(out[i].pred_score, torch.softmax(logits[i], 0),
                              atol=1e-6)
        assert out[i].pred_label.item() == logits[i].argmax().item()


def test_cam_class_choice():
    x = torch.randn(2, 3, 32, 32)
    model = build(cam_class='pred')
    with torch.no_grad():
        pred = [s.pred_label.item() for s in model.predict(x)]
        feats = model.feature_map(x)
    other = [(c + 1) % C for c in pred]  # GT labels that differ from pred

    def cam(i, c):
        return (model.head.fc.weight[c][:, None, None] * feats[i]).mean(0)

    for cam_class, want in (('pred', pred), ('gt', other)):
        model.cam_class = cam_class
        data = [DataSample().set_gt_label(c) for c in other]
        with torch.no_grad():
            out = model.predict(x, data)
        for i in range(2):
            assert out[i].pred_label.item() == pred[i]
            assert torch.allclose(out[i].score_map, cam(i, want[i]),
                                  atol=1e-6)
    # 'gt' without GT labels falls back to the prediction
    model.cam_class = 'gt'
    with torch.no_grad():
        out = model.predict(x)
    assert torch.allclose(out[1].score_map, cam(1, pred[1]), atol=1e-6)


def test_boxes_from_the_normalised_map():
    model = build(test_cfg=dict(box_threshold=0.5))
    x = torch.randn(2, 3, 32, 32)
    data = [DataSample(metainfo=dict(img_shape=(32, 32))).set_gt_label(1)
            for _ in range(2)]
    with torch.no_grad():
        out = model.predict(x, data)
    for sample in out:
        cam = sample.score_map
        norm = (cam - cam.min()) / (cam.max() - cam.min())
        ys, xs = torch.nonzero(norm > 0.5, as_tuple=True)
        want = [xs.min() * 4, ys.min() * 4, (xs.max() + 1) * 4,
                (ys.max() + 1) * 4]
        assert sample.pred_bboxes[0].tolist() == [float(v) for v in want]


def test_tensor_and_loss_modes():
    model = build()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        logits = model(x)
    assert logits.shape == (2, C)
    model.train()
    losses = model(x, [DataSample().set_gt_label(1)] * 2, mode='loss')
    assert 'loss' in losses and losses['loss'].requires_grad
    # the same network serves as LowCAM's evaluator
    evaluator = MODELS.build(
        dict(type='ClassifierEvaluator', model=cam_cfg(), num_classes=C))
    evaluator.model.load_state_dict(model.state_dict())
    with torch.no_grad():
        assert torch.allclose(evaluator.eval()(x), model.eval()(x))


def test_configuration_errors():
    with pytest.raises(TypeError, match='GlobalAveragePooling'):
        MODELS.build(cam_cfg(neck=dict(type='GeneralizedMeanPooling')))
    with pytest.raises(TypeError, match='linear `fc`'):
        MODELS.build(cam_cfg(head=dict(type='ClsHead')))
    with pytest.raises(ValueError, match='cam_class'):
        MODELS.build(cam_cfg(cam_class='top1'))
    with pytest.raises(ValueError, match='test_cfg'):
        MODELS.build(cam_cfg(test_cfg=dict(thr=0.3)))
    model = MODELS.build(
        cam_cfg(backbone=dict(type='VGG', depth=11, num_classes=3),
                extra_convs=None))
    with pytest.raises(ValueError, match='spatial features'):
        model.feature_map(torch.zeros(1, 3, 224, 224))
