"""Parsing and validation helpers shared by the WSOL datasets and transforms.

Every problem with the input data raises :class:`WSOLDataError`, whose
message starts with *where* the problem is: ``<file>:<line>: ...`` for text
and XML annotations, ``<file>: image id <id>: ...`` for JSON, ``<image file>
(<ann_ref>): ...`` for images and masks read in the pipeline.

Box tolerance (the same rule at load time and in
:class:`~mmwsol.datasets.transforms.LoadWSOLAnnotations`): a box
``x0, y0, x1, y1`` must have ``x1 > x0`` and ``y1 > y0``; a coordinate that
overshoots the image (``< 0`` or ``> W`` / ``> H``) by at most ``tolerance``
pixels (default 1) is clipped to the border, anything further out is an
error. Clipped boxes are counted (:func:`check_and_clip_boxes` returns the
number, :func:`check_box` a flag) and logged: once per dataset build for
those clipped at load time, by ``LoadWSOLAnnotations`` for the others.
"""
import contextlib
import contextvars
import math
import os.path as osp
from typing import (AbstractSet, Dict, Iterator, List, Optional, Sequence,
                    Tuple, Union)
from xml.parsers import expat

import mmengine.fileio as fileio
import numpy as np

__all__ = [
    'WSOLDataError', 'read_text_lines', 'skipping_lines', 'split_fields',
    'parse_int',
    'parse_float', 'check_box', 'check_and_clip_boxes', 'parse_voc_xml',
    'join_path'
]

#: Default tolerance, in pixels, for boxes that overshoot the image border.
BOX_TOLERANCE = 1.0


class WSOLDataError(ValueError):
    """Bad WSOL input data (annotation, image or mask file).

    The message always starts with the place of the problem, e.g.
    ``data/CUB_200_2011/bounding_boxes.txt:17: ...``.

    Args:
        message (str): What is wrong.
        file (str, optional): The file at fault.
        line (int, optional): 1-based line number in ``file``.
        where (str, optional): A ready-made location (e.g.
            ``"ann.json: image id 3"`` or an ``ann_ref``); overrides
            ``file``/``line``.
    """

    def __init__(self,
                 message: str,
                 file: Optional[str] = None,
                 line: Optional[int] = None,
                 where: Optional[str] = None):
        self.file = file
        self.line = line
        if where is None and file is not None:
            where = f'{file}:{line}' if line is not None else str(file)
        self.where = where
        super().__init__(f'{where}: {message}' if where else message)


def join_path(root: Optional[str], path: str) -> str:
    """``path`` joined to ``root`` unless it is absolute or root is empty."""
    if not root or osp.isabs(path):
        return path
    return fileio.join_path(root, path)


#: ``(file, line)`` pairs :func:`read_text_lines` leaves out, set by
#: :func:`skipping_lines`.
_SKIPPED_LINES: contextvars.ContextVar = contextvars.ContextVar(
    'mmwsol_skipped_annotation_lines', default=frozenset())


@contextlib.contextmanager
def skipping_lines(skipped: AbstractSet[Tuple[str, int]]) -> Iterator[None]:
    """Within the block, :func:`read_text_lines` leaves out the ``(file,
    line)`` pairs of ``skipped`` (``file`` as the path it is called with),
    for every dataset that reads its annotations with it. Used to build a
    dataset past its bad lines (:func:`~mmwsol.datasets.verify_dataset`).
    """
    token = _SKIPPED_LINES.set(frozenset(skipped))
    try:
        yield
    finally:
        _SKIPPED_LINES.reset(token)


