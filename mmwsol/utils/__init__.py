from .dist_utils import setup_cpu_distributed, teardown_distributed
from .setup_env import register_all_modules

__all__ = [
    'register_all_modules', 'setup_cpu_distributed', 'teardown_distributed'
]
