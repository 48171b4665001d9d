"""The data sample WSOL components exchange (docs/conventions.md)."""
import numbers
import os
from multiprocessing.reduction import ForkingPickler
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import torch
from mmpretrain.structures import DataSample

#: values a ``gt_mask`` cell may hold: background, foreground, ignore.
MASK_VALUES = (0, 1, 255)
#: mmcv's flip directions.
FLIP_DIRECTIONS = ('horizontal', 'vertical', 'diagonal')


def _fail(where: str, message: str, value: Any = None):
    desc = ''
    if value is not None:
        desc = (f' (got {type(value).__name__} {tuple(value.shape)} '
                f'{value.dtype})' if hasattr(value, 'shape')
                and hasattr(value, 'dtype') else f' (got {value!r})')
    raise ValueError(f'{where}: {message}{desc}.')


def _as_tensor(value, where: str) -> torch.Tensor:
    """A tensor of ``value``: tensors as they are, arrays and sequences
    copied (the sample must not share memory with the pipeline's dict)."""
    if isinstance(value, torch.Tensor):
        return value
    try:
        return torch.from_numpy(np.array(value))  # a contiguous copy
    except (TypeError, ValueError, RuntimeError):
        _fail(where, 'expected a tensor, an array or a nested sequence of '
              'numbers', value)


def _boxes(num_boxes: Optional[int]) -> Callable:
    """Converter to ``FloatTensor (k, 4)`` (``k == num_boxes`` if given)."""
    shape = f'({"k" if num_boxes is None else num_boxes}, 4)'

    def convert(value, where):
        boxes = _as_tensor(value, where)
        if boxes.is_complex() or boxes.dtype == torch.bool:
            _fail(where, f'boxes must be real numbers {shape}', boxes)
        if boxes.numel() == 0 and num_boxes is None:
            boxes = boxes.reshape(0, 4)
        elif boxes.dim() == 1 and boxes.numel() == 4:
            boxes = boxes.reshape(1, 4)
        if boxes.dim() != 2 or boxes.shape[1] != 4 or (
                num_boxes is not None and boxes.shape[0] != num_boxes):
            _fail(where, f'boxes must be {shape} x0, y0, x1, y1', boxes)
        return boxes if boxes.dtype == torch.float32 else boxes.float()

    return convert


def _mask(value, where):
    """Converter to ``UInt8Tensor (H, W)`` with values 0/1/255."""
    mask = _as_tensor(value, where)
    if mask.is_floating_point() or mask.is_complex():
        _fail(where, 'the mask must be integer or bool (H, W) with values '
              f'{MASK_VALUES}, not floating', mask)
    if mask.dim() != 2:
        _fail(where, 'the mask must be (H, W)', mask)
    known = (mask == 0) | (mask == 1) | (mask == 255)
    if not bool(known.all()):
        _fail(where, f'mask values must be in {MASK_VALUES}; found '
              f'{sorted(set(mask[~known].unique().tolist()))[:5]}')
    return mask if mask.dtype == torch.uint8 else mask.to(torch.uint8)


def _score_map(value, where):
    """Converter to ``FloatTensor (h, w)``; ``(1, h, w)`` is squeezed."""
    score_map = _as_tensor(value, where)
    if score_map.is_complex() or score_map.dtype == torch.bool:
        _fail(where, 'the score map must be real (h, w)', score_map)
    if score_map.dim() == 3 and score_map.shape[0] == 1:
        score_map = score_map[0]
    if score_map.dim() != 2:
        _fail(where, 'the score map must be (h, w) (or (1, h, w))',
              score_map)
    return score_map if score_map.dtype == torch.float32 else \
        score_map.float()


def _np_boxes(value, where):
    """Converter to ``np.float32 (k, 4)``."""
    boxes = value.detach().cpu().numpy() if isinstance(
        value, torch.Tensor) else value
    try:
        boxes = np.asarray(boxes, dtype=np.float32)
    except (TypeError, ValueError):
        _fail(where, 'boxes must be numbers (k, 4)', value)
    if boxes.size == 0:
        return boxes.reshape(0, 4)
    if boxes.ndim == 1 and boxes.size == 4:
        boxes = boxes.reshape(1, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        _fail(where, 'boxes must be (k, 4) x0, y0, x1, y1', boxes)
    return boxes


def _integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_))


def _shape(value, where):
    """Converter to a ``(h, w)`` tuple of ints."""
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    items = tuple(value) if isinstance(value,
                                       (tuple, list, np.ndarray)) else None
    if items is None or len(items) != 2 or not all(
            _integer(v) and v >= 0 for v in items):
        _fail(where, 'expected (h, w), two non-negative ints', value)
    return tuple(int(v) for v in items)


