"""The split plans: which images a generated set holds, in id order.

Every item is a dict with ``image_id`` (1-based; it seeds the image's own
random stream, so an image never changes when other images are added),
``label`` (0-based), ``split`` and ``relpath`` (where the writer puts it).
"""
from typing import List, Sequence


def wsol_plan(params, classes: Sequence[str]) -> List[dict]:
    """Every image of the benchmark (:class:`.SyntheticWSOLParams`).

    Images are ordered class by class; within a class the first
    ``train_per_class`` are training images (``split`` ``'train'``), the
    next ``test_per_class`` test images (``'test'``). The held-out
    ``'train_fullsup'`` images follow all of them, class by class, so their
    number never changes another image. Items also hold ``is_train``;
    ``relpath`` is relative to ``images/`` (CUB-200-2011's
    ``<NNN.class>/<class>_<id>.png``).
    """
    p = params
    items = []

    def add(image_id, label, split):
        items.append(
            dict(
                image_id=image_id,
                label=label,
                split=split,
                is_train=split == 'train',
                relpath='{:03d}.{}/{}_{:05d}.png'.format(
                    label + 1, classes[label], classes[label], image_id)))

    image_id = 1
    for label in range(p.num_classes):
        for k in range(p.train_per_class + p.test_per_class):
            add(image_id, label, 'train' if k < p.train_per_class else 'test')
            image_id += 1
    for label in range(p.num_classes):
        for _ in range(p.train_fullsup_per_class):
            add(image_id, label, 'train_fullsup')
            image_id += 1
    return items


def pretrain_plan(params, classes: Sequence[str]) -> List[dict]:
    """Every image of the pretraining set (:class:`.SyntheticPretrainParams`):
    class by class, the first ``train_per_class`` are ``'train'``, the next
    ``val_per_class`` ``'val'``; ``relpath`` is relative to the set's root
    (``<split>/<NN.class>/<class>_<id>.png``, mmpretrain's
    ``CustomDataset`` layout)."""
    p = params
    items, image_id = [], 1
    for label, name in enumerate(classes):
        for k in range(p.train_per_class + p.val_per_class):
            split = 'train' if k < p.train_per_class else 'val'
            items.append(
                dict(
                    image_id=image_id,
                    label=label,
                    split=split,
                    relpath=f'{split}/{label + 1:02d}.{name}/'
                    f'{name}_{image_id:05d}.png'))
            image_id += 1
    return items
