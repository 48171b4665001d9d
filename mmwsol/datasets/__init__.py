# mmpretrain's datasets and transforms fill the parent registries
# (Resize, CenterCrop, RandomFlip, PackInputs, ...).
import mmpretrain.datasets  # noqa: F401

from .base_wsol_dataset import BaseWSOLDataset
from .coco_wsol import CocoWSOLDataset
from .cub import CUB200WSOL
from .imagenet import ImageNetWSOL
from .samplers import SeededSampler
from .seeded_samples import SampleIndex, SeededSamplesMixin
from .synthetic_pretrain import SyntheticPretrain
from .synthetic_wsol import SyntheticWSOL
from .transforms import *  # noqa: F401,F403
from .utils import WSOLDataError
from .verification import DataProblem, verify_dataset
from .wsol_metadata import WSOLMetadataDataset

__all__ = [
    'BaseWSOLDataset', 'CUB200WSOL', 'ImageNetWSOL', 'WSOLMetadataDataset',
    'CocoWSOLDataset', 'SyntheticWSOL', 'SyntheticPretrain', 'WSOLDataError',
    'DataProblem', 'verify_dataset', 'SampleIndex', 'SeededSampler',
    'SeededSamplesMixin'
]
