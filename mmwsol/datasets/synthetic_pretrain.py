"""A generated classification set that plays ImageNet's role for the tiny
synthetic recipes: pretrain the backbone on it, then fine-tune for WSOL on
the synthetic benchmark (as real recipes start from ImageNet weights).

The class is the object's (outline, surface texture) pair, 8 outlines x 6
textures = 48 classes, none of them a benchmark class
(:mod:`mmwsol.datasets.synthetic.pretrain_generator`); the set is larger
(9,600 training images) and has more classes than the benchmark (10), with
image labels only. Layout: :mod:`mmwsol.datasets.synthetic.pretrain_files`.
"""
import os.path as osp

from mmpretrain.datasets import CustomDataset

from mmwsol.registry import DATASETS
from .seeded_samples import SeededSamplesMixin
from .synthetic import (PRETRAIN_INFO_FILE, GeneratedDatasetMixin,
                        prepare_synthetic_pretrain)


@DATASETS.register_module()
class SyntheticPretrain(SeededSamplesMixin, GeneratedDatasetMixin,
                        CustomDataset):
    """The generated pretraining set as an mmpretrain ``CustomDataset``
    (classification, image labels only), built on first use.

    Args:
        split (str): ``'train'`` (9,600 images) or ``'val'`` (960).
        generator (dict, optional):
            :class:`~mmwsol.datasets.synthetic.SyntheticPretrainParams`.
        data_root (str, optional): Use (or build) the set in this folder
            instead of the cache.
        cache_root (str, optional): Cache folder; ignored with
            ``data_root``.
        num_workers (int): Processes used to generate the files.
        **kwargs: ``CustomDataset``'s (``pipeline``, ``test_mode``, ...).
    """

    SPLITS = ('train', 'val')
    INFO_FILE = PRETRAIN_INFO_FILE
    FIXED_KWARGS = ('data_prefix', 'ann_file', 'classes')
    prepare = staticmethod(prepare_synthetic_pretrain)

    def dataset_kwargs(self, root: str, split: str, **kwargs) -> dict:
        with open(osp.join(root, 'classes.txt')) as f:
            classes = [line.strip() for line in f if line.strip()]
        return dict(
            data_root=root,
            data_prefix=split,
            metainfo=dict(classes=classes),
            **kwargs)
