# mmpretrain's datasets and transforms fill the parent registries
# (Resize, CenterCrop, RandomFlip, PackInputs, ...).
import mmpretrain.datasets  # noqa: F401

from .transforms import *  # noqa: F401,F403
