from .cam import CAM
from .lowcam import LowCAM

__all__ = ['CAM', 'LowCAM']
