"""Check, before any data reaches the model, that the datasets' class
lists fit the model's classifier."""
import ast
import os.path as osp
from typing import List, Optional

from mmengine.hooks import Hook

from mmwsol.registry import HOOKS


def model_num_classes(model) -> Optional[int]:
    """``head.num_classes`` of a (possibly DDP-wrapped) model, or None."""
    model = getattr(model, 'module', model)
    head = getattr(model, 'head', None)
    num = getattr(head, 'num_classes', None)
    return int(num) if num is not None else None


def dataset_description(dataset) -> str:
    """``"<class> at <ann_file or data_root>"`` (the annotation file when
    there is one: a COCO JSON says more than its folder)."""
    ann_file = getattr(dataset, 'ann_file', None)
    where = ann_file if ann_file and osp.isfile(ann_file) else None
    where = where or getattr(dataset, 'data_root', None) or ann_file
    return f'{type(dataset).__name__}' + (f' at {where}' if where else '')


def label_description(dataset, label: int) -> str:
    """``gt_label`` ``label`` as the dataset's files number it (its
    ``describe_label``, e.g. CUB: ``"class id 2 of classes.txt (gt_label
    1)"``), else ``"gt_label 1 (0-based)"``."""
    describe = getattr(dataset, 'describe_label', None)
    return describe(label) if callable(describe) else \
        f'gt_label {label} (0-based)'


def class_count_keys(cfg, num_model: int) -> List[str]:
    """Dotted keys of ``cfg`` that hold the model's class count: every
    ``*.num_classes`` equal to ``num_model`` under ``model`` and the
    top-level ``data_preprocessor``, e.g. ``['model.data_preprocessor.
    num_classes', 'model.head.num_classes']`` for a CAM config."""
    keys = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f'{path}.{key}')
                if key == 'num_classes' and value == num_model:
                    keys.append(f'{path}.{key}')
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                walk(value, f'{path}.{index}')

    for root in ('data_preprocessor', 'model'):
        if isinstance(cfg.get(root), dict):
            walk(cfg[root], root)
    return sorted(keys) or ['model.head.num_classes']


def find_assignment(config_file: str, name: str) -> Optional[str]:
    """``"<file>:<line>"`` of the top-level ``name = ...`` that a config
    file takes, looked up in the file, then in its ``_base_`` files
    (relative paths, in reverse order, as later bases win), or None."""
    if not config_file or not osp.isfile(config_file):
        return None
    with open(config_file, encoding='utf-8') as f:
        try:
            tree = ast.parse(f.read())
        except SyntaxError:
            return None
    bases = []
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if name in targets:
            return f'{config_file}:{node.lineno}'
        if '_base_' in targets:
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            bases = [value] if isinstance(value, str) else list(value)
    for base in reversed(bases):
        if '::' in base:  # a package's config: not ours to edit
            continue
        found = find_assignment(
            osp.normpath(osp.join(osp.dirname(config_file), base)), name)
        if found:
            return found
    return None


def how_to_set(cfg, num_model: int, num_data: int) -> str:
    """What to change so that the model has ``num_data`` classes: the
    config's top-level ``num_classes`` variable (file and line) when its
    value is the model's, and the keys that hold the class count."""
    keys = ['model.head.num_classes'] if cfg is None else class_count_keys(
        cfg, num_model)
    options = ' '.join(f'{key}={num_data}' for key in keys)
    where = None
    if cfg is not None and cfg.get('num_classes') == num_model:
        where = find_assignment(getattr(cfg, 'filename', None), 'num_classes')
    if where:
        text = (f'Set `num_classes = {num_data}` at {where}: the config '
                f'reads {", ".join(keys)} from it (or set those keys: '
                f'--cfg-options {options}).')
    else:
        text = f'Set the model\'s class count: --cfg-options {options}.'
    model = (cfg.get('model') if cfg is not None else None) or {}
    topk = ((model.get('head') or {}).get('area_loss') or {}).get('topk')
    if isinstance(topk, int) and topk > num_data:
        text += (f' model.head.area_loss.topk={topk} must then be at most '
                 f'{num_data}.')
    evaluator = model.get('evaluator')
    if isinstance(evaluator, dict) and evaluator.get('config'):
        text += (' The evaluator F^e (model.evaluator.config = '
                 f'{evaluator["config"]}) must classify the same '
                 f'{num_data} classes.')
    return text


@HOOKS.register_module()
class ClassCountCheckHook(Hook):
    """Refuse a dataset with more classes than the model's head.

    Without it a label ``>= head.num_classes`` fails deep inside the loss
    (an index error on the CPU, a device-side assert on CUDA) on whatever
    batch first holds one, or, at test time, Top-k figures are computed
    against a head that cannot predict the class. The check runs once per
    dataloader at the start of training, validation and testing (no cost
    per iteration). A dataset with *fewer* classes than the head (e.g. a
    small synthetic variant) is legal and only logged as a warning, unless
    ``exact=True``.

    The class count of a dataset is ``len(dataset.metainfo['classes'])``
    (for CUB, the lines of ``classes.txt``; for a COCO JSON, its
    ``categories``); the model's is ``model.head.num_classes``. Models
    without either are not checked. The error says what to set: the
    config's top-level ``num_classes`` variable, by file and line, when the
    config has one (configs/_base_/datasets/coco_wsol_example.py), and the
    keys that hold the class count (:func:`class_count_keys`).

    Args:
        exact (bool): also refuse fewer classes than the head, and class
            lists that differ between the train, val and test datasets
            (e.g. two COCO JSONs whose ``categories`` disagree, which would
            mix up the labels). For configs whose class count is meant to
            equal the dataset's. Defaults to False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, exact: bool = False) -> None:
        self.exact = exact
        self._checked = set()
        self._first = None  # (where, classes, dataset) of the first one

    def _check(self, runner, loader, mode: str) -> None:
        dataset = getattr(loader, 'dataset', None)
        if dataset is None or id(dataset) in self._checked:
            return
        self._checked.add(id(dataset))
        num_model = model_num_classes(runner.model)
        classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
        if num_model is None or not classes:
            return
        num_data = len(classes)
        where = f'the {mode} dataset ({dataset_description(dataset)})'
        if num_data > num_model or (self.exact and num_data < num_model):
            raise ValueError(
                f'ClassCountCheckHook: {where} has {num_data} classes but '
                f'the model\'s head has {num_model} outputs. ' +
                how_to_set(getattr(runner, 'cfg', None), num_model, num_data)
                + ' Or point the config at the right data.')
        if num_data < num_model:
            runner.logger.warning(
                f'ClassCountCheckHook: {where} has {num_data} classes, '
                f'the model\'s head {num_model}; the extra outputs are never '
                'a target.')
        if not self.exact:
            return
        if self._first is None:
            self._first = (where, tuple(classes), dataset)
        elif tuple(classes) != self._first[1]:
            first_where, first, first_dataset = self._first
            diff = next(i for i, (a, b) in enumerate(zip(first, classes))
                        if a != b)
            # each label in its dataset's own numbering (CUB: 1-based)
            this_label = label_description(dataset, diff)
            first_label = label_description(first_dataset, diff)
            raise ValueError(
                f'ClassCountCheckHook: {where} and {first_where} have '
                f'different class lists ({this_label}: {classes[diff]!r} '
                f'vs {first_label}: {first[diff]!r}), so the same label '
                'would mean two classes; give every split the same '
                'categories (same ids and names).')

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_dataloader, 'train')

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_dataloader, 'val')

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_dataloader, 'test')
