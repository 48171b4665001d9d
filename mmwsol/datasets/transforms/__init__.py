from .formatting import PackWSOLInputs
from .loading import LoadImageFromFile, LoadWSOLAnnotations
from .processing import CenterCrop, RandomCrop, RandomResizedCrop

__all__ = [
    'LoadImageFromFile', 'LoadWSOLAnnotations', 'RandomCrop',
    'RandomResizedCrop', 'CenterCrop', 'PackWSOLInputs'
]
