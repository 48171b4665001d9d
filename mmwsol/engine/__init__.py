# mmpretrain's hooks and optimizers fill the parent registries that configs
# fall back to (VisualizationHook, EMAHook, LARS, ...); parent look-ups do
# not import.
import mmpretrain.engine  # noqa: F401

from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .checkpoint import *  # noqa: F401,F403
from .pipeline import *  # noqa: F401,F403
