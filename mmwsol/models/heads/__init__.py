from .bas_generator_head import BASGeneratorHead
from .lowcam_head import LowCAMHead
from .spg_head import SPGHead

__all__ = ['BASGeneratorHead', 'LowCAMHead', 'SPGHead']
