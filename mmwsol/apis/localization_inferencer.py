"""Classify and localize images the mmpretrain way: a
:class:`LocalizationInferencer` on mmpretrain's ``BaseInferencer``."""
import copy
import json
import os
import os.path as osp
from dataclasses import dataclass
from math import ceil
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.device import get_device
from mmengine.registry import init_default_scope
from mmengine.utils import scandir
from mmpretrain.apis import BaseInferencer
from mmpretrain.structures import DataSample
from mmpretrain.utils import track

from mmwsol.registry import TRANSFORMS
from mmwsol.structures import normalize_score_maps
from .model import get_model, list_models, load_localizer_checkpoint
from .original_frame import OriginalFrame

__all__ = [
    'LocalizationInferencer', 'InputError', 'build_inference_pipeline',
    'data_sample_to_result', 'list_images', 'output_names'
]

ImageType = Union[str, os.PathLike, np.ndarray]

#: transforms dropped from the test pipeline: inference has no annotations.
ANNOTATION_LOADERS = ('LoadWSOLAnnotations', 'LoadAnnotations')
#: the file loader: the inferencer reads files with it, arrays skip it.
IMAGE_LOADERS = ('LoadImageFromFile', )
#: what a folder input is searched for (recursively, case-insensitive)
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
#: array dtypes the test pipelines take
ARRAY_DTYPES = (np.uint8, np.float32)
WHO = 'LocalizationInferencer'
EXPECTED_INPUT = ('an image file path (str or os.PathLike) or an H x W x 3 '
                  'BGR array (uint8 or float32, as cv2.imread / mmcv.imread '
                  'give) or an H x W grey array')


#: what ``on_error`` accepts
ON_ERROR = ('raise', 'skip')


@dataclass(frozen=True)
class InputError:
    """An input that :class:`LocalizationInferencer` with
    ``on_error='skip'`` could not read, in its place among the results.

    Attributes:
        index (int): the input's index (folders expanded).
        img_path (str | None): the file; None for an array or another
            object.
        reason (str): what is wrong, e.g. ``'file not found'``, ``'cannot
            read the image (corrupt or not an image: ...)'``.
    """
    index: int
    img_path: Optional[str]
    reason: str

    def __str__(self) -> str:
        """``'<img_path>: <reason>'`` (``'image <index>: <reason>'`` for an
        input that is not a file)."""
        place = self.img_path if self.img_path is not None else \
            f'image {self.index}'
        return f'{place}: {self.reason}'


def _bad_input(error_type: type, where: str, reason: str,
               message: Optional[str] = None) -> Exception:
    """``error_type('<where>: <message or reason>')`` that carries
    ``reason`` (for :class:`InputError`)."""
    error = error_type(f'{where}: {message or reason}')
    error.reason = reason
    return error


def _type_name(step) -> str:
    name = step.get('type', '') if isinstance(step, dict) else type(
        step).__name__
    name = name if isinstance(name, str) else getattr(name, '__name__', '')
    return name.split('.')[-1]


def _test_pipeline(config: Config) -> list:
    try:
        steps = config.test_dataloader.dataset.pipeline
    except AttributeError:
        steps = None
    if not steps:
        raise ValueError(
            f'the config {config.filename} has no '
            'test_dataloader.dataset.pipeline to prepare images with.')
    return steps


def build_inference_pipeline(config: Config, from_array: bool) -> Compose:
    """The config's test pipeline without annotation loading.

    Takes ``config.test_dataloader.dataset.pipeline`` and removes the
    annotation loaders (:data:`ANNOTATION_LOADERS`); for ``from_array``
    also the file loader, since the image is given.

    Raises:
        ValueError: the config has no test pipeline.
    """
    drop = ANNOTATION_LOADERS + (IMAGE_LOADERS if from_array else ())
    kept = [
        copy.deepcopy(s) for s in _test_pipeline(config)
        if _type_name(s) not in drop
    ]
    return Compose([
        TRANSFORMS.build(s) if isinstance(s, dict) else s for s in kept
    ])


def _build_image_loader(config: Config) -> Callable:
    """The test pipeline's file loader (mmwsol's ``LoadImageFromFile``
    with the config's arguments), or a default one."""
    for step in _test_pipeline(config):
        if _type_name(step) in IMAGE_LOADERS:
            return TRANSFORMS.build(copy.deepcopy(step)) if isinstance(
                step, dict) else step
    return TRANSFORMS.build(dict(type='LoadImageFromFile'))


