"""Switch LowCAM from phase 1 to phase 2 inside one training run."""
import copy
from typing import List, Optional, Sequence, Union

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.runner import BaseLoop
from torch.nn.parallel import DistributedDataParallel

from mmwsol.registry import HOOKS
from ..optimizers import BF16AutocastOptimWrapper


@HOOKS.register_module()
class TwoPhaseTrainingHook(Hook):
    """Run LowCAM's phase 1 and phase 2 in one run, resumable in either.

    At the first epoch ``>= switch_epoch`` (checked before the epoch) or
    the first iteration ``>= switch_iter`` (checked before the iteration),
    while the model is in phase 1, the hook

    1. calls ``model.set_phase(2)``: freezes everything but the generator's
       ``up2``, ``up3``, ``map_conv``, ``map_bn`` and loads the evaluator's
       checkpoint if its weights are not set yet (a missing file raises
       here, naming ``model.evaluator.checkpoint``);
    2. replaces ``runner.optim_wrapper`` by one built from
       ``phase2_optim_wrapper`` with the Runner's own builder (default
       constructor, so ``paramwise_cfg`` etc. work; as in the release's
       ``Adam(model.parameters())`` the frozen parameters are in the
       optimizer but get no gradient, so they never move). Without a
       ``type`` the phase-1 wrapper's type is kept (``--amp`` carries
       over: ``AmpOptimWrapper`` or ``BF16AutocastOptimWrapper``);
    3. replaces ``runner.param_schedulers`` by ``phase2_param_scheduler``
       built *relative to the switch*: mmengine's schedulers count their
       own steps from construction, so each config without ``begin`` /
       ``end`` gets ``begin=0`` and ``end`` = the remaining iterations
       (``by_epoch=False``) or epochs (``by_epoch=True``); the default is
       a cosine over the remaining iterations stepped per iteration, from
       the phase-2 lr to 0 (the release's ``CosineAnnealingLR(optimizer,
       num_iters * R_EPOCHS)``). Given ``begin``/``end`` are relative to
       the switch too.

    **Resume.** ``Runner.resume`` calls ``after_load_checkpoint`` *before*
    it loads the optimizer and scheduler states. When the checkpoint's
    model is in phase 2 (its ``phase`` buffer), the hook switches first
    (without reading the evaluator's file: its weights are in the
    checkpoint), so mmengine then loads Adam's state into an Adam
    optimizer and the cosine's state into the cosine: the run goes on with
    the same frozen parameters, optimizer state and schedule. In a
    test-only runner (no train loop or optimizer) nothing is built; the
    model's own load hook restores its phase.

    Under DDP, set ``find_unused_parameters=True`` in the config: the
    parameters frozen at the switch were registered by DDP in phase 1.

    Args:
        switch_epoch (int, optional): first epoch of phase 2 (0-based, so
            ``70`` = after 70 epochs of phase 1).
        switch_iter (int, optional): first iteration of phase 2. Exactly
            one of ``switch_epoch`` and ``switch_iter``.
        phase2_optim_wrapper (dict): optimizer wrapper config of phase 2.
            Defaults to Adam, lr 1e-4, no weight decay.
        phase2_param_scheduler (dict | list[dict], optional): scheduler
            config(s) of phase 2, relative to the switch. Defaults to a
            per-iteration cosine to 0; None for a constant lr.
    """

    priority = 'NORMAL'

    def __init__(
        self,
        switch_epoch: Optional[int] = None,
        switch_iter: Optional[int] = None,
        phase2_optim_wrapper: dict = dict(
            optimizer=dict(type='Adam', lr=1e-4, weight_decay=0)),
        phase2_param_scheduler: Optional[Union[dict, Sequence[dict]]] = dict(
            type='CosineAnnealingLR', eta_min=0.0, by_epoch=False)
    ) -> None:
        if (switch_epoch is None) == (switch_iter is None):
            raise ValueError(
                'TwoPhaseTrainingHook: give exactly one of switch_epoch and '
                f'switch_iter, got switch_epoch={switch_epoch!r}, '
                f'switch_iter={switch_iter!r}.')
        for name, value in (('switch_epoch', switch_epoch), ('switch_iter',
                                                             switch_iter)):
            if value is not None and not (isinstance(value, int)
                                          and value >= 0):
                raise ValueError(f'TwoPhaseTrainingHook: {name} must be an '
                                 f'int >= 0, got {value!r}.')
        if not isinstance(phase2_optim_wrapper, dict) or \
                'optimizer' not in phase2_optim_wrapper:
            raise ValueError(
                'TwoPhaseTrainingHook: phase2_optim_wrapper must be an optim '
                'wrapper config with an `optimizer`, got '
                f'{phase2_optim_wrapper!r}.')
        self.switch_epoch = switch_epoch
        self.switch_iter = switch_iter
        self.phase2_optim_wrapper = copy.deepcopy(dict(phase2_optim_wrapper))
        if phase2_param_scheduler is None:
            self.phase2_param_scheduler = []
        elif isinstance(phase2_param_scheduler, dict):
            self.phase2_param_scheduler = [dict(phase2_param_scheduler)]
        else:
            self.phase2_param_scheduler = [
                dict(s) for s in phase2_param_scheduler
            ]
        #: whether this hook already built the phase-2 optimizer.
        self.optim_switched = False

    # ------------------------------------------------------------------
    @staticmethod
    def _model(runner):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        if not (hasattr(model, 'set_phase')
                and hasattr(model, 'current_phase')):
            raise TypeError(
                'TwoPhaseTrainingHook needs a model with phases (LowCAM), '
                f'got {type(model).__name__}.')
        return model

    def _due(self, runner) -> bool:
        if self.switch_epoch is not None:
            return runner.epoch >= self.switch_epoch
        return runner.iter >= self.switch_iter

    def _maybe_switch(self, runner) -> None:
        model = self._model(runner)
        if model.current_phase == 1 and self._due(runner):
            self.switch(runner, runner.epoch, runner.iter)

    def before_train(self, runner) -> None:
        """Switch at once when the run (re)starts past the switch point."""
        self._maybe_switch(runner)

    def before_train_epoch(self, runner) -> None:
        if self.switch_epoch is not None:
            self._maybe_switch(runner)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        if self.switch_iter is not None:
            self._maybe_switch(runner)

    # ------------------------------------------------------------------
    def _scheduler_cfgs(self, runner, start_epoch: int,
                        start_iter: int) -> List[dict]:
        cfgs = []
        for cfg in copy.deepcopy(self.phase2_param_scheduler):
            by_epoch = cfg.get('by_epoch', True)
            if by_epoch:
                remaining = runner.max_epochs - start_epoch
            else:
                remaining = runner.max_iters - start_iter
            if remaining <= 0:
                runner.logger.warning(
                    'TwoPhaseTrainingHook: no training left after the switch '
                    f'(epoch {start_epoch}, iter {start_iter}); phase 2 gets '
                    'no parameter scheduler.')
                return []
            cfg.setdefault('begin', 0)
            cfg.setdefault('end', remaining)
            cfgs.append(cfg)
        return cfgs

    def switch(self,
               runner,
               start_epoch: int,
               start_iter: int,
               prepare_evaluator: bool = True) -> None:
        """Put the model, optimizer and schedulers into phase 2.

        Args:
            runner (Runner): the runner.
            start_epoch, start_iter (int): where phase 2 starts (the
                schedules are relative to it).
            prepare_evaluator (bool): load the evaluator's checkpoint if its
                weights are not set (False when a checkpoint with them is
                being loaded).
        """
        model = self._model(runner)
        self._check_ddp(runner)
        if model.current_phase != 2:
            model.set_phase(2, prepare_evaluator=prepare_evaluator)
        if not self._can_build_optimizer(runner):
            return
        cfg = copy.deepcopy(self.phase2_optim_wrapper)
        if 'type' not in cfg:
            current = runner.optim_wrapper
            if isinstance(current, AmpOptimWrapper):
                cfg['type'] = 'AmpOptimWrapper'
                cfg.setdefault('loss_scale', 'dynamic')
                if getattr(current, 'cast_dtype', None) is not None:
                    cfg.setdefault('dtype', current.cast_dtype)
            elif isinstance(current, BF16AutocastOptimWrapper):
                cfg['type'] = 'BF16AutocastOptimWrapper'
                cfg.setdefault('device_type', current.device_type)
            else:
                cfg['type'] = 'OptimWrapper'
        runner.optim_wrapper = runner.build_optim_wrapper(cfg)
        runner.optim_wrapper.initialize_count_status(runner.model, start_iter,
                                                     runner.max_iters)
        schedulers = self._scheduler_cfgs(runner, start_epoch, start_iter)
        runner.param_schedulers = (
            runner.build_param_scheduler(schedulers) if schedulers else None)
        self.optim_switched = True
        # phase 1's loss terms would otherwise be logged (stale) in phase 2
        scalars = runner.message_hub.log_scalars
        for key in [k for k in scalars if k.startswith('train/loss_')]:
            scalars.pop(key)
        trainable = sum(p.numel() for p in model.parameters()
                        if p.requires_grad)
        runner.logger.info(
            f'TwoPhaseTrainingHook: phase 2 from epoch {start_epoch}, iter '
            f'{start_iter}: {trainable} trainable parameters, optimizer '
            f'{type(runner.optim_wrapper.optimizer).__name__}, schedulers '
            f'{[type(s).__name__ for s in runner.param_schedulers or []]}.')

    @staticmethod
    def _check_ddp(runner) -> None:
        """DDP registered the parameters that phase 2 freezes; without
        ``find_unused_parameters`` its reducer would wait for their
        gradients and fail on the next iteration."""
        wrapper = runner.model
        if isinstance(wrapper, DistributedDataParallel) and \
                not wrapper.find_unused_parameters:
            raise RuntimeError(
                'TwoPhaseTrainingHook: phase 2 freezes parameters that DDP '
                'tracks since phase 1, which needs '
                '`find_unused_parameters = True` in the config (or '
                'model_wrapper_cfg=dict(find_unused_parameters=True)).')

    @staticmethod
    def _can_build_optimizer(runner) -> bool:
        """True in a training runner whose optimizer is built."""
        return isinstance(getattr(runner, '_train_loop', None),
                          BaseLoop) and isinstance(
                              getattr(runner, 'optim_wrapper', None),
                              OptimWrapper)

    @staticmethod
    def checkpoint_phase(checkpoint: dict) -> int:
        """The ``phase`` buffer stored in a checkpoint (1 when absent)."""
        state = checkpoint.get('state_dict', checkpoint)
        for key in ('phase', 'module.phase'):
            if key in state:
                return int(state[key])
        return 1

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Switch before mmengine loads a phase-2 optimizer/scheduler."""
        if self.checkpoint_phase(checkpoint) != 2 or self.optim_switched:
            return
        if not self._can_build_optimizer(runner):
            return
        meta = checkpoint.get('meta', {})
        if getattr(runner, '_resume', False):
            # Runner.resume sets the loop's counters after this hook
            start_epoch = meta.get('epoch', runner.epoch)
            start_iter = meta.get('iter', runner.iter)
        else:
            start_epoch, start_iter = runner.epoch, runner.iter
        self.switch(
            runner, start_epoch, start_iter, prepare_evaluator=False)
