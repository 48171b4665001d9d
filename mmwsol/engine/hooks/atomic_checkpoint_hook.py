"""mmengine's ``CheckpointHook`` that never loses or truncates a
checkpoint."""
import glob
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook

from mmwsol.engine.checkpoint.atomic_local_backend import (TMP_MARKER,
                                                          write_atomically)
from mmwsol.registry import HOOKS


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` (same arguments) whose saves survive a full disk
    or a kill at any moment:

    - every checkpoint (``epoch_*.pth``, ``iter_*.pth``, ``best_*.pth``) is
      written to a temporary file in the same folder and renamed into
      place (:class:`~mmwsol.engine.checkpoint.AtomicLocalBackend`, which
      mmwsol registers for local paths), so a file under a checkpoint's
      name is always complete;
    - ``last_checkpoint`` is written the same way, after its checkpoint is
      complete, so it always names a complete file;
    - the oldest of the ``max_keep_ckpts`` kept checkpoints is removed
      *after* the new one is saved (mmengine removes it before: a failed
      save then leaves one checkpoint fewer);
    - temporary files that a killed save left behind (``.<name>.tmp-<pid>``
      of processes no longer running) are removed before training.

    A failed save stops the run with
    :class:`~mmwsol.engine.checkpoint.AtomicWriteError`, naming the file
    and the cause (``tools/train.py`` prints it on one line and exits 1);
    ``--resume`` then continues from the last complete checkpoint.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and isinstance(self.file_backend, LocalBackend):
            removed = remove_stale_temporary_files(self.out_dir)
            if removed:
                runner.logger.warning(
                    f'AtomicCheckpointHook: removed {len(removed)} partial '
                    f'checkpoint file(s) of an interrupted save: {removed}')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        # the kept steps as the new checkpoint records them; the outdated
        # file goes only once the new one is complete
        outdated = self._rotate_kept_steps(runner, step)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        write_atomically(self.last_ckpt.encode(),
                         osp.join(runner.work_dir, 'last_checkpoint'))
        if outdated is not None:
            if self.file_backend.isfile(outdated):
                self.file_backend.remove(outdated)
            elif self.file_backend.isdir(outdated):
                # checkpoints saved by deepspeed are folders
                self.file_backend.rmtree(outdated)

    def _rotate_kept_steps(self, runner, step: int):
        """Add ``step`` to the ``max_keep_ckpts`` kept steps (unless it is
        the newest already: a step may be saved twice, as the interval's
        and as the last one); returns the path of the checkpoint that
        falls out, or None."""
        kept = self.keep_ckpt_ids
        if self.max_keep_ckpts <= 0 or (kept and kept[-1] == step):
            return None
        outdated = None
        if len(kept) == self.max_keep_ckpts:
            outdated = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(kept.popleft()))
        kept.append(step)
        runner.message_hub.update_info('keep_ckpt_ids', list(kept))
        return outdated


def remove_stale_temporary_files(folder: str) -> list:
    """Remove the temporary files of :func:`write_atomically` in ``folder``
    whose writing process is no longer running; returns their names."""
    removed = []
    for path in sorted(glob.glob(osp.join(folder, f'.*{TMP_MARKER}*'))):
        pid = path.rsplit(TMP_MARKER, 1)[1]
        if not pid.isdigit() or _process_running(int(pid)):
            continue
        try:
            os.remove(path)
        except OSError:
            continue
        removed.append(osp.basename(path))
    return removed


def _process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