def _numbers(count: int, positive: bool = False) -> Callable:
    """Check: ``count`` finite numbers (kept as given, not converted)."""

    def check(value, where):
        arr = value.detach().cpu().numpy() if isinstance(
            value, torch.Tensor) else value
        try:
            arr = np.asarray(arr, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.size != count or not np.isfinite(
                arr).all() or (positive and not (arr > 0).all()):
            kind = 'positive finite' if positive else 'finite'
            _fail(where, f'expected {count} {kind} numbers', value)
        return value

    return check


def _string(allow_int: bool = False, allow_none: bool = False) -> Callable:
    """Converter to ``str`` (from ``os.PathLike``; from ints if
    ``allow_int``); None passes when ``allow_none``."""

    def convert(value, where):
        if value is None and allow_none:
            return None
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        if allow_int and _integer(value):
            return str(value)
        if not isinstance(value, str):
            _fail(where, 'expected a string', value)
        return value

    return convert


def _index(value, where):
    if not _integer(value) or value < 0:
        _fail(where, 'expected a non-negative int', value)
    return int(value)


def _flag(value, where):
    if not isinstance(value, (bool, np.bool_)):
        _fail(where, 'expected a bool', value)
    return bool(value)


def _flip_direction(value, where):
    if value is not None and value not in FLIP_DIRECTIONS:
        _fail(where, f'expected None or one of {FLIP_DIRECTIONS}', value)
    return value


def _field_view(name: str, doc: str) -> property:
    """A typed attribute stored as the data element stores any field (in
    the instance ``__dict__`` under ``name``), so that ``in``, ``get``,
    ``pop``, ``keys``, ``to_dict`` and pickling behave as for any
    ``DataSample`` field. Checks and conversions happen in
    :meth:`WSOLDataSample.set_field`, which every assignment goes through.
    """

    def fget(self):
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(f"'{type(self).__name__}' object has no "
                                 f"attribute '{name}'") from None

    def fset(self, value):
        self.__dict__[name] = value

    def fdel(self):
        del self.__dict__[name]

    return property(fget, fset, fdel, doc)


class WSOLDataSample(DataSample):
    """mmpretrain's ``DataSample`` with the typed fields of WSOL.

    Every mmpretrain/mmengine path keeps working (it *is* a
    ``DataSample``); the fields below are checked and converted whenever
    they are set, by attribute (``sample.gt_bboxes = boxes``), by
    ``set_field``/``set_data``/``set_metainfo`` or by the constructor.
    A value that cannot be converted raises a ``ValueError`` naming the
    field and the sample (its ``img_path``/``ann_ref`` when known).

    Data fields (tensors keep their device; arrays and sequences are
    copied):

    - ``gt_bboxes``: ``FloatTensor (k, 4)`` ``x0, y0, x1, y1`` in the frame
      of ``img_shape``; ``k`` may be 0; a flat ``(4,)`` becomes ``(1, 4)``.
    - ``gt_mask``: ``UInt8Tensor (H, W)``, 0 background, 1 foreground, 255
      ignore, frame of ``img_shape``; bool/integer inputs are converted,
      other values and floating masks are errors.
    - ``score_map``: ``FloatTensor (h, w)`` at the model's native
      resolution, any range (the metric normalises per its protocol);
      other real dtypes become float32, ``(1, h, w)`` becomes ``(h, w)``.
    - ``pred_bboxes``: ``FloatTensor (1, 4)`` in the frame of
      ``img_shape``.
    - mmpretrain's ``gt_label``, ``pred_label``, ``pred_score``
      (``set_gt_label``, ``set_pred_score``...).

    Metainfo (checked; converted only where said):

    - ``ori_gt_bboxes``: ``np.float32 (k, 4)``, the original frame
      (converted from tensors, lists and other dtypes);
    - ``ori_shape``, ``img_shape``: ``(h, w)`` tuples of ints;
    - ``img_path`` (str or None), ``img_id`` (str; ints are converted),
      ``ann_ref`` (str, ``"<file>:<line>"``), ``sample_idx`` (int);
    - ``scale_factor``: two positive numbers ``(w_scale, h_scale)``, as
      mmcv's ``Resize`` writes them (kept as given);
    - ``flip`` (bool), ``flip_direction`` (None or mmcv's directions);
    - ``crop_bbox``: four numbers ``x0, y0, x1, y1`` of the crop in the
      resized image (negative where the crop padded; kept as given).

    Any other field is stored unchecked, as ``DataSample`` does.
    """

    #: name -> (field type, converter ``(value, where) -> value``).
    FIELDS: Dict[str, Tuple[str, Callable]] = {
        'gt_bboxes': ('data', _boxes(None)),
        'gt_mask': ('data', _mask),
        'score_map': ('data', _score_map),
        'pred_bboxes': ('data', _boxes(1)),
        'ori_gt_bboxes': ('metainfo', _np_boxes),
        'ori_shape': ('metainfo', _shape),
        'img_shape': ('metainfo', _shape),
        'img_path': ('metainfo', _string(allow_none=True)),
        'sample_idx': ('metainfo', _index),
        'img_id': ('metainfo', _string(allow_int=True)),
        'ann_ref': ('metainfo', _string()),
        'scale_factor': ('metainfo', _numbers(2, positive=True)),
        'flip': ('metainfo', _flag),
        'flip_direction': ('metainfo', _flip_direction),
        'crop_bbox': ('metainfo', _numbers(4)),
    }

    gt_bboxes = _field_view(
        'gt_bboxes', 'FloatTensor (k, 4): GT boxes, frame of img_shape.')
    gt_mask = _field_view(
        'gt_mask', 'UInt8Tensor (H, W): 0/1/255 mask, frame of img_shape.')
    score_map = _field_view(
        'score_map', 'FloatTensor (h, w): the map at native resolution.')
    pred_bboxes = _field_view(
        'pred_bboxes', 'FloatTensor (1, 4): predicted box, frame of '
        'img_shape.')
    ori_gt_bboxes = _field_view(
        'ori_gt_bboxes', 'np.float32 (k, 4): GT boxes, original frame.')
    ori_shape = _field_view('ori_shape', '(h, w) of the original image.')
    img_shape = _field_view('img_shape', '(h, w) of the network input.')
    img_path = _field_view('img_path', 'str | None: the image file.')
    sample_idx = _field_view('sample_idx', 'int: index in the dataset.')
    img_id = _field_view('img_id', "str: the dataset's id of the image.")
    ann_ref = _field_view('ann_ref', 'str: "<file>:<line>" of the '
                          'annotation.')
    scale_factor = _field_view('scale_factor',
                               '(w_scale, h_scale) of the resize.')
    flip = _field_view('flip', 'bool: the image was flipped.')
    flip_direction = _field_view('flip_direction',
                                 'None or mmcv flip direction.')
    crop_bbox = _field_view('crop_bbox', 'x0, y0, x1, y1 of the crop.')

    def set_field(self,
                  value: Any,
                  name: str,
                  dtype=None,
                  field_type: str = 'data') -> None:
        """``DataSample.set_field`` that checks and converts the WSOL
        fields (:attr:`FIELDS`) before storing them."""
        spec = self.FIELDS.get(name)
        if spec is not None:
            kind, convert = spec
            where = f'{type(self).__name__}.{name}{self._context()}'
            if field_type != kind:
                how = ('set_metainfo(dict({}=...))' if kind == 'metainfo'
                       else 'sample.{} = ...').format(name)
                raise AttributeError(f'{where}: `{name}` is a {kind} '
                                     f'field; set it with {how}.')
            value = convert(value, where)
        super().set_field(value, name, dtype=dtype, field_type=field_type)

    def _context(self) -> str:
        """`` (<ann_ref or img_path>)`` of this sample, for errors."""
        for key in ('ann_ref', 'img_path'):
            ref = self.__dict__.get(key)
            if ref:
                return f' ({ref})'
        return ''

    @classmethod
    def cast(cls, sample: DataSample) -> 'WSOLDataSample':
        """``sample`` itself when it is a ``WSOLDataSample``, else a new one
        holding the same metainfo and data (the values not copied, but
        checked and converted as above)."""
        if isinstance(sample, cls):
            return sample
        if not isinstance(sample, DataSample):
            raise TypeError(f'{cls.__name__}.cast: expected a DataSample, '
                            f'got {type(sample).__name__}.')
        new = cls()
        for key, value in sample.metainfo_items():
            new.set_field(value, key, field_type='metainfo')
        for key, value in sample.items():
            new.set_field(value, key)
        return new


def _reduce_wsol_data_sample(sample: WSOLDataSample):
    """Like mmpretrain's reducer of ``DataSample`` for worker queues (CPU
    tensors travel as arrays, which costs no file descriptors), without
    changing the pickled sample and rebuilding the right class."""
    state = dict(sample.__dict__)
    tensor_keys = [
        key for key, value in state.items()
        if isinstance(value, torch.Tensor) and value.device.type == 'cpu'
        and not value.requires_grad
    ]
    for key in tensor_keys:
        state[key] = state[key].numpy()
    return _rebuild_wsol_data_sample, (type(sample), state, tensor_keys)


def _rebuild_wsol_data_sample(cls, state, tensor_keys):
    for key in tensor_keys:
        state[key] = torch.from_numpy(state[key])
    sample = cls.__new__(cls)
    sample.__dict__.update(state)
    return sample


ForkingPickler.register(WSOLDataSample, _reduce_wsol_data_sample)
