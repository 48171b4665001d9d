"""The class designs of the generated sets: what tells their classes apart.

The benchmark (:class:`~mmwsol.datasets.SyntheticWSOL`): the head of every
object carries the class, a two-colour pattern (:data:`HEAD_PATTERNS`) in a
pair of :data:`HEAD_COLOURS` (``class_cue='design'``), or a pattern in one
of the :data:`HEAD_SHAPES` outlines (``class_cue='shape'``); the bodies'
:data:`BODY_TEXTURES` are shared by every class.

The pretraining set (:class:`~mmwsol.datasets.SyntheticPretrain`): the
whole object's outline (:data:`PRETRAIN_SHAPES`) and surface texture
(:data:`PRETRAIN_TEXTURES`), none of them the benchmark's.
"""
from typing import List, Tuple

#: Head patterns; class identity never depends on their orientation, so
#: horizontal flips keep the class.
HEAD_PATTERNS = ('stripes', 'checker', 'rings')

#: Saturated head colours (BGR). Bodies use moderate saturation.
HEAD_COLOURS = (
    ('red', (40, 40, 225)),
    ('yellow', (30, 215, 235)),
    ('blue', (215, 90, 25)),
    ('white', (240, 240, 240)),
    ('black', (20, 20, 20)),
)

#: Head outlines of the ``class_cue='shape'`` variant.
HEAD_SHAPES = ('ellipse', 'square', 'triangle', 'star')

#: What tells the classes apart (``SyntheticWSOLParams.class_cue``).
CLASS_CUES = ('design', 'shape')

#: Texture families shared by bodies and background clutter.
BODY_TEXTURES = ('mottled', 'stripes', 'spots', 'scales')

#: Object outlines of the pretraining classes.
PRETRAIN_SHAPES = ('pentagon', 'hexagon', 'cross', 'bar', 'crescent',
                   'annulus', 'clover', 'semicircle')

#: Surface textures of the pretraining classes.
PRETRAIN_TEXTURES = ('dots', 'waves', 'grid', 'zigzag', 'bricks', 'speckle')


def head_combinations() -> List[Tuple[str, str, str]]:
    """All (pattern, colour_a, colour_b) head designs, in class order.

    The order is fixed (it does not depend on the seed). It walks the 10
    unordered colour pairs once per round and rotates the pattern between
    rounds, so the first 10 classes use every colour pair once and every
    pattern three or four times, and every design occurs exactly once.

    Returns:
        list[tuple[str, str, str]]: 30 designs (3 patterns x 10 pairs).
    """
    names = [name for name, _ in HEAD_COLOURS]
    pairs = [(names[i], names[j]) for i in range(len(names))
             for j in range(i + 1, len(names))]
    # Interleave the pairs so that consecutive classes share no colour where
    # possible (purely cosmetic: any fixed order works).
    pairs = pairs[0::2] + pairs[1::2]
    combos = []
    num_patterns = len(HEAD_PATTERNS)
    for rnd in range(num_patterns):
        for k, (col_a, col_b) in enumerate(pairs):
            pattern = HEAD_PATTERNS[(k + rnd) % num_patterns]
            combos.append((pattern, col_a, col_b))
    return combos


def shape_combinations() -> List[Tuple[str, str]]:
    """All (pattern, outline) head designs of ``class_cue='shape'``, in
    class order: the outline changes fastest, so the first classes use
    every outline and pattern about equally.

    Returns:
        list[tuple[str, str]]: 12 designs (3 patterns x 4 outlines).
    """
    combos = []
    for k in range(len(HEAD_PATTERNS) * len(HEAD_SHAPES)):
        outline = HEAD_SHAPES[k % len(HEAD_SHAPES)]
        pattern = HEAD_PATTERNS[(k + k // len(HEAD_SHAPES)) %
                                len(HEAD_PATTERNS)]
        combos.append((pattern, outline))
    return combos


def designs(class_cue: str = 'design') -> List[tuple]:
    """The head designs of a class cue, in class order."""
    return head_combinations() if class_cue == 'design' else \
        shape_combinations()


#: classes of the ``class_cue='design'`` benchmark (its head designs: every
#: pattern in every unordered pair of colours)
MAX_CLASSES = len(HEAD_PATTERNS) * len(HEAD_COLOURS) * (
    len(HEAD_COLOURS) - 1) // 2
#: classes of the ``class_cue='shape'`` variant (its designs, less two
#: kept for the background's distractor heads)
MAX_SHAPE_CLASSES = len(HEAD_PATTERNS) * len(HEAD_SHAPES) - 2


def check_num_classes(num_classes, class_cue: str = 'design') -> None:
    """Raise ``ValueError`` unless ``num_classes`` is an int in ``[2,
    top]``, ``top`` the number of designs ``class_cue`` has for classes."""
    top = MAX_CLASSES if class_cue == 'design' else MAX_SHAPE_CLASSES
    if not isinstance(num_classes, int) or not 2 <= num_classes <= top:
        raise ValueError(
            f'num_classes must be an int in [2, {top}] (one head design per '
            f'class with class_cue={class_cue!r}), got {num_classes!r}')


def class_names(num_classes: int, class_cue: str = 'design') -> List[str]:
    """Class names such as ``'stripes_red_yellow'`` (``'design'``) or
    ``'stripes_triangle'`` (``'shape'``), in class order."""
    check_num_classes(num_classes, class_cue)
    return ['_'.join(c) for c in designs(class_cue)[:num_classes]]


def pretrain_class_names() -> List[str]:
    """``'<outline>_<texture>'`` for every pretraining class, in class
    order (the texture changes fastest)."""
    return [f'{s}_{t}' for s in PRETRAIN_SHAPES for t in PRETRAIN_TEXTURES]
