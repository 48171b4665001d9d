"""Build a localizer from a config and run it on images (files or arrays):
thin entry points over :func:`~mmwsol.apis.get_model` and
:class:`~mmwsol.apis.LocalizationInferencer`.
"""
import os
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmpretrain.structures import DataSample

from .localization_inferencer import (LocalizationInferencer,
                                      build_inference_pipeline)
from .model import get_model

__all__ = [
    'init_localizer', 'inference_localizer', 'result_to_data_sample',
    'build_inference_pipeline'
]

ImageType = Union[str, os.PathLike, np.ndarray]


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
        ``METAINFO``, else ``{}``); see :func:`~mmwsol.apis.get_model`,
        which this calls (it also takes model names).

    Raises:
        FileNotFoundError: no such config or checkpoint file.
        RuntimeError: the checkpoint is corrupt or truncated, or does not
            fit the model.
    """
    if not isinstance(config, (str, os.PathLike, Config)):
        raise TypeError('init_localizer: config must be a file path or a '
                        f'Config, got {type(config).__name__}.')
    return get_model(
        config,
        checkpoint,
        device=device,
        cfg_options=cfg_options,
        strict=strict)


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


def inference_localizer(model: nn.Module,
                        images: Union[ImageType, Sequence[ImageType]],
                        batch_size: int = 1,
                        normalize_map: bool = False
                        ) -> Union[dict, List[dict]]:
    """Classify and localize images with a model from
    :func:`init_localizer`: ``LocalizationInferencer(model)(images, ...)``
    (see :class:`~mmwsol.apis.LocalizationInferencer` for the pipeline,
    the mapping back to the original frame and the errors).

    Args:
        model (nn.Module): from :func:`init_localizer` (needs ``cfg``).
        images (str | np.ndarray | list): file paths, a folder, and/or
            ``H x W x 3`` **BGR** uint8 arrays (as ``cv2.imread`` /
            ``mmcv.imread`` return; an RGB array gives wrong colours, which
            cannot be detected).
        batch_size (int): images per forward pass. Defaults to 1.
        normalize_map (bool): min-max normalise each native map to
            ``[0, 1]`` first. Defaults to False (the raw map).

    Returns:
        dict | list[dict]: per image (a list for a list or a folder):
        ``pred_label``, ``pred_class``, ``pred_score``, ``pred_scores``,
        ``pred_bbox`` (original frame), ``score_map`` (original frame),
        ``ori_shape``, ``img_path``, as
        :meth:`LocalizationInferencer.__call__` returns them.
    """
    single = isinstance(images, (str, os.PathLike, np.ndarray)) and not (
        isinstance(images, (str, os.PathLike)) and os.path.isdir(images))
    results = LocalizationInferencer(model)(
        images, batch_size=batch_size, normalize_map=normalize_map)
    return results[0] if single else results