def list_images(folder: Union[str, os.PathLike]) -> List[str]:
    """The image files (:data:`IMAGE_SUFFIXES`) under ``folder``,
    recursively, sorted."""
    found = scandir(
        str(folder), suffix=IMAGE_SUFFIXES, recursive=True,
        case_sensitive=False)
    return [osp.join(str(folder), name) for name in sorted(found)]


def output_names(inputs: Sequence) -> List[str]:
    """A file stem per input for the pictures and JSON files: the image
    file's stem for a path, the input's index for anything else (an
    array, None); ``<stem>_<k>`` for the k-th repeat of a stem."""
    names, seen = [], {}
    for index, item in enumerate(inputs):
        stem = osp.splitext(osp.basename(str(item)))[0] if isinstance(
            item, (str, os.PathLike)) else str(index)
        count = seen.get(stem, 0)
        seen[stem] = count + 1
        names.append(stem if count == 0 else f'{stem}_{count}')
    return names


def data_sample_to_result(sample: DataSample,
                          classes: Optional[Sequence[str]] = None) -> dict:
    """A prediction of :class:`LocalizationInferencer` (a ``DataSample`` in
    the original frame) as the dict :func:`inference_localizer` returns
    (see :meth:`LocalizationInferencer.__call__`)."""
    scores = sample.pred_score.detach().float().cpu().numpy()
    label = int(sample.pred_label.reshape(-1)[0])
    return dict(
        pred_label=label,
        pred_class=str(classes[label])
        if classes is not None and label < len(classes) else None,
        pred_score=float(scores[label]),
        pred_scores=scores.astype(np.float32),
        pred_bbox=sample.pred_bboxes.reshape(-1, 4)[0].numpy().astype(
            np.float32),
        score_map=sample.score_map.numpy().astype(np.float32),
        ori_shape=tuple(sample.ori_shape),
        img_path=sample.get('img_path'))


