"""Progress lines of validation and test runs shorter than the logger's
interval."""
import math
from typing import Optional, Sequence

from mmengine.hooks import Hook, LoggerHook

from mmwsol.registry import HOOKS


@HOOKS.register_module()
class EvalProgressHook(Hook):
    """Log a validation / test run's progress at least ``num_lines`` times.

    mmengine's ``LoggerHook`` logs validation and test iterations only
    every ``interval`` iterations (50 in ``default_runtime.py``), so a run
    of fewer iterations prints nothing until its metrics. This hook adds the
    ``LoggerHook``'s own progress line (``Epoch(val) [8][ 4/16] eta: ...``,
    ``Epoch(test) [ 4/16] ...``) every ``ceil(N / num_lines)`` iterations of
    an ``N``-iteration run, at the iterations where the ``LoggerHook`` does
    not log already, and does nothing when the ``LoggerHook`` alone gives
    ``num_lines`` lines (``N >= num_lines * interval``). Without a
    ``LoggerHook`` it logs on its own. The last iteration is left to the
    metrics line.

    Config: ``default_hooks.eval_progress = dict(type='EvalProgressHook',
    num_lines=4)``; ``num_lines=0`` turns it off.

    Args:
        num_lines (int): progress lines per run, at least. Defaults to 4.
    """

    priority = 'BELOW_NORMAL'  # as LoggerHook: after IterTimerHook's times

    def __init__(self, num_lines: int = 4) -> None:
        if not isinstance(num_lines, int) or num_lines < 0:
            raise ValueError('EvalProgressHook (default_hooks.eval_progress): '
                             '`num_lines` must be a non-negative int, got '
                             f'{num_lines!r}.')
        self.num_lines = num_lines

    @staticmethod
    def _logger_interval(runner) -> Optional[int]:
        for hook in runner.hooks:
            if isinstance(hook, LoggerHook):
                return hook.interval
        return None

    def progress_iterations(self, num_iters: int,
                            logger_interval: Optional[int]) -> Sequence[int]:
        """The 1-based iterations of an ``num_iters``-iteration run after
        which this hook logs."""
        if self.num_lines == 0 or num_iters <= 1:
            return []
        if logger_interval and num_iters >= self.num_lines * logger_interval:
            return []
        step = max(1, math.ceil(num_iters / self.num_lines))
        return [
            i for i in range(step, num_iters, step)
            if not (logger_interval and i % logger_interval == 0)
        ]

    def _log(self, runner, batch_idx: int, mode: str) -> None:
        loop = runner.val_loop if mode == 'val' else runner.test_loop
        num_iters = len(loop.dataloader)
        if batch_idx == 0:
            self._due = set(
                self.progress_iterations(num_iters,
                                         self._logger_interval(runner)))
        if batch_idx + 1 in self._due:
            _, line = runner.log_processor.get_log_after_iter(
                runner, batch_idx, mode)
            runner.logger.info(line)

    def after_val_iter(self,
                       runner,
                       batch_idx: int,
                       data_batch=None,
                       outputs=None) -> None:
        self._log(runner, batch_idx, 'val')

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch=None,
                        outputs=None) -> None:
        self._log(runner, batch_idx, 'test')
