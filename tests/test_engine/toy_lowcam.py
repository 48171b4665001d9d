"""A tiny LowCAM, an in-memory labelled dataset and a Runner config, shared by
the tests of tests/test_engine (CPU, seconds)."""
import copy

import torch
from mmpretrain.structures import DataSample
from torch.utils.data import Dataset

NUM_CLASSES = 4
IMG_SIZE = 32


class ToyLabelledImages(Dataset):
    """``n`` random uint8 images ``3 x 32 x 32`` with labels ``i % 4``."""

    metainfo = dict(classes=tuple(f'c{i}' for i in range(NUM_CLASSES)))

    def __init__(self, n=8, seed=0):
        gen = torch.Generator().manual_seed(seed)
        self.images = torch.randint(
            0, 256, (n, 3, IMG_SIZE, IMG_SIZE), generator=gen,
            dtype=torch.uint8)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        sample = DataSample(metainfo=dict(img_shape=(IMG_SIZE, IMG_SIZE)))
        sample.set_gt_label(idx % NUM_CLASSES)
        return dict(inputs=self.images[idx].clone(), data_samples=sample)


def tiny_resnet():
    return dict(
        type='ResNet',
        depth=18,
        stem_channels=8,
        base_channels=4,
        out_indices=(3, ))


def evaluator_model():
    """A tiny classifier without dropout (deterministic in train mode)."""
    return dict(
        type='ImageClassifier',
        backbone=tiny_resnet(),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead', num_classes=NUM_CLASSES, in_channels=32),
        data_preprocessor=dict(
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True))


def lowcam_model(evaluator_checkpoint, erasing_prob=0.5):
    return dict(
        type='LowCAM',
        backbone=tiny_resnet(),
        split='stem',
        neck=dict(type='ActivationMapGenerator', base_channels=4),
        head=dict(
            type='LowCAMHead',
            num_classes=NUM_CLASSES,
            in_channels=32,
            area_loss=dict(type='AreaLoss', topk=4, skip=1)),
        evaluator=dict(
            type='ClassifierEvaluator',
            model=evaluator_model(),
            checkpoint=evaluator_checkpoint),
        erasing=dict(type='AttentiveErasing', prob=erasing_prob,
                     min_height=1, min_width=1))


def save_evaluator_checkpoint(path, seed=1):
    """Write the state dict of a randomly initialised evaluator."""
    from mmwsol.registry import MODELS
    torch.manual_seed(seed)
    model = MODELS.build(evaluator_model())
    model.init_weights()
    torch.save({'state_dict': model.state_dict()}, path)
    return path


def runner_cfg(work_dir,
               evaluator_checkpoint,
               max_epochs=4,
               switch_epoch=2,
               switch_iter=None,
               erasing_prob=0.0,
               phase1_scheduler=None,
               n=8,
               batch_size=4):
    hook = dict(type='TwoPhaseTrainingHook')
    if switch_iter is not None:
        hook['switch_iter'] = switch_iter
    else:
        hook['switch_epoch'] = switch_epoch
    return dict(
        model=lowcam_model(evaluator_checkpoint, erasing_prob),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyLabelledImages(n),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=batch_size,
            num_workers=0),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        param_scheduler=copy.deepcopy(phase1_scheduler),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        custom_hooks=[hook],
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmwsol',
        randomness=dict(seed=0),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING')


def ddp_worker(rank, world_size, port, work_dir, evaluator_checkpoint,
               out_dir):
    """One rank of a 2-process CPU (gloo) run through both phases."""
    import os

    import torch.distributed as dist

    from mmengine.runner import Runner

    from mmwsol.utils import register_all_modules
    os.environ.update(
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(port),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world_size))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=world_size)
    register_all_modules()
    cfg = runner_cfg(
        work_dir, evaluator_checkpoint, max_epochs=3, switch_epoch=2,
        batch_size=2)
    cfg.update(
        launcher='pytorch',
        cfg=dict(model_wrapper_cfg=dict(
            type='MMDistributedDataParallel',
            find_unused_parameters=True,
            broadcast_buffers=False,
            device_ids=None)))
    runner = Runner(**cfg)
    runner.train()
    model = runner.model.module
    torch.save(
        dict(
            params={n: p.detach() for n, p in model.named_parameters()},
            trainable=sorted(n for n, p in model.named_parameters()
                             if p.requires_grad),
            optimizer=type(runner.optim_wrapper.optimizer).__name__,
            phase=model.current_phase), f'{out_dir}/rank{rank}.pt')
    dist.destroy_process_group()
