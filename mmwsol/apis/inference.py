"""Build a localizer from a config and run it on images (files or arrays).
"""
import copy
import os
import os.path as osp
import warnings
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmpretrain.structures import DataSample

from mmwsol.registry import DATASETS, MODELS, TRANSFORMS
from .original_frame import OriginalFrame

__all__ = [
    'init_localizer', 'inference_localizer', 'result_to_data_sample',
    'build_inference_pipeline'
]

ImageType = Union[str, os.PathLike, np.ndarray]

#: transforms dropped from the test pipeline: inference has no annotations.
ANNOTATION_LOADERS = ('LoadWSOLAnnotations', 'LoadAnnotations')
#: the file loader, replaced by the image itself for arrays.
IMAGE_LOADERS = ('LoadImageFromFile', )


def _type_name(step) -> str:
    name = step.get('type', '') if isinstance(step, dict) else type(
        step).__name__
    name = name if isinstance(name, str) else getattr(name, '__name__', '')
    return name.split('.')[-1]


def init_localizer(config: Union[str, os.PathLike, Config],
                   checkpoint: Optional[str] = None,
                   device: Union[str, torch.device] = 'cpu',
                   cfg_options: Optional[dict] = None,
                   strict: bool = True) -> nn.Module:
    """Build a WSOL model (LowCAM, CAM, ...) for inference.

    Args:
        config (str | Config): config file (or loaded config) whose
            ``model`` builds the localizer; its
            ``test_dataloader.dataset.pipeline`` is the inference pipeline.
        checkpoint (str, optional): weights (a Runner checkpoint or a plain
            state dict), read with mmengine's ``load_checkpoint`` (strictly
            by default; ``'module.'`` prefixes are removed). Without it the
            model keeps PyTorch's default initialisation (no ``init_cfg``,
            nothing is downloaded), with a warning.
        device (str | torch.device): where the model runs. Defaults to
            ``'cpu'``.
        cfg_options (dict, optional): overrides merged into the config,
            as ``--cfg-options`` (e.g. ``{'model.test_cfg.box_threshold':
            0.3}``).
        strict (bool): strict checkpoint loading. Defaults to True.

    Returns:
        nn.Module: the model in eval mode on ``device``, with ``cfg`` (the
        config) and ``dataset_meta`` (``{'classes': ...}`` from the
        checkpoint's meta when present, else the test dataset class's
        ``METAINFO``, else ``{}``).
    """
    if isinstance(config, (str, os.PathLike)):
        if not osp.isfile(config):
            raise FileNotFoundError(
                f'init_localizer: config file not found: {config}')
        config = Config.fromfile(config)
    elif not isinstance(config, Config):
        raise TypeError('init_localizer: config must be a file path or a '
                        f'Config, got {type(config).__name__}.')
    else:
        config = copy.deepcopy(config)
    if cfg_options:
        config.merge_from_dict(cfg_options)
    if 'model' not in config:
        raise ValueError(
            f'init_localizer: the config {config.filename} has no `model`.')
    init_default_scope(config.get('default_scope', 'mmwsol'))

    model_cfg = copy.deepcopy(config.model)
    if config.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', config.data_preprocessor)
    model = MODELS.build(model_cfg)

    dataset_meta = {}
    if checkpoint is not None:
        if '://' not in str(checkpoint) and not osp.isfile(
                osp.expanduser(str(checkpoint))):
            raise FileNotFoundError(
                f'init_localizer: checkpoint file not found: {checkpoint}')
        try:
            ckpt = load_checkpoint(
                model,
                str(checkpoint),
                map_location='cpu',
                strict=strict,
                logger='current',
                revise_keys=[(r'^module\.', '')])
        except RuntimeError as exc:
            raise RuntimeError(
                f'init_localizer: checkpoint {checkpoint} does not fit the '
                f'model of {config.filename}: {exc}') from exc
        meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
        if meta.get('dataset_meta'):
            dataset_meta = dict(meta['dataset_meta'])
        elif meta.get('CLASSES'):
            dataset_meta = {'classes': tuple(meta['CLASSES'])}
    else:
        warnings.warn(
            'init_localizer: no checkpoint given; the model has random '
            'weights.')
    if not dataset_meta:
        dataset_meta = _dataset_class_meta(config)

    model.cfg = config
    model.dataset_meta = dataset_meta
    model.to(device)
    model.eval()
    return model


