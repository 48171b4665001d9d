from .lowcam_head import LowCAMHead

__all__ = ['LowCAMHead']
