"""mmwsol's models by name (the model index) and by config, as
mmpretrain's ``get_model`` / ``list_models`` / ``ModelHub``.

The names are those of ``model-index.yml`` (the config file stems, e.g.
``lowcam_tiny_synthetic``): the copy installed with the package
(``mmwsol/.mim/model-index.yml``) when there is one, else the one at the
repository root (editable installs). Config paths in the index are relative
to the index file's folder.
"""
import copy
import fnmatch
import os
import os.path as osp
import warnings
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mmwsol.engine.checkpoint import read_checkpoint
from mmwsol.registry import DATASETS, MODELS
from mmwsol.utils.project_root import add_project_root

__all__ = [
    'ModelHub', 'default_model_index', 'get_model', 'list_models',
    'load_localizer_checkpoint'
]

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: where the index is looked for, first match wins: the package data
#: (mim's ``.mim`` folder), then the repository root of an editable install
MODEL_INDEX_CANDIDATES = (
    osp.join(PACKAGE_DIR, '.mim', 'model-index.yml'),
    osp.join(osp.dirname(PACKAGE_DIR), 'model-index.yml'),
)


def default_model_index() -> Optional[str]:
    """The model index mmwsol reads names from: the first existing file of
    :data:`MODEL_INDEX_CANDIDATES`, or None."""
    for path in MODEL_INDEX_CANDIDATES:
        if osp.isfile(path):
            return path
    return None


class ModelHub:
    """The models of one ``model-index.yml`` (and the metafiles it
    imports), by lower-case name.

    Args:
        model_index (str): the index file.
        config_prefix (str, optional): folder the index's relative
            ``Config`` (and local ``Weights``) paths start from; the index
            file's folder by default.

    Raises:
        FileNotFoundError: the index does not exist.
        ValueError: two models have the same name.
    """

    _default: Dict[str, 'ModelHub'] = {}

    def __init__(self,
                 model_index: Union[str, os.PathLike],
                 config_prefix: Optional[str] = None) -> None:
        from modelindex.load_model_index import load
        model_index = str(model_index)
        if not osp.isfile(model_index):
            raise FileNotFoundError(f'model index not found: {model_index}')
        self.model_index = model_index
        prefix = config_prefix or osp.dirname(osp.abspath(model_index))
        index = load(model_index)
        index.build_models_with_collections()
        self.models = {}
        for metainfo in index.models:
            name = metainfo.name.lower()
            if name in self.models:
                raise ValueError(
                    f'model name {metainfo.name!r} is defined twice: in '
                    f'{metainfo.filepath} and '
                    f'{self.models[name].filepath}.')
            metainfo.config = self._expand(metainfo.config, prefix)
            weights = metainfo.weights
            if weights and '://' not in weights:
                metainfo.weights = self._expand(weights, prefix)
            self.models[name] = metainfo

    @staticmethod
    def _expand(path: Optional[str], prefix: str) -> Optional[str]:
        if path is None or osp.isabs(path):
            return path
        return osp.abspath(osp.join(prefix, path))

    @classmethod
    def default(cls) -> Optional['ModelHub']:
        """The hub of :func:`default_model_index` (read once), or None when
        there is no index."""
        path = default_model_index()
        if path is None:
            return None
        if path not in cls._default:
            cls._default[path] = cls(path, config_prefix=osp.dirname(path))
        return cls._default[path]

    def names(self, pattern: Optional[str] = None) -> List[str]:
        """Sorted names, those matching the wildcard ``pattern + '*'``
        when given (as mmpretrain's ``list_models``)."""
        names = sorted(self.models)
        if pattern is not None:
            names = fnmatch.filter(names, pattern.lower() + '*')
        return names

    def has(self, name: str) -> bool:
        return name.lower() in self.models

    def get(self, name: str):
        """A copy of the ``modelindex`` model ``name`` (``config``: the
        absolute config path, ``weights``: URL, path or None).

        Raises:
            ValueError: unknown name; the message lists the known ones.
        """
        metainfo = self.models.get(name.lower())
        if metainfo is None:
            known = ', '.join(self.names()) or 'none'
            raise ValueError(
                f'unknown model name {name!r} in {self.model_index}; known '
                f'names (mmwsol.apis.list_models()): {known}. A config file '
                'path must end with .py.')
        return copy.deepcopy(metainfo)


def _hub(model_index: Optional[str]) -> ModelHub:
    if model_index is not None:
        return ModelHub(model_index)
    hub = ModelHub.default()
    if hub is None:
        raise FileNotFoundError(
            'no model index: looked for '
            + ' and '.join(MODEL_INDEX_CANDIDATES)
            + '; give a config file path (.py) instead of a name.')
    return hub


def list_models(pattern: Optional[str] = None,
                model_index: Optional[str] = None) -> List[str]:
    """Names of mmwsol's models (config stems such as
    ``lowcam_tiny_synthetic``).

    Args:
        pattern (str, optional): a wildcard pattern (``'lowcam*'``);
            names matching ``pattern + '*'`` are listed.
        model_index (str, optional): read this ``model-index.yml`` instead
            of :func:`default_model_index`.

    Returns:
        list[str]: sorted names; empty when there is no index.
    """
    if model_index is None and default_model_index() is None:
        return []
    return _hub(model_index).names(pattern)


