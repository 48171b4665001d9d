"""Check, before any data reaches the model, that the datasets' class
lists fit the model's classifier."""
from typing import Optional

from mmengine.hooks import Hook

from mmwsol.registry import HOOKS


def model_num_classes(model) -> Optional[int]:
    """``head.num_classes`` of a (possibly DDP-wrapped) model, or None."""
    model = getattr(model, 'module', model)
    head = getattr(model, 'head', None)
    num = getattr(head, 'num_classes', None)
    return int(num) if num is not None else None


def dataset_description(dataset) -> str:
    where = getattr(dataset, 'data_root', None) or getattr(
        dataset, 'ann_file', None)
    return f'{type(dataset).__name__}' + (f' at {where}' if where else '')


@HOOKS.register_module()
class ClassCountCheckHook(Hook):
    """Refuse a dataset with more classes than the model's head.

    Without it a label ``>= head.num_classes`` fails deep inside the loss
    (an index error on the CPU, a device-side assert on CUDA) on whatever
    batch first holds one, or, at test time, Top-k figures are computed
    against a head that cannot predict the class. The check runs once per
    dataloader at the start of training, validation and testing (no cost
    per iteration). A dataset with *fewer* classes than the head (e.g. a
    small synthetic variant) is legal and only logged as a warning.

    The class count of a dataset is ``len(dataset.metainfo['classes'])``
    (for CUB, the lines of ``classes.txt``); the model's is
    ``model.head.num_classes``. Models without either are not checked.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._checked = set()

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
        if num_data > num_model:
            raise ValueError(
                f'ClassCountCheckHook: the {mode} dataset '
                f'({dataset_description(dataset)}) has {num_data} classes '
                f'but the model\'s head has {num_model} outputs. Set the '
                'model\'s num_classes to the dataset\'s (e.g. --cfg-options '
                f'model.head.num_classes={num_data}, and for LowCAM also '
                'model.neck.num_classes) or point the config at the right '
                'data.')
        if num_data < num_model:
            runner.logger.warning(
                f'ClassCountCheckHook: the {mode} dataset '
                f'({dataset_description(dataset)}) has {num_data} classes, '
                f'the model\'s head {num_model}; the extra outputs are never '
                'a target.')

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_dataloader, 'train')

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_dataloader, 'val')

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_dataloader, 'test')
