"""mmwsol: weakly supervised object localization for the OpenMMLab stack."""
import warnings

from .version import __version__, version_info

MMCV_MIN, MMCV_MAX = '2.0.0', '2.4.0'
MMENGINE_MIN, MMENGINE_MAX = '0.10.0', '1.0.0'


def _check_dependencies():
    """Fail early, with the fix in the message, when mmcv/mmengine are off.

    mmcv is not a hard dependency of the wheel (see pyproject.toml): full
    mmcv and mmcv-lite both provide the ``mmcv`` package, and installing one
    over the other breaks the compiled ops of the first.
    """
    try:
        import mmcv
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            'mmwsol needs mmcv>={},<{}, which is not installed. Install the '
            'pure-Python build with `pip install "mmcv-lite=={}"` (or '
            '`pip install "mmwsol[lite]"`), or keep the full mmcv you '
            'already have.'.format(MMCV_MIN, MMCV_MAX, '2.2.0')) from exc
    import mmengine
    from mmengine.utils import digit_version

    for name, mod, low, high in (('mmcv', mmcv, MMCV_MIN, MMCV_MAX),
                                 ('mmengine', mmengine, MMENGINE_MIN,
                                  MMENGINE_MAX)):
        ver = digit_version(mod.__version__)
        if not digit_version(low) <= ver < digit_version(high):
            raise ImportError(
                f'{name}=={mod.__version__} is installed but mmwsol needs '
                f'{name}>={low},<{high}.')


_check_dependencies()

# mmcv-lite has no compiled ops; mmpretrain's import of mmcv's transformer
# bricks warns about that on every start. mmwsol never uses those ops.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')

# Registers the checkpoint loader that copes with torch>=2.6's
# ``weights_only=True`` default; light (torch + mmengine only).
from .engine.checkpoint import checkpoint_loader  # noqa: E402,F401

__all__ = ['__version__', 'version_info']
