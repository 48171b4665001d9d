from .acol import ACoL
from .adl import ADL
from .bas import BAS
from .cam import CAM
from .lowcam import LowCAM
from .post_hoc_cam import PostHocCAM
from .spg import SPG

__all__ = ['ACoL', 'ADL', 'BAS', 'CAM', 'LowCAM', 'PostHocCAM', 'SPG']