def read_text_lines(path: str,
                    backend_args: Optional[dict] = None,
                    required: bool = True) -> List[Tuple[int, str]]:
    """Read a text annotation file.

    Args:
        path (str): The file.
        backend_args (dict, optional): mmengine file backend arguments.
        required (bool): Raise :class:`WSOLDataError` when the file does not
            exist; otherwise return an empty list.

    Returns:
        list[tuple[int, str]]: ``(line number (1-based), text)`` of every
        non-blank line, with the line ending (``\\n`` / ``\\r\\n``) and a
        leading UTF-8 BOM removed; lines left out by :func:`skipping_lines`
        are not returned.
    """
    try:
        text = fileio.get_text(path, backend_args=backend_args)
    except FileNotFoundError:
        if not required:
            return []
        raise WSOLDataError('annotation file not found', file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WSOLDataError(f'cannot read annotation file ({exc})',
                            file=path) from exc
    if text.startswith('\ufeff'):
        text = text[1:]
    skipped = _SKIPPED_LINES.get()
    return [(i, line.rstrip('\r\n'))
            for i, line in enumerate(text.split('\n'), start=1)
            if line.strip() and (str(path), i) not in skipped]


def split_fields(text: str,
                 file: str,
                 line: int,
                 names: Sequence[str],
                 sep: Optional[str] = None,
                 last_takes_rest: bool = False) -> List[str]:
    """Split one annotation line into exactly ``len(names)`` fields.

    Args:
        text (str): The line.
        file (str): Its file, for the error message.
        line (int): Its line number, for the error message.
        names (Sequence[str]): Field names, e.g. ``('id', 'x', 'y', 'w',
            'h')``; only their number matters, the names go into messages.
        sep (str, optional): Separator; ``None`` splits on white space.
        last_takes_rest (bool): The last field takes the rest of the line
            (a path or class name that may contain the separator).

    Raises:
        WSOLDataError: on a wrong number of fields.
    """
    text = text.strip()
    maxsplit = len(names) - 1 if last_takes_rest else -1
    fields = text.split(sep, maxsplit)
    if sep is not None:
        fields = [f.strip() for f in fields]
    if len(fields) != len(names):
        raise WSOLDataError(
            f'expected {len(names)} fields ({", ".join(names)}) separated by '
            f'{"white space" if sep is None else repr(sep)}, got '
            f'{len(fields)}: {text!r}',
            file=file,
            line=line)
    return fields


def parse_int(value: str, name: str, file: str, line: int) -> int:
    """``int(value)`` or a :class:`WSOLDataError` naming the field."""
    try:
        return int(value)
    except ValueError:
        raise WSOLDataError(
            f'field {name!r} is not an integer: {value!r}', file=file,
            line=line) from None


def parse_float(value: str, name: str, file: str, line: int) -> float:
    """A finite ``float(value)`` or a :class:`WSOLDataError`."""
    try:
        number = float(value)
    except ValueError:
        raise WSOLDataError(
            f'field {name!r} is not a number: {value!r}', file=file,
            line=line) from None
    if not np.isfinite(number):
        raise WSOLDataError(
            f'field {name!r} is not finite: {value!r}', file=file, line=line)
    return number


def _box_error(box, width, height, tolerance) -> Optional[str]:
    """Why ``box`` is invalid (see the module docstring), or ``None``."""
    x0, y0, x1, y1 = box
    if not all(math.isfinite(v) for v in box):
        return 'coordinates must be finite'
    if x1 <= x0 or y1 <= y0:
        return 'needs x1 > x0 and y1 > y0'
    if x0 < -tolerance or y0 < -tolerance:
        return (f'lies left of / above the image by more than '
                f'{tolerance:g} px')
    if (width is not None and x1 > width + tolerance) or (
            height is not None and y1 > height + tolerance):
        return (f'extends past the image border by more than '
                f'{tolerance:g} px')
    cx0, cy0 = max(x0, 0.0), max(y0, 0.0)
    cx1 = x1 if width is None else min(x1, width)
    cy1 = y1 if height is None else min(y1, height)
    if cx1 <= cx0 or cy1 <= cy0:
        return 'is empty once clipped to the image'
    return None


def _raise_box_error(index, box, width, height, reason, where):
    values = ', '.join(f'{float(v):g}' for v in box)
    size = ('' if width is None else
            f' in a {width:g}x{height:g} (WxH) image')
    raise WSOLDataError(f'box {index} ({values}){size}: {reason}',
                        where=where)


def check_box(box: Sequence[float],
              where: str,
              width: Optional[float] = None,
              height: Optional[float] = None,
              tolerance: float = BOX_TOLERANCE) -> Tuple[np.ndarray, bool]:
    """Validate one ``x0, y0, x1, y1`` box and clip small overshoots.

    Args:
        box (Sequence[float]): The box, continuous pixel coordinates.
        where (str): Location for the error message (``file:line``).
        width (float, optional): Image width; ``None`` when unknown (then
            only the order and the lower bound 0 are checked).
        height (float, optional): Image height, likewise.
        tolerance (float): Pixels a coordinate may lie outside
            ``[0, W] x [0, H]`` and still be clipped instead of rejected.

    Returns:
        tuple[np.ndarray, bool]: The (clipped) box as ``float32 (4,)`` and
        whether it was clipped.
    """
    box = [float(v) for v in box]
    reason = _box_error(box, width, height, tolerance)
    if reason is not None:
        _raise_box_error(0, box, width, height, reason, where)
    upper = [width, height, width, height]
    clipped = [
        max(v, 0.0) if u is None else min(max(v, 0.0), u)
        for v, u in zip(box, upper)
    ]
    return np.array(clipped, dtype=np.float32), clipped != box


def check_and_clip_boxes(boxes: np.ndarray,
                         where: str,
                         width: Optional[float] = None,
                         height: Optional[float] = None,
                         tolerance: float = BOX_TOLERANCE
                         ) -> Tuple[np.ndarray, int]:
    """Validate ``(k, 4)`` ``x0, y0, x1, y1`` boxes of one image.

    The rule of :func:`check_box`, vectorised. ``width``/``height`` ``None``
    means the image size is not known yet.

    Returns:
        tuple[np.ndarray, int]: ``float32 (k, 4)`` boxes, clipped to the
        image, and the number of boxes that were clipped.

    Raises:
        WSOLDataError: naming ``where`` and the box index and values.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(boxes) == 0:
        return boxes.astype(np.float32), 0
    upper = np.full(4, np.inf)
    if width is not None:
        upper[0::2] = width
    if height is not None:
        upper[1::2] = height
    with np.errstate(invalid='ignore'):
        clipped = np.clip(boxes, 0, upper)
        bad = (~np.isfinite(boxes).all(axis=1)
               | (boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])
               | (boxes[:, :2] < -tolerance).any(axis=1)
               | (boxes > upper + tolerance).any(axis=1)
               | (clipped[:, 2] <= clipped[:, 0])
               | (clipped[:, 3] <= clipped[:, 1]))
    if bad.any():
        i = int(np.argmax(bad))
        box = boxes[i].tolist()
        _raise_box_error(i, box, width, height,
                         _box_error(box, width, height, tolerance), where)
    n_clipped = int((clipped != boxes).any(axis=1).sum())
    return clipped.astype(np.float32), n_clipped


def parse_voc_xml(path: str, backend_args: Optional[dict] = None) -> Dict:
    """Read a Pascal-VOC style XML box annotation (ImageNet's val boxes).

    Line numbers are kept so that errors can name them.

    Returns:
        dict: ``filename`` (str or None), ``size`` (``(w, h, line)`` or
        None), ``objects``: list of dicts with ``name``, ``box``
        (``x0, y0, x1, y1`` floats as written: ``xmin, ymin, xmax, ymax``)
        and ``line`` (the line of the ``<object>`` tag).

    Raises:
        WSOLDataError: missing file, malformed XML, an object without a name
        or a complete numeric ``<bndbox>``, a non-numeric size.
    """
    try:
        data = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError:
        raise WSOLDataError('annotation file not found', file=path) from None

    parser = expat.ParserCreate()
    stack: List[str] = []
    texts: List[List[str]] = []
    fields: Dict[str, Tuple[str, int]] = {}
    objects: List[Dict] = []

    def start(name, attrs):
        stack.append(name)
        texts.append([])
        tag_path = '/'.join(stack[1:])
        if tag_path == 'object':
            objects.append(
                dict(line=parser.CurrentLineNumber, fields={}))

    def end(name):
        tag_path = '/'.join(stack[1:])
        text = ''.join(texts.pop()).strip()
        stack.pop()
        entry = (text, parser.CurrentLineNumber)
        if tag_path.startswith('object/') and objects:
            objects[-1]['fields'].setdefault(tag_path[len('object/'):], entry)
        else:
            fields.setdefault(tag_path, entry)

    def chars(data):
        if texts:
            texts[-1].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise WSOLDataError(
            f'malformed XML: {expat.ErrorString(exc.code)}',
            file=path,
            line=exc.lineno) from None

    size = None
    if 'size/width' in fields or 'size/height' in fields:
        w_text, w_line = fields.get('size/width', ('', 0))
        h_text, h_line = fields.get('size/height', ('', 0))
        w = parse_int(w_text, 'size/width', path, w_line or h_line)
        h = parse_int(h_text, 'size/height', path, h_line or w_line)
        if w <= 0 or h <= 0:
            raise WSOLDataError(
                f'image size must be positive, got {w}x{h}',
                file=path,
                line=w_line)
        size = (w, h, w_line)

    parsed_objects = []
    for obj in objects:
        ofields, oline = obj['fields'], obj['line']
        name = ofields.get('name', ('', oline))[0]
        if not name:
            raise WSOLDataError(
                '<object> has no <name>', file=path, line=oline)
        box = []
        for key in ('xmin', 'ymin', 'xmax', 'ymax'):
            if f'bndbox/{key}' not in ofields:
                raise WSOLDataError(
                    f'<object> has no <bndbox><{key}>', file=path, line=oline)
            text, line = ofields[f'bndbox/{key}']
            box.append(parse_float(text, key, path, line))
        parsed_objects.append(dict(name=name, box=box, line=oline))
    filename = fields.get('filename', (None, 0))[0] or None
    return dict(filename=filename, size=size, objects=parsed_objects)


def as_box_array(boxes: Union[Sequence, np.ndarray]) -> np.ndarray:
    """``float32 (k, 4)``, also for an empty list."""
    return np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
