from .area_loss import AreaLoss
from .background_activation_loss import BackgroundActivationLoss
from .seed_bce_loss import SeedBCELoss
from .weighted_entropy_loss import WeightedEntropyLoss

__all__ = [
    'AreaLoss', 'BackgroundActivationLoss', 'SeedBCELoss',
    'WeightedEntropyLoss'
]
