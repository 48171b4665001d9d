"""TensorBoard logging that is skipped, with one warning, when TensorBoard
is not installed."""
import logging

from mmengine.logging import print_log
from mmengine.visualization import TensorboardVisBackend
from mmengine.visualization.vis_backend import force_init_env

from mmwsol.registry import VISBACKENDS


@VISBACKENDS.register_module()
class OptionalTensorboardVisBackend(TensorboardVisBackend):
    """mmengine's ``TensorboardVisBackend`` when ``tensorboard`` is
    installed, a logged no-op when it is not.

    mmengine's backend raises ``ImportError`` on its first use (the runner
    adds the config at the start of training) when ``torch.utils.
    tensorboard`` cannot be imported, which stops the run. This backend
    catches that once, logs a warning that names the package to install
    and then ignores every ``add_*`` call, so a config can list it next to
    ``LocalVisBackend`` by default (see ``configs/_base_/
    default_runtime.py``): scalars, images and the config go to
    ``<work_dir>/<timestamp>/vis_data`` as event files where TensorBoard is
    available, and the run goes on without them elsewhere.

    Args:
        save_dir (str): Directory of the event files (the runner sets it to
            ``<work_dir>/<timestamp>/vis_data``).
    """

    def _init_env(self):
        try:
            super()._init_env()
        except ImportError as exc:
            self._tensorboard = None
            print_log(
                'OptionalTensorboardVisBackend: TensorBoard is not '
                f'available ({exc}); nothing is logged to TensorBoard. '
                'Install it with `pip install tensorboard` to get event '
                f'files in {self._save_dir}.',
                logger='current',
                level=logging.WARNING)

    @property
    def available(self) -> bool:
        """Whether TensorBoard could be imported (initialises the
        backend)."""
        return self.experiment is not None

    @force_init_env
    def add_config(self, config, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_config(config, **kwargs)

    @force_init_env
    def add_image(self, name, image, step=0, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_image(name, image, step, **kwargs)

    @force_init_env
    def add_scalar(self, name, value, step=0, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_scalar(name, value, step, **kwargs)

    @force_init_env
    def add_scalars(self, scalar_dict, step=0, file_path=None,
                    **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_scalars(scalar_dict, step, file_path, **kwargs)

    def close(self) -> None:
        if getattr(self, '_tensorboard', None) is not None:
            super().close()
