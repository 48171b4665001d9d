r"""Post-hoc class activation maps of a trained classifier (Grad-CAM,
Grad-CAM++, XGrad-CAM, Score-CAM, Layer-CAM, Eigen-CAM) through
jacobgil/pytorch-grad-cam (the ``grad-cam`` package, an optional extra:
``pip install 'mmwsol[posthoc]'``), the package mmpretrain's
``tools/visualization/vis_cam.py`` uses."""
import contextlib
import types
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from mmpretrain.structures import DataSample

from mmwsol.registry import MODELS
from mmwsol.structures import (BOX_MODES, WSOLDataSample,
                               boxes_from_score_maps, normalize_score_maps)
from mmwsol.utils import check_choice
from ..utils.localization_predictions import set_localization_predictions
from ..utils.map_classes import MAP_CLASS_CHOICES, map_classes

#: ``method`` -> the pytorch-grad-cam class (names as mmpretrain's
#: vis_cam.py ``--method``)
POST_HOC_METHODS: Dict[str, str] = {
    'gradcam': 'GradCAM',
    'gradcam++': 'GradCAMPlusPlus',
    'xgradcam': 'XGradCAM',
    'scorecam': 'ScoreCAM',
    'layercam': 'LayerCAM',
    'eigencam': 'EigenCAM',
}

INSTALL_HINT = ("pip install 'mmwsol[posthoc]'  (or: pip install grad-cam)")


def import_grad_cam() -> types.ModuleType:
    """``pytorch_grad_cam``, imported on first use (about 3 s: it loads
    scipy, scikit-learn and matplotlib).

    Raises:
        ImportError: naming the install command when the package (or one
            of its dependencies) is missing.
    """
    try:
        import pytorch_grad_cam
    except ImportError as error:
        raise ImportError(
            'PostHocCAM needs the `grad-cam` package (jacobgil/pytorch-grad-'
            f'cam), which could not be imported ({error}). Install it with: '
            f'{INSTALL_HINT}') from error
    return pytorch_grad_cam


def native_size_cam_type(cam_type: type) -> type:
    """A subclass of a pytorch-grad-cam class that keeps the maps on the
    grid of the first target layer (``h x w``) instead of resizing them to
    the input: the package resizes each layer's map to
    ``get_target_width_height`` with ``cv2.resize``, which copies a map of
    the same size unchanged."""

    def get_target_width_height(self, input_tensor):
        activations = self.activations_and_grads.activations[0]
        return activations.shape[-1], activations.shape[-2]

    return type(f'NativeSize{cam_type.__name__}', (cam_type, ),
                dict(get_target_width_height=get_target_width_height))


@contextlib.contextmanager
def quiet_score_cam(grad_cam: types.ModuleType):
    """Silence Score-CAM's per-image ``tqdm`` bar (one bar per test image
    otherwise) while the block runs."""
    module = getattr(grad_cam, 'score_cam', None)
    if module is None or not hasattr(module, 'tqdm'):
        yield
        return
    saved = module.tqdm
    module.tqdm = types.SimpleNamespace(tqdm=lambda it, *args, **kw: it)
    try:
        yield
    finally:
        module.tqdm = saved


@contextlib.contextmanager
def parameters_untouched(module: torch.nn.Module):
    """Run a backward pass for activation gradients only: the parameters'
    ``requires_grad`` is off inside the block (no weight gradients are
    computed) and their ``.grad`` (which pytorch-grad-cam's ``zero_grad``
    clears) and ``requires_grad`` are restored after it."""
    params = list(module.parameters())
    saved = [(p.requires_grad, p.grad) for p in params]
    try:
        for p in params:
            p.requires_grad_(False)
        yield
    finally:
        for p, (requires_grad, grad) in zip(params, saved):
            p.requires_grad_(requires_grad)
            p.grad = grad