class LocalizationInferencer(BaseInferencer):
    """Classify and localize images with a WSOL model (LowCAM, CAM, ...):
    the class, its score, the box and the score map, all in the ORIGINAL
    image's frame.

    Each image goes through the config's test pipeline (without its
    annotation loaders; see :func:`build_inference_pipeline`) and the
    model's ``predict``; the predictions are then mapped back to the
    original image (:class:`~mmwsol.apis.original_frame.OriginalFrame`):
    the box by undoing the crop and the resize (then clipped to the image),
    the score map by sampling the native map, upsampled bilinearly to the
    network input, at each original pixel through the inverse crop and
    resize. Original pixels outside the network input (cut away by a
    centre crop) get 0.

    **Arrays are expected BGR**, as ``cv2.imread`` / ``mmcv.imread`` give
    them (and as the training pipeline reads files). An RGB array is not an
    error (it cannot be detected) but the model sees swapped colours, so
    its predictions are those of another image.

    Args:
        model (str | Config | nn.Module): a model name
            (:meth:`list_models`, e.g. ``'lowcam_tiny_synthetic'``), a
            config file, a loaded ``Config``, or a model built by
            :func:`~mmwsol.apis.get_model` / :func:`init_localizer`.
        pretrained (bool | str): the checkpoint to load (path,
            ``mmwsol://NAME`` or URL); ``True``: the index's weights of a
            name (the config's ``load_from`` for a config), random weights
            with a warning when there are none. Defaults to True.
        device (str | torch.device, optional): where the model runs; by
            default the available accelerator, else the CPU (a given model
            stays where it is).
        classes (Sequence[str], optional): class names; by default the
            model's ``dataset_meta['classes']`` (from the checkpoint).
        cfg_options (dict, optional): config overrides, as
            ``--cfg-options`` (not for a given model).
        model_index (str, optional): the ``model-index.yml`` names are
            looked up in (see :func:`~mmwsol.apis.list_models`).

    Example:
        >>> from mmwsol.apis import LocalizationInferencer
        >>> inferencer = LocalizationInferencer(
        ...     'configs/lowcam/lowcam_tiny_synthetic.py', 'epoch_8.pth')
        >>> results = inferencer(['a.jpg', 'b.jpg'], batch_size=2,
        ...                      show_dir='pics', pred_out_dir='preds')
        >>> results[0]['pred_class'], results[0]['pred_bbox']
    """

    forward_kwargs: set = {'normalize_map'}
    visualize_kwargs: set = {
        'show', 'show_dir', 'wait_time', 'draw_map', 'min_size'
    }
    postprocess_kwargs: set = {'pred_out_dir', 'save_score_map'}

    def __init__(self,
                 model: Union[str, os.PathLike, Config, nn.Module],
                 pretrained: Union[bool, str, None] = True,
                 device: Union[str, torch.device, None] = None,
                 classes: Optional[Sequence[str]] = None,
                 cfg_options: Optional[dict] = None,
                 model_index: Optional[str] = None) -> None:
        if isinstance(model, nn.Module):
            config = getattr(model, '_config', None) or getattr(
                model, 'cfg', None)
            if not isinstance(config, Config):
                raise ValueError(
                    f'{WHO}: the model has no config (`cfg`); build it with '
                    'init_localizer(config, checkpoint) or '
                    'mmwsol.apis.get_model(config, pretrained).')
            if isinstance(pretrained, (str, os.PathLike)):
                load_localizer_checkpoint(model, str(pretrained), where=WHO)
            if device is not None:
                model.to(device)
            model._config = config
            model.eval()
        else:
            model = get_model(
                model,
                pretrained,
                device=device or get_device(),
                cfg_options=cfg_options,
                model_index=model_index)
        self.model = model
        self.config = model._config
        init_default_scope(self.config.get('default_scope', 'mmwsol'))
        self.image_loader = _build_image_loader(self.config)
        self.pipeline = self._init_pipeline(self.config)
        self.visualizer = None
        self.classes = classes if classes is not None else (getattr(
            model, 'dataset_meta', None) or {}).get('classes')

    def __call__(self,
                 inputs: Union[ImageType, Sequence[ImageType]],
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 on_error: str = 'raise',
                 **kwargs) -> list:
        """Classify and localize images.

        Args:
            inputs (str | np.ndarray | list): an image file, a folder (its
                images, recursively, sorted), a BGR array, or a list of
                them; results follow this order, folders expanded.
            return_datasamples (bool): return ``DataSample`` s instead of
                dicts: ``pred_score (C,)``, ``pred_label (1,)``,
                ``score_map (H0, W0)`` and ``pred_bboxes (1, 4)`` in the
                ORIGINAL frame, metainfo ``ori_shape``, ``img_path``,
                ``sample_idx`` (the input's index). Defaults to False.
            batch_size (int): images per forward pass; in a batch whose
                network inputs differ in size each image runs alone.
                Defaults to 1.
            on_error (str): what an input that cannot be read (a missing
                or undecodable file, an array of the wrong shape or dtype,
                another object) does: ``'raise'`` its error (below), before
                any result; ``'skip'``: the other inputs are predicted (and
                drawn, and written), and its entry in the returned list is
                an :class:`InputError`. Defaults to ``'raise'``.
            normalize_map (bool): min-max normalise each native map to
                ``[0, 1]`` before mapping it back (so the cut-away 0 is the
                lowest value also for maps with negative values, e.g. CAMs).
                Defaults to False: the model's raw map (LowCAM: ``p^a`` in
                ``[0, 1]``; CAM: unnormalised class activations).
            show (bool): show each picture in a window. Defaults to False.
            show_dir (str, optional): write each picture (the score map
                over the image, the predicted box, the class and score) to
                ``show_dir/<name>.png``, ``<name>`` as
                :func:`output_names` (the file stem, the index of an
                array).
            wait_time (float): seconds to show a picture. Defaults to 0.
            draw_map (bool): draw the score map. Defaults to True.
            min_size (int, optional): upscale images whose short side is
                smaller before drawing (the visualizer's default when None;
                0 keeps the size).
            pred_out_dir (str, optional): write ``<name>.json`` per image:
                ``img_path``, ``pred_label``, ``pred_class``,
                ``pred_score``, ``pred_bbox`` (``[x0, y0, x1, y1]``,
                original frame), ``height``, ``width``; with
                ``save_score_map`` also ``score_map`` (the name of
                ``<name>_score_map.npy``, ``float32 (H0, W0)``).
            save_score_map (bool): see ``pred_out_dir``.

        Returns:
            list[dict] | list[DataSample]: per input, in order (with
            ``on_error='skip'`` an :class:`InputError` for each input that
            could not be read); a dict has

            - ``pred_label`` (int), ``pred_class`` (str | None: its name
              when the classes are known), ``pred_score`` (float: its
              softmax score), ``pred_scores`` (``np.float32 (C,)``);
            - ``pred_bbox`` (``np.float32 (4,)``): ``x0, y0, x1, y1`` in the
              original image's continuous pixel coordinates
              (docs/conventions.md), inside the image;
            - ``score_map`` (``np.float32 (H0, W0)``): the map in the
              original frame (0 outside the network input's view);
            - ``ori_shape`` (``(H0, W0)``), ``img_path`` (str | None).

        Raises:
            TypeError: an input is neither a path nor an array.
            ValueError: an array of the wrong shape or dtype, an
                undecodable file, a bad ``batch_size``.
            FileNotFoundError: a missing file.
            Each message names the input by its index (``image 2``).
        """
        if batch_size < 1:
            raise ValueError(f'{WHO}: batch_size must be >= 1, got '
                             f'{batch_size}.')
        if on_error not in ON_ERROR:
            raise ValueError(f'{WHO}: on_error must be one of {ON_ERROR}, '
                             f'got {on_error!r}.')
        # BaseInferencer.__call__, with the unreadable inputs left out
        (preprocess_kwargs, forward_kwargs, visualize_kwargs,
         postprocess_kwargs) = self._dispatch_kwargs(**kwargs)
        ori_inputs = self._inputs_to_list(inputs)
        errors = {} if on_error == 'skip' else None
        batches = self.preprocess(
            ori_inputs,
            batch_size=batch_size,
            errors=errors,
            **preprocess_kwargs)
        preds = []
        for data in track(
                batches, 'Inference',
                total=ceil(len(ori_inputs) / batch_size)):
            preds.extend(self.forward(data, **forward_kwargs))
        read = [x for i, x in enumerate(ori_inputs) if i not in (errors or {})]
        visualization = self.visualize(read, preds, **visualize_kwargs)
        results = iter(
            self.postprocess(preds, visualization, return_datasamples,
                             **postprocess_kwargs))
        return [
            errors[i] if errors and i in errors else next(results)
            for i in range(len(ori_inputs))
        ]

    def _init_pipeline(self, cfg: Config) -> Callable:
        """The test pipeline after the file loader (run on loaded images
        and on arrays alike)."""
        return build_inference_pipeline(cfg, from_array=True)

    def _inputs_to_list(self, inputs) -> list:
        """The inputs as a list, each folder replaced by its images
        (:func:`list_images`)."""
        items = list(inputs) if isinstance(inputs, (list, tuple)) else [
            inputs
        ]
        expanded = []
        for item in items:
            if isinstance(item, (str, os.PathLike)) and osp.isdir(item):
                files = list_images(item)
                if not files:
                    raise ValueError(
                        f'{WHO}: no images ({", ".join(IMAGE_SUFFIXES)}) in '
                        f'the folder {item}.')
                expanded += files
            else:
                expanded.append(item)
        return expanded

    # ------------------------------------------------------------------
    def _load(self, input_, index: int) -> dict:
        """Check one input and read it: the results dict the pipeline
        continues from."""
        where = f'{WHO}: image {index}'
        if isinstance(input_, (str, os.PathLike)):
            path = str(input_)
            if not osp.isfile(path):
                raise _bad_input(FileNotFoundError, where, 'file not found',
                                 f'file not found: {path}')
            try:
                results = self.image_loader(dict(img_path=path))
            except ValueError as exc:  # WSOLDataError: undecodable file
                text = str(exc)
                reason = text[len(exc.where) + 2:] if getattr(
                    exc, 'where', None) and text.startswith(
                        f'{exc.where}: ') else text
                raise _bad_input(ValueError, where, reason, text) from None
            if results is None:
                reason = 'cannot read the image (corrupt or not an image)'
                raise _bad_input(
                    ValueError, where, reason, f'cannot read the image '
                    f'{path} (corrupt or not an image).')
            return results
        if not isinstance(input_, np.ndarray):
            hint = ' (bytes: decode them first, e.g. mmcv.imfrombytes(' \
                'data))' if isinstance(input_, (bytes, bytearray)) else ''
            raise _bad_input(
                TypeError, where, f'expected {EXPECTED_INPUT}; got '
                f'{type(input_).__name__}{hint}.')
        image = input_
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        if image.ndim != 3 or image.shape[2] != 3 or \
                image.dtype not in ARRAY_DTYPES:
            raise _bad_input(
                ValueError, where,
                'an array must be H x W x 3 (BGR, as mmcv.imread '
                'gives) or H x W, uint8 or float32; got shape '
                f'{input_.shape}, dtype {input_.dtype}'
                + (' (drop the alpha channel: array[..., :3])'
                   if image.ndim == 3 and image.shape[2] == 4 else '') + '.')
        if image.shape[0] == 0 or image.shape[1] == 0:
            raise _bad_input(
                ValueError, where, f'the array is empty (shape '
                f'{input_.shape}); expected {EXPECTED_INPUT}.')
        if getattr(self.image_loader, 'to_float32', False):
            image = image.astype(np.float32)
        return dict(
            img=image,
            img_path=None,
            img_shape=image.shape[:2],
            ori_shape=image.shape[:2])

    def _prepare(self, input_, index: int) -> dict:
        results = self._load(input_, index)
        results['sample_idx'] = index
        packed = self.pipeline(results)
        if packed is None:
            raise _bad_input(ValueError, f'{WHO}: image {index}',
                             'the test pipeline dropped it.')
        return packed

    def _prepare_or_skip(self, input_, index: int,
                         errors: Dict[int, InputError]) -> Optional[dict]:
        """:meth:`_prepare`, or None with ``errors[index]`` set when the
        input cannot be read."""
        try:
            return self._prepare(input_, index)
        except (TypeError, ValueError, FileNotFoundError) as exc:
            if not hasattr(exc, 'reason'):  # not an input error
                raise
            path = str(input_) if isinstance(input_,
                                             (str, os.PathLike)) else None
            errors[index] = InputError(index, path, exc.reason)
            return None

    def preprocess(self,
                   inputs: list,
                   batch_size: int = 1,
                   errors: Optional[Dict[int, InputError]] = None):
        """Yield ``pseudo_collate`` d batches of ``batch_size`` packed
        inputs (a batch whose network inputs differ in size as batches of
        one); every input is checked before the first batch. With
        ``errors`` (a dict), inputs that cannot be read are left out and
        their :class:`InputError` is stored under their index instead."""
        if errors is None:
            for index, input_ in enumerate(inputs):
                if not isinstance(input_, (str, os.PathLike, np.ndarray)):
                    self._load(input_, index)  # raises the TypeError
            packed = (self._prepare(input_, index)
                      for index, input_ in enumerate(inputs))
        else:
            packed = (p for p in (self._prepare_or_skip(x, i, errors)
                                  for i, x in enumerate(inputs))
                      if p is not None)
        for chunk in self._get_chunk_data(packed, batch_size):
            shapes = {tuple(p['inputs'].shape) for p in chunk}
            groups = [chunk] if len(shapes) == 1 else [[p] for p in chunk]
            for group in groups:
                yield pseudo_collate(group)

    @torch.no_grad()
    def forward(self, data: dict, normalize_map: bool = False
                ) -> List[DataSample]:
        """Predict a batch and map the predictions to the original frame
        (see the class docstring)."""
        data = self.model.data_preprocessor(data, False)
        frame_shape = tuple(data['inputs'].shape[-2:])
        samples = self.model(**data, mode='predict')
        return [
            self._to_original(sample, frame_shape, normalize_map)
            for sample in samples
        ]

    @staticmethod
    def _to_original(sample: DataSample, frame_shape, normalize_map: bool
                     ) -> DataSample:
        where = f'{WHO}: image {sample.get("sample_idx")}'
        for key in ('pred_score', 'pred_label', 'score_map', 'pred_bboxes'):
            if key not in sample:
                raise ValueError(
                    f'{where}: the model did not predict `{key}`; use a WSOL '
                    'localizer (LowCAM, CAM) whose predict fills score_map '
                    'and pred_bboxes.')
        frame = OriginalFrame.from_metainfo(sample.metainfo, where=where)
        score_map = sample.score_map.detach().float()
        if normalize_map:
            score_map = normalize_score_maps(score_map[None])[0][0]
        out = DataSample(
            metainfo=dict(
                ori_shape=frame.ori_shape,
                img_path=sample.get('img_path'),
                sample_idx=sample.get('sample_idx')))
        out.set_pred_score(sample.pred_score.detach().float().cpu())
        out.set_pred_label(sample.pred_label.detach().cpu())
        out.set_field(
            torch.from_numpy(
                frame.score_map_to_original(score_map, frame_shape)),
            'score_map',
            dtype=torch.Tensor)
        out.set_field(
            torch.from_numpy(
                frame.input_to_original_boxes(sample.pred_bboxes)[:1]),
            'pred_bboxes',
            dtype=torch.Tensor)
        return out

    def visualize(self,
                  ori_inputs: list,
                  preds: List[DataSample],
                  show: bool = False,
                  show_dir: Optional[str] = None,
                  wait_time: float = 0,
                  draw_map: bool = True,
                  min_size: Optional[int] = None
                  ) -> Optional[List[np.ndarray]]:
        """Draw each prediction on its original image
        (:func:`~mmwsol.apis.draw_localization_result`) and write it to
        ``show_dir/<name>.png`` (:func:`output_names`); the arguments as
        in :meth:`__call__`.

        Returns:
            list[np.ndarray] | None: the uint8 RGB pictures; None without
            ``show`` and ``show_dir``.
        """
        if not show and show_dir is None:
            return None
        # imported here: result_picture imports this package's inference
        from mmwsol.visualization import LocalizationVisualizer
        from .result_picture import draw_localization_result
        if self.visualizer is None:
            self.visualizer = LocalizationVisualizer(
                name=f'{WHO}_{id(self)}')
        if show_dir is not None:
            os.makedirs(show_dir, exist_ok=True)
        size = {} if min_size is None else dict(min_size=min_size)
        pictures = []
        for input_, sample, name in zip(ori_inputs, preds,
                                        output_names(ori_inputs)):
            pictures.append(
                draw_localization_result(
                    input_,
                    data_sample_to_result(sample, self.classes),
                    classes=self.classes,
                    visualizer=self.visualizer,
                    out_file=osp.join(show_dir, f'{name}.png')
                    if show_dir is not None else None,
                    show=show,
                    wait_time=wait_time,
                    draw_map=draw_map,
                    **size))
        return pictures

    def postprocess(self,
                    preds: List[DataSample],
                    visualization: Optional[List[np.ndarray]],
                    return_datasamples: bool = False,
                    pred_out_dir: Optional[str] = None,
                    save_score_map: bool = False) -> list:
        """The predictions as dicts (or the data samples), written to
        ``pred_out_dir`` when given (see :meth:`__call__`)."""
        results = [data_sample_to_result(s, self.classes) for s in preds]
        if pred_out_dir is not None:
            self._dump(results, pred_out_dir, save_score_map)
        return preds if return_datasamples else results

    @staticmethod
    def _dump(results: List[dict], pred_out_dir: str,
              save_score_map: bool) -> None:
        os.makedirs(pred_out_dir, exist_ok=True)
        names = output_names([r['img_path'] for r in results])
        for result, name in zip(results, names):
            height, width = result['ori_shape']
            record = dict(
                img_path=result['img_path'],
                pred_label=result['pred_label'],
                pred_class=result['pred_class'],
                pred_score=result['pred_score'],
                pred_bbox=[float(v) for v in result['pred_bbox']],
                height=int(height),
                width=int(width))
            if save_score_map:
                record['score_map'] = f'{name}_score_map.npy'
                np.save(
                    osp.join(pred_out_dir, record['score_map']),
                    result['score_map'])
            with open(osp.join(pred_out_dir, f'{name}.json'), 'w') as f:
                json.dump(record, f, indent=2)

    @staticmethod
    def list_models(pattern: Optional[str] = None) -> List[str]:
        """Names of mmwsol's models (see :func:`~mmwsol.apis.list_models`).
        """
        return list_models(pattern)
