# mmpretrain's models fill the parent registry that configs fall back to
# (VGG, ResNet, ImageClassifier, ...); parent look-ups do not import.
import mmpretrain.models  # noqa: F401

from .heads import *  # noqa: F401,F403
from .localizers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
