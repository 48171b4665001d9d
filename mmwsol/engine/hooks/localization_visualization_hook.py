"""Pictures of the localization of a few fixed images at every
validation (and at test time)."""
import inspect
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.runner import (BaseLoop, EpochBasedTrainLoop,
                             IterBasedTrainLoop)
from mmengine.visualization import Visualizer
from mmpretrain.structures import DataSample

from mmwsol.registry import HOOKS
from mmwsol.visualization import LocalizationVisualizer

CHANNEL_ORDERS = ('bgr', 'rgb')


@HOOKS.register_module()
class LocalizationVisualizationHook(Hook):
    """Draw the score map, the GT and predicted boxes and the classes of a
    few FIXED images at every validation (and test), so one can watch the
    map sharpen over training (e.g. from LowCAM's phase 1 to phase 2).

    The pictures come from the runner's visualizer, which must be a
    :class:`~mmwsol.visualization.LocalizationVisualizer`
    (``visualizer = dict(type='LocalizationVisualizer', ...)``); they are
    drawn on the network input (the image of ``data_batch['inputs']``, in
    the frame of ``img_shape``) with the model's predictions on it.

    Which images: ``indices`` of the validation (test) dataset, or, when
    ``indices`` is None, ``num_images`` indices spread evenly over the
    dataset (``round(linspace(0, len - 1, num_images))``, so several
    classes show up in sorted datasets); both None draws every image (a
    ``--show-dir`` at test time). Images are matched through the data
    samples' ``sample_idx``, so the same images are drawn whatever the batch
    size, the number of processes or the sampler's order.

    Where: with ``out_dir`` None, to the visualizer's backends
    (``LocalVisBackend``: ``<work_dir>/<timestamp>/vis_data/vis_image/
    <name>_<step>.png``; TensorBoard: one image series per name); with
    ``out_dir``, to ``<out_dir>/<name>_<step>.png`` and not to the
    backends. ``name`` is ``<dataset index>_<image file stem>``; ``step``
    is the epoch of an epoch-based training (the number of epochs done, 1
    after the first), the iteration of an iteration-based one, and 0 when
    no training runs (``tools/test.py``). A drawn image is taken to rank 0
    (every process draws its share of the batch) and drawn there only.

    To draw every test image into a folder:
    ``--cfg-options default_hooks.visualization.num_images=None
    default_hooks.visualization.out_dir=DIR``.

    Args:
        enable (bool): Draw anything. Defaults to True.
        indices (Sequence[int], optional): dataset indices to draw; they
            must be smaller than the dataset's length.
        num_images (int, optional): how many evenly spread images to draw
            when ``indices`` is None. Defaults to 4.
        out_dir (str, optional): write PNGs here instead of to the
            backends.
        show (bool): show each picture in a window. Defaults to False.
        wait_time (float): seconds to show it. Defaults to 0.
        input_channel_order (str): channel order of ``data_batch['inputs']``
            (before the data preprocessor): ``'bgr'`` (mmcv's loading, the
            default) or ``'rgb'``.
        **draw_kwargs: more arguments of
            :meth:`LocalizationVisualizer.visualize_localization`
            (``draw_map``, ``draw_gt``, ``draw_pred``, ``draw_caption``,
            ``map_alpha``, ``line_width``, ``min_size``: network inputs
            with a short side under 320 px are drawn upscaled).
    """

    _RESERVED = ('image', 'data_sample', 'show', 'wait_time', 'out_file',
                 'name', 'step', 'self')

    def __init__(self,
                 enable: bool = True,
                 indices: Optional[Sequence[int]] = None,
                 num_images: Optional[int] = 4,
                 out_dir: Optional[str] = None,
                 show: bool = False,
                 wait_time: float = 0.,
                 input_channel_order: str = 'bgr',
                 **draw_kwargs) -> None:
        where = 'LocalizationVisualizationHook (default_hooks.visualization)'
        if indices is not None:
            if isinstance(indices, int) or not all(
                    isinstance(i, (int, np.integer)) and i >= 0
                    for i in indices):
                raise ValueError(
                    f'{where}: `indices` must be a sequence of non-negative '
                    f'dataset indices, got {indices!r}.')
            indices = tuple(sorted({int(i) for i in indices}))
        if num_images is not None and (not isinstance(num_images, int)
                                       or num_images < 1):
            raise ValueError(f'{where}: `num_images` must be a positive int '
                             f'or None, got {num_images!r}.')
        if input_channel_order not in CHANNEL_ORDERS:
            raise ValueError(f'{where}: `input_channel_order` must be one of '
                             f'{CHANNEL_ORDERS}, got {input_channel_order!r}.')
        allowed = set(
            inspect.signature(LocalizationVisualizer.visualize_localization)
            .parameters) - set(self._RESERVED)
        unknown = sorted(set(draw_kwargs) - allowed)
        if unknown:
            raise TypeError(
                f'{where}: unknown arguments {unknown}; the drawing '
                f'arguments are {sorted(allowed)}.')
        self.enable = bool(enable)
        self.indices = indices
        self.num_images = num_images
        self.out_dir = out_dir
        self.show = show
        self.wait_time = wait_time
        self.input_channel_order = input_channel_order
        self.draw_kwargs = draw_kwargs
        self._where = where
        # per mode ('val' / 'test'): the selected indices (None: all)
        self._selected: Dict[str, Optional[frozenset]] = {}
        self._drawn: set = set()

    # ------------------------------------------------------------------
    # selection
    def selected_indices(self, dataset_len: int) -> Optional[List[int]]:
        """The dataset indices drawn from a dataset of ``dataset_len``
        images (None: every image).

        Raises:
            ValueError: an index in ``indices`` is out of range.
        """
        if self.indices is not None:
            bad = [i for i in self.indices if i >= dataset_len]
            if bad:
                raise ValueError(
                    f'{self._where}: indices {bad} are out of range for a '
                    f'dataset of {dataset_len} images (`indices` = '
                    f'{list(self.indices)}).')
            return list(self.indices)
        if self.num_images is None:
            return None
        if self.num_images >= dataset_len:
            return list(range(dataset_len))
        spread = np.linspace(0, dataset_len - 1, self.num_images)
        return sorted({int(i) for i in np.round(spread)})

    def _resolve(self, mode: str, loop) -> None:
        if not isinstance(loop, BaseLoop):
            return
        dataset = loop.dataloader.dataset
        selected = self.selected_indices(len(dataset))
        self._selected[mode] = None if selected is None else frozenset(
            selected)

    # ------------------------------------------------------------------
    # runner events
    def before_run(self, runner) -> None:
        if not self.enable:
            return
        visualizer = self._visualizer(runner)
        if not hasattr(visualizer, 'visualize_localization'):
            raise TypeError(
                f'{self._where} needs a LocalizationVisualizer; set '
                "visualizer = dict(type='LocalizationVisualizer', "
                'vis_backends=...) in the config (got '
                f'{type(visualizer).__name__}), or disable the hook with '
                'default_hooks.visualization.enable=False.')
        # fail early on bad indices (loops are built before before_run)
        self._resolve('val', getattr(runner, '_val_loop', None))
        self._resolve('test', getattr(runner, '_test_loop', None))

    def before_val_epoch(self, runner) -> None:
        if self.enable:
            self._resolve('val', runner.val_loop)
        self._drawn = set()

    def before_test_epoch(self, runner) -> None:
        if self.enable:
            self._resolve('test', runner.test_loop)
        self._drawn = set()

    def after_val_iter(self, runner, batch_idx: int, data_batch: dict,
                       outputs: Sequence[DataSample]) -> None:
        self._draw_batch(runner, 'val', batch_idx, data_batch, outputs,
                         self._step(runner))

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[DataSample]) -> None:
        self._draw_batch(runner, 'test', batch_idx, data_batch, outputs,
                         self._step(runner))

    # ------------------------------------------------------------------
    # helpers
    @staticmethod
    def _visualizer(runner) -> Visualizer:
        visualizer = getattr(runner, 'visualizer', None)
        return visualizer or Visualizer.get_current_instance()

    @staticmethod
    def _step(runner) -> int:
        """Epochs done (epoch-based training), iterations done
        (iteration-based), else 0."""
        loop = getattr(runner, '_train_loop', None)
        if isinstance(loop, EpochBasedTrainLoop):
            return runner.epoch
        if isinstance(loop, IterBasedTrainLoop):
            return runner.iter
        return 0

    def _image_rgb(self, image) -> np.ndarray:
        """``C x H x W`` input (tensor or array) -> ``H x W x 3`` uint8 RGB.
        """
        if isinstance(image, torch.Tensor):
            image = image.detach().cpu().numpy()
        image = np.asarray(image)
        if image.ndim != 3:
            raise ValueError(
                f'{self._where}: expected C x H x W images in '
                f"data_batch['inputs'], got shape {image.shape}.")
        image = image.transpose(1, 2, 0)
        if image.dtype != np.uint8:
            image = np.clip(np.round(image), 0, 255).astype(np.uint8)
        if image.shape[2] == 1:
            image = np.repeat(image, 3, axis=2)
        if self.input_channel_order == 'bgr':
            image = image[..., ::-1]
        return np.ascontiguousarray(image)

    def _batch_items(self, mode: str, batch_idx: int, data_batch: dict,
                     outputs: Sequence[DataSample]
                     ) -> List[Tuple[int, np.ndarray, DataSample]]:
        """``(dataset index, RGB image, data sample on the CPU)`` of the
        selected images of this process's batch."""
        selected = self._selected.get(mode)
        inputs = data_batch['inputs']
        items = []
        for i, sample in enumerate(outputs):
            idx = sample.get('sample_idx')
            if idx is None:
                if get_world_size() > 1:
                    raise ValueError(
                        f'{self._where}: the data samples have no '
                        '`sample_idx` (add it to the packing meta_keys); '
                        'with several processes the hook cannot tell which '
                        'images it is given.')
                idx = batch_idx * len(outputs) + i
            idx = int(idx)
            if selected is not None and idx not in selected:
                continue
            items.append((idx, self._image_rgb(inputs[i]), sample.cpu()))
        return items

    def _draw_batch(self, runner, mode: str, batch_idx: int, data_batch: dict,
                    outputs: Sequence[DataSample], step: int) -> None:
        if not self.enable:
            return
        items = self._batch_items(mode, batch_idx, data_batch, outputs)
        if get_world_size() > 1:
            items = [it for part in all_gather_object(items) for it in part]
        if not is_main_process():
            return
        visualizer = self._visualizer(runner)
        for idx, image, sample in sorted(items, key=lambda it: it[0]):
            if idx in self._drawn:  # padding of the distributed sampler
                continue
            self._drawn.add(idx)
            name = self.image_name(idx, sample)
            out_file = None
            if self.out_dir is not None:
                out_file = osp.join(self.out_dir, f'{name}_{step}.png')
            visualizer.visualize_localization(
                image,
                sample,
                show=self.show,
                wait_time=self.wait_time,
                out_file=out_file,
                name=name,
                step=step,
                **self.draw_kwargs)

    @staticmethod
    def image_name(idx: int, sample: DataSample) -> str:
        """``<dataset index>_<image file stem>`` (``<index>`` alone without
        ``img_path``)."""
        path = sample.get('img_path')
        if not path:
            return str(idx)
        stem = osp.splitext(osp.basename(str(path)))[0]
        return f'{idx}_{stem}'
