from .area_loss import AreaLoss
from .weighted_entropy_loss import WeightedEntropyLoss

__all__ = ['AreaLoss', 'WeightedEntropyLoss']
