from .dist_utils import setup_cpu_distributed, teardown_distributed
from .options import check_choice
from .project_root import add_project_root
from .setup_env import register_all_modules

__all__ = [
    'add_project_root', 'check_choice', 'register_all_modules',
    'setup_cpu_distributed', 'teardown_distributed'
]