def _dataset_class_meta(config: Config) -> dict:
    try:
        dataset_type = config.test_dataloader.dataset.type
        dataset_cls = DATASETS.get(dataset_type)
    except (AttributeError, KeyError, TypeError):
        return {}
    meta = getattr(dataset_cls, 'METAINFO', None) or {}
    return dict(meta) if meta.get('classes') else {}


def build_inference_pipeline(config: Config, from_array: bool) -> Compose:
    """The config's test pipeline without annotation loading.

    Takes ``config.test_dataloader.dataset.pipeline`` and removes the
    annotation loaders (:data:`ANNOTATION_LOADERS`); for ``from_array``
    also the file loader, since the image is given (its ``to_float32``
    is honoured by :func:`inference_localizer`).

    Raises:
        ValueError: the config has no test pipeline.
    """
    try:
        steps = config.test_dataloader.dataset.pipeline
    except AttributeError:
        steps = None
    if not steps:
        raise ValueError(
            f'the config {config.filename} has no '
            'test_dataloader.dataset.pipeline to prepare images with.')
    drop = ANNOTATION_LOADERS + (IMAGE_LOADERS if from_array else ())
    kept = [copy.deepcopy(s) for s in steps if _type_name(s) not in drop]
    return Compose([
        TRANSFORMS.build(s) if isinstance(s, dict) else s for s in kept
    ])


def _file_loader_to_float32(config: Config) -> bool:
    for step in config.test_dataloader.dataset.pipeline:
        if _type_name(step) in IMAGE_LOADERS and isinstance(step, dict):
            return bool(step.get('to_float32', False))
    return False


def _prepare(image: ImageType, index: int, pipelines: dict,
             to_float32: bool) -> dict:
    where = f'inference_localizer: image {index}'
    if isinstance(image, (str, os.PathLike)):
        path = str(image)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{where}: file not found: {path}')
        results = dict(img_path=path)
        pipeline = pipelines['file']
    elif isinstance(image, np.ndarray):
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype not in (
                np.uint8, np.float32):
            raise ValueError(
                f'{where}: an array must be H x W x 3 (BGR, as '
                'mmcv.imread gives) or H x W, uint8 or float32; got shape '
                f'{image.shape}, dtype {image.dtype}.')
        image = image.astype(np.float32) if to_float32 else image
        results = dict(
            img=image,
            img_path=None,
            img_shape=image.shape[:2],
            ori_shape=image.shape[:2])
        pipeline = pipelines['array']
    else:
        raise TypeError(f'{where}: expected a file path or a numpy array, '
                        f'got {type(image).__name__}.')
    packed = pipeline(results)
    if packed is None:
        raise ValueError(f'{where}: the test pipeline dropped the image.')
    return packed


def result_to_data_sample(result: dict) -> DataSample:
    """A result of :func:`inference_localizer` as a ``DataSample`` in the
    original frame, for :meth:`LocalizationVisualizer.visualize_localization`
    (``score_map``, ``pred_bboxes``, ``pred_label``, ``pred_score``)."""
    sample = DataSample()
    sample.set_pred_score(torch.from_numpy(result['pred_scores']))
    sample.set_pred_label(result['pred_label'])
    sample.set_field(
        torch.from_numpy(result['score_map']), 'score_map',
        dtype=torch.Tensor)
    sample.set_field(
        torch.from_numpy(result['pred_bbox']).reshape(1, 4),
        'pred_bboxes',
        dtype=torch.Tensor)
    sample.set_metainfo(dict(ori_shape=result['ori_shape']))
    return sample