def load_localizer_checkpoint(model: nn.Module,
                              checkpoint: str,
                              strict: bool = True,
                              where: str = 'get_model') -> dict:
    """Read ``checkpoint`` (a path, ``mmwsol://NAME`` or a URL) into
    ``model`` with mmengine's loaders (``'module.'`` prefixes removed).

    Returns:
        dict: the loaded checkpoint (a state dict or a Runner checkpoint).

    Raises:
        FileNotFoundError: no such local file.
        RuntimeError: the file cannot be read (corrupt or truncated), or
            its tensors do not fit the model (strict); both name the file.
    """
    checkpoint = str(checkpoint)
    if '://' not in checkpoint and not osp.isfile(
            osp.expanduser(checkpoint)):
        raise FileNotFoundError(
            f'{where}: checkpoint file not found: {checkpoint}')
    loaded = read_checkpoint(checkpoint, f'{where}: checkpoint {checkpoint}')
    if not isinstance(loaded, dict):
        raise RuntimeError(
            f'{where}: checkpoint {checkpoint} holds a '
            f'{type(loaded).__name__}, not a state dict.')
    try:
        _load_checkpoint_to_model(
            model, loaded, strict=strict, logger='current')
    except RuntimeError as exc:
        raise RuntimeError(
            f'{where}: checkpoint {checkpoint} does not fit the model: '
            f'{exc}') from exc
    return loaded


def _dataset_class_meta(config: Config) -> dict:
    try:
        dataset_cls = DATASETS.get(config.test_dataloader.dataset.type)
    except (AttributeError, KeyError, TypeError):
        return {}
    meta = getattr(dataset_cls, 'METAINFO', None) or {}
    return dict(meta) if meta.get('classes') else {}


def _checkpoint_dataset_meta(checkpoint: dict) -> dict:
    meta = checkpoint.get('meta', {}) or {}
    if meta.get('dataset_meta'):
        return dict(meta['dataset_meta'])
    if meta.get('CLASSES'):
        return {'classes': tuple(meta['CLASSES'])}
    return {}


def get_model(model: Union[str, os.PathLike, Config],
              pretrained: Union[bool, str, None] = False,
              device: Union[str, torch.device, None] = None,
              cfg_options: Optional[dict] = None,
              strict: bool = True,
              model_index: Optional[str] = None) -> nn.Module:
    """Build a WSOL model (LowCAM, CAM, ...) for inference, by name, config
    file or loaded config.

    Args:
        model (str | Config): a name of :func:`list_models`, a config file
            (``.py``) or a loaded ``Config``; its ``model`` builds the
            localizer and its ``test_dataloader.dataset.pipeline`` prepares
            the images.
        pretrained (bool | str): a checkpoint (path, ``mmwsol://NAME`` or
            URL; a Runner checkpoint or a plain state dict), read strictly
            by default; ``True``: the index's ``Weights`` of a name (the
            config's ``load_from`` for a config). Without weights the model
            keeps PyTorch's default initialisation (no ``init_cfg``,
            nothing is downloaded), with a warning.
        device (str | torch.device, optional): where the model runs;
            ``'cpu'`` by default.
        cfg_options (dict, optional): overrides merged into the config, as
            ``--cfg-options`` (e.g. ``{'model.test_cfg.box_threshold':
            0.3}``).
        strict (bool): strict checkpoint loading. Defaults to True.
        model_index (str, optional): look names up in this
            ``model-index.yml`` instead of :func:`default_model_index`.

    Returns:
        nn.Module: the model in eval mode on ``device``, with ``cfg`` (the
        config; also ``_config`` as mmpretrain's inferencers read it),
        ``dataset_meta`` (``{'classes': ...}`` from the checkpoint's meta
        when present, else the test dataset class's ``METAINFO``, else
        ``{}``; also ``_dataset_meta``) and ``_metainfo`` (the index entry
        of a name, else None).

    Raises:
        FileNotFoundError: no such config or checkpoint file.
        TypeError: ``model`` is none of the above.
        ValueError: an unknown name, or a config without ``model``.
        RuntimeError: a corrupt or truncated checkpoint, or one that does
            not fit the model.
    """
    metainfo = None
    if isinstance(model, Config):
        config = copy.deepcopy(model)
    elif isinstance(model, (str, os.PathLike)) and str(model).endswith(
            '.py'):
        if not osp.isfile(model):
            raise FileNotFoundError(f'get_model: config file not found: '
                                    f'{model}')
        add_project_root(model)  # a projects/ config's custom_imports
        config = Config.fromfile(str(model))
    elif isinstance(model, str):
        metainfo = _hub(model_index).get(model)
        config = Config.fromfile(metainfo.config)
    else:
        raise TypeError('get_model: model must be a model name, a config '
                        f'file path or a Config, got {type(model).__name__}.')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    if 'model' not in config:
        raise ValueError(
            f'get_model: the config {config.filename} has no `model`.')

    if pretrained is True:
        pretrained = metainfo.weights if metainfo is not None else \
            config.get('load_from')
        if not pretrained:
            warnings.warn(f'get_model: {model} has no pre-defined weights '
                          '(no checkpoint given); the model has random '
                          'weights.')
    elif not pretrained:
        warnings.warn(
            'get_model: no checkpoint given; the model has random weights.')
    pretrained = pretrained or None

    init_default_scope(config.get('default_scope', 'mmwsol'))
    model_cfg = copy.deepcopy(config.model)
    if config.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', config.data_preprocessor)
    localizer = MODELS.build(model_cfg)

    dataset_meta = {}
    if pretrained is not None:
        checkpoint = load_localizer_checkpoint(
            localizer, pretrained, strict=strict,
            where=f'get_model({config.filename})')
        dataset_meta = _checkpoint_dataset_meta(checkpoint)
    dataset_meta = dataset_meta or _dataset_class_meta(config)

    localizer.cfg = localizer._config = config
    localizer.dataset_meta = localizer._dataset_meta = dataset_meta
    localizer._metainfo = metainfo
    localizer.to(device or 'cpu')
    localizer.eval()
    return localizer
