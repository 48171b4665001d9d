from .activation_map_generator import ActivationMapGenerator

__all__ = ['ActivationMapGenerator']
