"""The parameters that determine a generated set's files, and their
fingerprint (part of the cache folder name, see :mod:`.cache`)."""
import dataclasses
import hashlib
import json
from typing import Tuple

from .designs import (CLASS_CUES, PRETRAIN_SHAPES, PRETRAIN_TEXTURES,
                      check_num_classes)

#: Bump whenever the benchmark's rendering changes: it is part of the cache
#: folder name.
GENERATOR_VERSION = 1

#: The same for the pretraining set.
PRETRAIN_GENERATOR_VERSION = 1


def _check_count(name, value, low=1):
    if not isinstance(value, int) or value < low:
        raise ValueError(f'{name} must be an int >= {low}, got {value!r}')


@dataclasses.dataclass(frozen=True)
class GeneratorParams:
    """The params every generator has (what
    :class:`~.base_generator.BaseSyntheticGenerator` reads: the frame and
    the cluttered background), and what their params dataclasses share:
    lists (configs, JSON) are stored as tuples, :meth:`validate` runs on
    construction, and :meth:`fingerprint` hashes the values with the
    class's ``generator_version``.

    Subclasses are frozen dataclasses that set ``generator_version`` (a
    plain class attribute, not a field) and extend :meth:`validate`.

    Args:
        image_size (int): Side of the square images in pixels. Defaults
            to 112.
        seed (int): Seed of the whole set. Defaults to 0.
        num_clutter (tuple[int, int]): Inclusive range of textured background
            blobs. Defaults to (4, 7).
        num_branches (tuple[int, int]): Inclusive range of background
            branches (thick textured lines). Defaults to (1, 3).
        noise_std (float): Std of the i.i.d. pixel noise (0..255 scale).
            Defaults to 5.
    """
    generator_version = None

    image_size: int = 112
    seed: int = 0
    num_clutter: Tuple[int, int] = (4, 7)
    num_branches: Tuple[int, int] = (1, 3)
    noise_std: float = 5.0

    def __post_init__(self):
        # Accept lists (configs, JSON) but store tuples: the params are hashed.
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, list):
                object.__setattr__(self, field.name, tuple(value))
        self.validate()

    def validate(self):
        """Raise ``ValueError`` naming the argument when a value is invalid."""
        _check_count('image_size', self.image_size, 48)
        _check_count('seed', self.seed, 0)
        self._check_int_ranges('num_clutter', 'num_branches')
        if self.noise_std < 0:
            raise ValueError(f'noise_std must be >= 0, got {self.noise_std!r}')

    def _check_int_ranges(self, *names):
        for name in names:
            value = getattr(self, name)
            if (len(value) != 2 or not all(isinstance(v, int) for v in value)
                    or not 0 <= value[0] <= value[1]):
                raise ValueError(f'{name} must be (lo, hi) ints with 0 <= lo '
                                 f'<= hi, got {value!r}')

    def to_dict(self) -> dict:
        """The fields, tuples as lists (what the info json stores)."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}

    def fingerprint(self) -> str:
        """Short hash of the params and ``generator_version``."""
        text = json.dumps(
            dict(version=self.generator_version, **self.to_dict()),
            sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:10]

    @property
    def cache_name(self) -> str:
        """Folder name of this set in the cache: ``v<version>-<hash>``."""
        return f'v{self.generator_version}-{self.fingerprint()}'


@dataclasses.dataclass(frozen=True)
class SyntheticWSOLParams(GeneratorParams):
    """Everything that determines the generated benchmark's files: the
    :class:`GeneratorParams` (``image_size``, ``seed``, ``num_clutter``,
    ``num_branches``, ``noise_std``) and

    Args:
        num_classes (int): Number of classes, 2..30. Defaults to 10.
        train_per_class (int): Training images per class. Defaults to 250.
        test_per_class (int): Test images per class. Defaults to 50.
        object_scale (tuple[float, float]): Range of the body's major axis as
            a fraction of the image side. Defaults to (0.35, 0.70).
        head_fraction (tuple[float, float]): Range of the head's share of the
            object area (body + head). Defaults to (0.10, 0.20).
        body_hue_window (float): Half-width of the window the body hue is
            drawn from, in units of the spacing between class hue centres;
            1.5 means every body hue is shared by three classes (weak
            evidence). Large values remove the evidence. Defaults to 1.5.
        num_distractor_heads (tuple[int, int]): Inclusive range of heads
            with a non-class design in the background. Defaults to (0, 2).
        train_fullsup_per_class (int): Held-out images per class drawn like
            the training images, with boxes and masks, written to the
            ``train_fullsup/`` sub-folder (split ``'train_fullsup'`` of
            :class:`~mmwsol.datasets.SyntheticWSOL`): the split on which
            thresholds are calibrated, as wsolevaluation's train-fullsup.
            Never trained on. Their ids follow all train/test ids, so
            adding them leaves every train/test image unchanged. Defaults
            to 25.
        class_cue (str): What tells the classes apart. ``'design'``
            (default): the head's pattern and its pair of colours, and
            weakly the body hue. ``'shape'``: the head's pattern (a
            texture) and its outline (:data:`.designs.HEAD_SHAPES`) only;
            the head's two colours and the body hue are drawn at random for
            every image, so colour carries no class information.
    """
    generator_version = GENERATOR_VERSION

    num_classes: int = 10
    train_per_class: int = 250
    test_per_class: int = 50
    object_scale: Tuple[float, float] = (0.35, 0.70)
    head_fraction: Tuple[float, float] = (0.10, 0.20)
    body_hue_window: float = 1.5
    num_distractor_heads: Tuple[int, int] = (0, 2)
    train_fullsup_per_class: int = 25
    class_cue: str = 'design'

    def validate(self):
        """Raise ``ValueError`` naming the argument when a value is invalid."""
        if self.class_cue not in CLASS_CUES:
            raise ValueError(f'class_cue must be one of {CLASS_CUES}, got '
                             f'{self.class_cue!r}')
        check_num_classes(self.num_classes, self.class_cue)
        for name in ('train_per_class', 'test_per_class'):
            _check_count(name, getattr(self, name))
        _check_count('train_fullsup_per_class', self.train_fullsup_per_class,
                     0)
        super().validate()
        for name, low, high in (('object_scale', 0.1, 0.8),
                                ('head_fraction', 0.02, 0.5)):
            value = getattr(self, name)
            if (len(value) != 2 or not low <= value[0] <= value[1] <= high):
                raise ValueError(f'{name} must be (lo, hi) with {low} <= lo '
                                 f'<= hi <= {high}, got {value!r}')
        self._check_int_ranges('num_distractor_heads')
        if self.body_hue_window < 0:
            raise ValueError('body_hue_window must be >= 0, got '
                             f'{self.body_hue_window!r}')


@dataclasses.dataclass(frozen=True)
class SyntheticPretrainParams(GeneratorParams):
    """Everything that determines the generated pretraining files: the
    :class:`GeneratorParams` (``image_size``, ``seed``, ``num_clutter``,
    ``num_branches``, ``noise_std``, the benchmark's defaults) and

    Args:
        train_per_class (int): Training images per class. Defaults to 200.
        val_per_class (int): Validation images per class. Defaults to 20.
        object_scale (tuple[float, float]): Range of the object's size
            (circumradius x 2) over the image side. Defaults to (0.4, 0.8).
    """
    generator_version = PRETRAIN_GENERATOR_VERSION

    train_per_class: int = 200
    val_per_class: int = 20
    object_scale: Tuple[float, float] = (0.4, 0.8)

    def validate(self):
        """Raise ``ValueError`` naming the argument when a value is invalid."""
        for name in ('train_per_class', 'val_per_class'):
            _check_count(name, getattr(self, name))
        super().validate()
        lo, hi = self.object_scale
        if not 0.1 <= lo <= hi <= 1.0:
            raise ValueError('object_scale must be (lo, hi) with 0.1 <= lo '
                             f'<= hi <= 1, got {self.object_scale!r}')

    @property
    def num_classes(self) -> int:
        return len(PRETRAIN_SHAPES) * len(PRETRAIN_TEXTURES)


def params_from(params, params_cls):
    """``params_cls`` (a generator params dataclass) from itself, a dict
    (config) or None; unknown keys of a dict are an error that lists the
    known ones."""
    if params is None:
        return params_cls()
    if isinstance(params, params_cls):
        return params
    if isinstance(params, dict):
        known = [f.name for f in dataclasses.fields(params_cls)]
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ValueError(f'unknown {params_cls.__name__} params '
                             f'{unknown}; known: {known}')
        return params_cls(**params)
    raise TypeError(f'generator params must be a {params_cls.__name__}, a '
                    f'dict or None, got {type(params)}')


def to_params(params) -> SyntheticWSOLParams:
    """:class:`SyntheticWSOLParams` from itself, a dict (config) or None."""
    return params_from(params, SyntheticWSOLParams)