@torch.no_grad()
def inference_localizer(model: nn.Module,
                        images: Union[ImageType, Sequence[ImageType]],
                        batch_size: int = 1,
                        normalize_map: bool = False
                        ) -> Union[dict, List[dict]]:
    """Classify and localize images with a model from
    :func:`init_localizer`.

    Each image goes through the config's test pipeline (see
    :func:`build_inference_pipeline`), the model's ``predict``, and the
    predictions are mapped back to the ORIGINAL image
    (:class:`~mmwsol.apis.original_frame.OriginalFrame`): the box by
    undoing the crop and the resize (then clipped to the image); the score
    map by sampling the native map, upsampled bilinearly to the network
    input, at each original pixel through the inverse crop and resize.
    Original pixels outside the network input (cut away by a centre crop)
    get 0.

    Args:
        model (nn.Module): from :func:`init_localizer` (needs ``cfg``).
        images (str | np.ndarray | list): file paths and/or ``H x W x 3``
            BGR uint8 arrays (as ``mmcv.imread`` returns).
        batch_size (int): images per forward pass; images whose network
            inputs differ in size run one at a time. Defaults to 1.
        normalize_map (bool): min-max normalise each native map to
            ``[0, 1]`` before mapping it back (so the cut-away 0 is the
            lowest value also for maps with negative values, e.g. CAMs).
            Defaults to False: the model's raw map (LowCAM: ``p^a`` in
            ``[0, 1]``; CAM: unnormalised class activations).

    Returns:
        dict | list[dict]: per image (a list for a list input):

        - ``pred_label`` (int): the predicted class index;
        - ``pred_class`` (str | None): its name, when ``model.dataset_meta``
          has ``classes``;
        - ``pred_score`` (float): its softmax score;
        - ``pred_scores`` (``np.float32 (C,)``): all softmax scores;
        - ``pred_bbox`` (``np.float32 (4,)``): ``x0, y0, x1, y1`` in the
          original image's continuous pixel coordinates
          (docs/conventions.md), inside the image;
        - ``score_map`` (``np.float32 (H0, W0)``): the map in the original
          frame (0 outside the network input's field of view);
        - ``ori_shape`` (``(H0, W0)``), ``img_path`` (str | None).
    """
    cfg = getattr(model, 'cfg', None)
    if not isinstance(cfg, Config):
        raise ValueError('inference_localizer: the model has no `cfg`; '
                         'build it with init_localizer(config, checkpoint).')
    single = isinstance(images, (str, os.PathLike, np.ndarray))
    image_list = [images] if single else list(images)
    if batch_size < 1:
        raise ValueError(f'inference_localizer: batch_size must be >= 1, '
                         f'got {batch_size}.')
    init_default_scope(cfg.get('default_scope', 'mmwsol'))
    pipelines = dict(
        file=build_inference_pipeline(cfg, from_array=False),
        array=build_inference_pipeline(cfg, from_array=True))
    to_float32 = _file_loader_to_float32(cfg)
    classes = (getattr(model, 'dataset_meta', None) or {}).get('classes')

    results = []
    for start in range(0, len(image_list), batch_size):
        packed = [
            _prepare(image, start + i, pipelines, to_float32)
            for i, image in enumerate(image_list[start:start + batch_size])
        ]
        shapes = {tuple(p['inputs'].shape) for p in packed}
        groups = [packed] if len(shapes) == 1 else [[p] for p in packed]
        for group in groups:
            data = model.data_preprocessor(pseudo_collate(group), False)
            frame_shape = tuple(data['inputs'].shape[-2:])
            samples = model(**data, mode='predict')
            for sample in samples:
                results.append(
                    _to_original(sample, frame_shape, classes,
                                 normalize_map, len(results)))
    return results[0] if single else results


def _to_original(sample: DataSample, frame_shape, classes, normalize_map,
                 index) -> dict:
    where = f'inference_localizer: image {index}'
    for key in ('pred_score', 'pred_label', 'score_map', 'pred_bboxes'):
        if key not in sample:
            raise ValueError(
                f'{where}: the model did not predict `{key}`; use a WSOL '
                'localizer (LowCAM, CAM) whose predict fills score_map and '
                'pred_bboxes.')
    frame = OriginalFrame.from_metainfo(sample.metainfo, where=where)
    score_map = sample.score_map.detach().float()
    if normalize_map:
        low, high = score_map.min(), score_map.max()
        score_map = (score_map - low) / (high - low) if high > low else \
            torch.zeros_like(score_map)
    scores = sample.pred_score.detach().float().cpu().numpy()
    label = int(sample.pred_label.reshape(-1)[0])
    return dict(
        pred_label=label,
        pred_class=str(classes[label])
        if classes is not None and label < len(classes) else None,
        pred_score=float(scores[label]),
        pred_scores=scores.astype(np.float32),
        pred_bbox=frame.input_to_original_boxes(sample.pred_bboxes)[0],
        score_map=frame.score_map_to_original(score_map, frame_shape),
        ori_shape=frame.ori_shape,
        img_path=sample.get('img_path'))
