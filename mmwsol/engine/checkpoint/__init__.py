# Checkpoint loaders registered with mmengine's CheckpointLoader: local
# files under torch>=2.6 and the ``mmwsol://`` model zoo; the atomic local
# file backend that mmengine writes checkpoints through.
from .atomic_local_backend import (AtomicLocalBackend, AtomicWriteError,
                                   write_atomically)
from .checkpoint_loader import (MODEL_ZOO_SCHEME, CheckpointReadError,
                                load_local_checkpoint,
                                load_model_zoo_checkpoint,
                                model_zoo_cache_path, read_checkpoint,
                                resolve_model_zoo)

__all__ = [
    'AtomicLocalBackend', 'AtomicWriteError', 'write_atomically',
    'CheckpointReadError', 'load_local_checkpoint',
    'load_model_zoo_checkpoint', 'MODEL_ZOO_SCHEME',
    'model_zoo_cache_path', 'read_checkpoint', 'resolve_model_zoo'
]
