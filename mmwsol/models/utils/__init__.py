from .attentive_erasing import AttentiveErasing
from .backbone_split import BackboneSplitter

__all__ = ['AttentiveErasing', 'BackboneSplitter']
