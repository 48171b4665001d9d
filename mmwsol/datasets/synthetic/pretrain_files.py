"""The pretraining set's files, in mmpretrain's ``CustomDataset`` layout
(one sub-folder per class)::

    data_root/
    ├── train/<NN.outline_texture>/<outline_texture>_<id>.png
    ├── val/<NN.outline_texture>/...
    ├── classes.txt
    └── synthetic_pretrain.json     params, fingerprint, classes, counts

written by :func:`write_synthetic_pretrain`, generated into the cache on
first use by :func:`prepare_synthetic_pretrain`.
"""
import os.path as osp
import time
from typing import Optional

from .cache import default_cache_root, prepare_generated
from .params import SyntheticPretrainParams, params_from
from .pretrain_generator import SyntheticPretrainGenerator
from .writing import (make_empty_dir, render_plan, write_info, write_lines,
                      write_png)

#: The json a finished pretraining folder holds, written last.
PRETRAIN_INFO_FILE = 'synthetic_pretrain.json'


def _render_and_write_pretrain(gen, out_dir, item):
    write_png(
        osp.join(out_dir, item['relpath']),
        gen.render_image(item['image_id'], item['label']))
    return item['split']


def write_synthetic_pretrain(out_dir: str,
                             params=None,
                             num_workers: int = 0) -> dict:
    """Write the whole pretraining set into ``out_dir`` (empty or new).

    Returns:
        dict: the content of ``synthetic_pretrain.json`` plus ``seconds``.
    """
    start = time.perf_counter()
    gen = SyntheticPretrainGenerator(params)
    p = gen.params
    make_empty_dir(out_dir)
    render_plan(gen, _render_and_write_pretrain, out_dir, gen.plan(),
                num_workers, 'synthetic pretraining images')
    write_lines(
        osp.join(out_dir, 'classes.txt'),
        (f'{k + 1:02d}.{name}' for k, name in enumerate(gen.classes)))
    return write_info(
        out_dir, PRETRAIN_INFO_FILE, p, start,
        classes=gen.classes,
        num_train=p.num_classes * p.train_per_class,
        num_val=p.num_classes * p.val_per_class)


def prepare_synthetic_pretrain(params=None,
                               cache_root: Optional[str] = None,
                               data_root: Optional[str] = None,
                               num_workers: int = 0) -> str:
    """The folder of the pretraining set, generated on first use into
    ``<cache_root>/v<version>-<hash>`` (``$MMWSOL_CACHE`` or
    ``~/.cache/mmwsol``, then ``synthetic_pretrain/``)."""
    return prepare_generated(
        params_from(params, SyntheticPretrainParams),
        write_synthetic_pretrain,
        PRETRAIN_INFO_FILE,
        cache_root=cache_root or default_cache_root('synthetic_pretrain'),
        data_root=data_root,
        num_workers=num_workers)
