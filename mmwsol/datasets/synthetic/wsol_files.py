"""The benchmark's files: the CUB-200-2011 layout written by
:func:`write_synthetic_wsol`, and :func:`prepare_synthetic_wsol`, which
generates them into the cache on first use."""
import os.path as osp
import time
from typing import Dict, Optional, Tuple

import numpy as np

from .cache import default_cache_root, prepare_generated
from .params import to_params
from .writing import (make_empty_dir, render_plan, write_info, write_lines,
                      write_png)
from .wsol_generator import (PART_BACKGROUND, PART_BODY, PART_HEAD,
                             SyntheticWSOLGenerator)

#: The json a finished benchmark folder holds, written last (params,
#: fingerprint, class designs, counts).
INFO_FILE = 'synthetic_wsol.json'

#: Sub-folder (itself in the CUB layout, every image ``is_train = 0``) of
#: the held-out ``train_fullsup`` images.
TRAIN_FULLSUP_DIR = 'train_fullsup'


def _fmt_box(image_id, box):
    x0, y0, x1, y1 = (float(v) for v in box)
    return f'{image_id} {x0:.1f} {y0:.1f} {x1 - x0:.1f} {y1 - y0:.1f}'


def _render_and_write(gen: SyntheticWSOLGenerator, out_dir: str,
                      item: dict) -> Tuple[Dict[str, str], float]:
    """Render one planned image, write its PNGs (held-out images into the
    ``train_fullsup/`` sub-folder), return its txt rows."""
    sample = gen.render(item['image_id'], item['label'])
    rel = item['relpath']
    if item['split'] == 'train_fullsup':
        out_dir = osp.join(out_dir, TRAIN_FULLSUP_DIR)
    write_png(osp.join(out_dir, 'images', rel), sample.img)
    write_png(
        osp.join(out_dir, 'segmentations', rel),
        np.where(sample.part_map > 0, 255, 0).astype(np.uint8))
    write_png(osp.join(out_dir, 'part_masks', rel), sample.part_map)
    i = item['image_id']
    rows = dict(
        images=f'{i} {rel}',
        image_class_labels=f'{i} {item["label"] + 1}',
        train_test_split=f'{i} {int(item["is_train"])}',
        bounding_boxes=_fmt_box(i, sample.bbox),
        head_boxes=_fmt_box(i, sample.head_bbox))
    return rows, sample.meta['head_fraction']


def write_synthetic_wsol(out_dir: str,
                         params=None,
                         num_workers: int = 0) -> dict:
    """Write the whole dataset into ``out_dir`` (created; must be empty).

    Layout (CUB-200-2011, ids 1-based, paths relative to ``images/``)::

        out_dir/
        ├── images/<NNN.classname>/<classname>_<id>.png   BGR PNG
        ├── segmentations/<same relpath>                  0/255 object mask
        ├── part_masks/<same relpath>                     0 bg, 1 body, 2 head
        ├── images.txt              "id relpath"
        ├── image_class_labels.txt  "id label" (label 1-based)
        ├── train_test_split.txt    "id is_train" (1 train, 0 test)
        ├── bounding_boxes.txt      "id x y w h": the tight box of the mask,
        │                           x0 = x = min col, x1 = x + w = max col + 1
        ├── head_boxes.txt          "id x y w h" of the head part, same rule
        ├── classes.txt             "id name"
        ├── synthetic_wsol.json     params, version, class designs, counts
        └── train_fullsup/          the held-out images (ids after all of
                                    the above) in the same layout, every
                                    is_train 0; only with
                                    train_fullsup_per_class > 0

    The files do not depend on ``num_workers``.

    Args:
        out_dir (str): Target folder.
        params (SyntheticWSOLParams | dict | None): Generator parameters.
        num_workers (int): Worker processes (0: render in this process).

    Returns:
        dict: The content of ``synthetic_wsol.json`` plus ``seconds``, the
        generation time.
    """
    start = time.perf_counter()
    gen = SyntheticWSOLGenerator(params)
    make_empty_dir(out_dir)
    plan = gen.plan()
    results = render_plan(gen, _render_and_write, out_dir, plan, num_workers,
                          'synthetic WSOL images')
    head_fracs = [frac for item, (_, frac) in zip(plan, results)
                  if item['split'] != 'train_fullsup']
    for folder, splits in ((out_dir, ('train', 'test')),
                           (osp.join(out_dir, TRAIN_FULLSUP_DIR),
                            ('train_fullsup', ))):
        chosen = [rows for item, (rows, _) in zip(plan, results)
                  if item['split'] in splits]
        if not chosen:
            continue
        for name in chosen[0]:
            write_lines(
                osp.join(folder, f'{name}.txt'),
                (rows[name] for rows in chosen))
        write_lines(
            osp.join(folder, 'classes.txt'),
            (f'{k + 1} {name}' for k, name in enumerate(gen.classes)))
    p = gen.params
    return write_info(
        out_dir, INFO_FILE, p, start,
        classes=[
            dict(
                id=k + 1,
                name=name,
                head_pattern=design[0],
                **(dict(head_colours=list(design[1:]),
                        body_hue_centre=gen.class_hue_centre(k))
                   if p.class_cue == 'design' else dict(
                       head_outline=design[1])))
            for k, (name, design) in enumerate(zip(gen.classes,
                                                   gen.head_designs))
        ],
        part_labels=dict(
            background=PART_BACKGROUND, body=PART_BODY, head=PART_HEAD),
        num_train=p.num_classes * p.train_per_class,
        num_test=p.num_classes * p.test_per_class,
        num_train_fullsup=p.num_classes * p.train_fullsup_per_class,
        head_fraction_mean=float(np.mean(head_fracs)))


def prepare_synthetic_wsol(params=None,
                           cache_root: Optional[str] = None,
                           data_root: Optional[str] = None,
                           num_workers: int = 0) -> str:
    """Return the folder of the synthetic WSOL benchmark, generating it on
    first use (:func:`.cache.prepare_generated`; without ``data_root`` the
    folder is ``<cache_root>/v<version>-<hash of params>``).

    Args:
        params (SyntheticWSOLParams | dict | None): Generator parameters.
        cache_root (str, optional): Defaults to
            :func:`.cache.default_cache_root`.
        data_root (str, optional): Explicit dataset folder instead of the
            cache.
        num_workers (int): Worker processes for the generation.

    Returns:
        str: The dataset root, in the CUB-200-2011 layout.
    """
    return prepare_generated(
        to_params(params),
        write_synthetic_wsol,
        INFO_FILE,
        cache_root=cache_root or default_cache_root(),
        data_root=data_root,
        num_workers=num_workers)