@MODELS.register_module()
class PostHocCAM(BaseModel):
    r"""The localization of any trained classifier, post hoc: a
    gradient- or score-based class activation map at a chosen layer.

    The wrapped ``classifier`` (any registered classifier that maps a
    normalised ``B x 3 x H x W`` batch to ``B x C`` logits in ``'tensor'``
    mode: mmpretrain's ``ImageClassifier``, mmwsol's :class:`CAM`, ...) is
    built and its submodules become this model's own, under their own names
    (``backbone``, ``neck``, ``head``, ``extra_convs``,
    ``data_preprocessor``), so the state dict has exactly the classifier's
    keys and its checkpoint loads as it is
    (``python tools/test.py <post_hoc config> classifier.pth``). Training,
    ``'loss'`` and ``'tensor'`` modes are the classifier's.

    ``predict`` computes, for class ``c`` (the sample's ``gt_label`` when
    ``cam_class='gt'`` and it has one, else the top-1 class) and the
    activations ``A`` (``B x K x h x w``) of ``target_layers`` (module
    names, e.g. ``'backbone.layer4'``) with the class score ``y^c``
    (logit):

    - ``gradcam`` (Selvaraju et al., ICCV 2017):
      :math:`\mathrm{ReLU}(\sum_k \alpha_k^c A_k)`,
      :math:`\alpha_k^c = \frac{1}{hw}\sum_{ij}\partial y^c/\partial A_{kij}`;
    - ``gradcam++`` (Chattopadhay et al., WACV 2018): weights
      :math:`\sum_{ij} a_{kij}\,\mathrm{ReLU}(\partial y^c/\partial A_{kij})`
      with the second/third-order ``a`` of its Eq. 19;
    - ``xgradcam`` (Fu et al., BMVC 2020): weights
      :math:`\sum_{ij} \frac{A_{kij}}{\sum_{ij} A_{kij}}
      \partial y^c/\partial A_{kij}`;
    - ``scorecam`` (Wang et al., CVPRW 2020): weights = softmax over ``k``
      of ``y^c`` on the input masked by each upsampled, min-max normalised
      ``A_k`` (``K`` forward passes per image, ``score_cam_batch_size`` at a
      time; no gradients);
    - ``layercam`` (Jiang et al., TIP 2021): :math:`\mathrm{ReLU}(\sum_k
      \mathrm{ReLU}(\partial y^c/\partial A_{k}) \odot A_k)`;
    - ``eigencam`` (Muhammad & Yeasin, IJCNN 2020): ``ReLU`` of the
      projection of the centred ``A`` (``hw x K``) on its first right
      singular vector; class-agnostic (``c`` unused; the sign of a
      singular vector is arbitrary, the package takes SVD's).

    Each is pytorch-grad-cam's own computation. ``score_map`` (``h x w``)
    is the package's output left at the grid of the first target layer
    (the package would resize it to the input; with several target layers
    the others are resized to that grid and averaged, as the package does):
    after the ReLU it is min-max normalised per image into ``[0, 1]``
    (the package's ``scale_cam_image``), so it needs no further
    normalisation (``map_normalization`` ``'minmax'`` or ``'none'`` give
    the same maps, up to the package's ``1e-7`` in the divisor).
    ``pred_score`` (softmax of the logits), ``pred_label`` and
    ``pred_bboxes`` (``1 x 4``: the tight box of the cells above
    ``test_cfg['box_threshold']``, as :class:`CAM`) follow
    docs/conventions.md. The maps are computed under
    ``torch.enable_grad()`` (mmengine's test loop runs under
    ``torch.no_grad``), with activation gradients only: no weight gradient
    is computed and the parameters' ``.grad`` are left as they were.

    Args:
        classifier (dict): the classifier's config (with its
            ``data_preprocessor``).
        method (str): a key of :data:`POST_HOC_METHODS`.
        target_layers (str | Sequence[str]): module names inside the
            classifier (``classifier.get_submodule(name)``); outputs must
            be ``B x K x h x w``.
        cam_class (str): ``'gt'`` or ``'pred'``.
        score_cam_batch_size (int): masked images per forward pass of
            Score-CAM.
        test_cfg (dict, optional): ``box_threshold`` (default 0.5),
            ``box_mode`` (default ``'cover'``).
        init_cfg (dict, optional): unused; the classifier's own
            ``init_cfg`` applies.
    """

    def __init__(self,
                 classifier: dict,
                 method: str = 'gradcam',
                 target_layers: Union[str, Sequence[str]] = (
                     'backbone.layer4', ),
                 cam_class: str = 'gt',
                 score_cam_batch_size: int = 64,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.method = check_choice('PostHocCAM: method', method,
                                   tuple(POST_HOC_METHODS))
        self.cam_class = check_choice('PostHocCAM: cam_class', cam_class,
                                      MAP_CLASS_CHOICES)
        if int(score_cam_batch_size) < 1:
            raise ValueError('PostHocCAM: score_cam_batch_size must be >= 1'
                             f', got {score_cam_batch_size!r}.')
        self.score_cam_batch_size = int(score_cam_batch_size)
        test_cfg = dict(test_cfg or {})
        self.box_threshold = float(test_cfg.pop('box_threshold', 0.5))
        self.box_mode = test_cfg.pop('box_mode', 'cover')
        if test_cfg:
            raise ValueError(
                f'PostHocCAM: unknown test_cfg keys {sorted(test_cfg)}; '
                "supported: ['box_threshold', 'box_mode'].")
        check_choice('PostHocCAM: test_cfg.box_mode', self.box_mode,
                     BOX_MODES)
        import_grad_cam()  # fail at build time, not at the first batch

        model = MODELS.build(classifier)
        # the classifier's modules, parameters and buffers become ours
        # under their own names: its checkpoint's keys are ours
        for name, child in model.named_children():
            setattr(self, name, child)
        for name, param in model.named_parameters(recurse=False):
            self.register_parameter(name, param)
        for name, buf in model.named_buffers(recurse=False):
            self.register_buffer(
                name, buf,
                persistent=name not in model._non_persistent_buffers_set)
        # kept outside the module tree (its modules are already ours)
        object.__setattr__(self, '_classifier', model)

        if isinstance(target_layers, str):
            target_layers = [target_layers]
        if not target_layers:
            raise ValueError('PostHocCAM: target_layers is empty; name the '
                             "layer(s) to explain, e.g. ['backbone.layer4'].")
        self.target_layers = list(target_layers)
        self._target_modules = [self._layer(n) for n in self.target_layers]

    @property
    def classifier(self) -> torch.nn.Module:
        """The wrapped classifier (shares every module with this model)."""
        return self._classifier

    def _layer(self, name: str) -> torch.nn.Module:
        try:
            return self._classifier.get_submodule(name)
        except AttributeError:
            names = [
                n for n, _ in self._classifier.named_modules()
                if n and n.count('.') < 2
            ]
            raise ValueError(
                f'PostHocCAM: target layer {name!r} is not a module of the '
                f'classifier ({type(self._classifier).__name__}); modules '
                f'two levels deep: {names}') from None

    def train(self, mode: bool = True) -> 'PostHocCAM':
        super().train(mode)
        self._classifier.training = mode
        return self

    def init_weights(self) -> None:
        """The classifier's own initialisation (its ``init_cfg``)."""
        self._classifier.init_weights()

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """``'predict'``: :meth:`predict`; ``'tensor'``/``'loss'``: the
        classifier's."""
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return self._classifier(inputs, data_samples, mode=mode)

    def logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """``B x C`` logits of the classifier (``'tensor'`` mode)."""
        out = self._classifier(inputs, mode='tensor')
        if isinstance(out, (tuple, list)):
            out = out[-1]
        if not isinstance(out, torch.Tensor) or out.dim() != 2:
            raise ValueError(
                'PostHocCAM: the classifier must return B x C logits in '
                f"'tensor' mode, got {getattr(out, 'shape', type(out))}.")
        return out

    def score_maps(self, inputs: torch.Tensor,
                   classes: torch.Tensor) -> torch.Tensor:
        """The ``method``'s maps for one class per sample.

        Args:
            inputs (Tensor): normalised ``B x 3 x H x W`` batch.
            classes (Tensor): ``(B,)`` class indices.

        Returns:
            Tensor: ``B x h x w`` float maps in ``[0, 1]`` (min-max
            normalised per image) on ``inputs``' device, at the first
            target layer's size.
        """
        grad_cam = import_grad_cam()
        cam_type = native_size_cam_type(
            getattr(grad_cam, POST_HOC_METHODS[self.method]))
        target = grad_cam.utils.model_targets.ClassifierOutputTarget
        targets = [target(c) for c in classes.tolist()]
        was_training = self.training
        cam = None
        try:
            with parameters_untouched(self), quiet_score_cam(grad_cam):
                # the package calls model.eval(); train() restores the mode
                cam = cam_type(model=self._classifier,
                               target_layers=self._target_modules)
                cam.batch_size = self.score_cam_batch_size
                x = inputs.detach()
                if cam.uses_gradients:
                    # the input asks for gradients, so every activation
                    # does, even with all parameters frozen
                    x = x.clone().requires_grad_(True)
                with torch.set_grad_enabled(cam.uses_gradients):
                    maps = cam(input_tensor=x, targets=targets)
        finally:
            if cam is not None:
                cam.activations_and_grads.release()
                cam.outputs = None
            self.train(was_training)
        return torch.from_numpy(maps).to(device=inputs.device,
                                         dtype=torch.float32)

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[WSOLDataSample]:
        """Scores, label, ``score_map`` (``h x w``) and ``pred_bboxes``."""
        with torch.no_grad():
            logits = self.logits(inputs)
        scores = torch.softmax(logits.detach().float(), dim=1)
        pred = scores.argmax(dim=1)
        classes = map_classes(data_samples, pred, self.cam_class)
        maps = self.score_maps(inputs, classes)
        in_h, in_w = inputs.shape[-2:]
        boxes = boxes_from_score_maps(
            normalize_score_maps(maps)[0], self.box_threshold, (in_h, in_w),
            self.box_mode)
        return set_localization_predictions(data_samples, scores, pred, maps,
                                            boxes, (in_h, in_w))
