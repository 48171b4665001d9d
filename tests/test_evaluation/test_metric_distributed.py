"""Two CPU processes (gloo) give the same metric dict as one."""
import pickle

import numpy as np
import torch
import torch.multiprocessing as mp

CONFIGS = [
    dict(prefix='w', nonfinite_maps='zero'),
    dict(prefix='c', cam_thresholds=np.arange(0, 1, 0.01).tolist(),
         threshold_selection='fixed', fixed_threshold=0.3,
         nonfinite_maps='zero'),
    dict(prefix='o', protocol='ornet', pxap_upsample='bilinear',
         nonfinite_maps='zero'),
]


def make_samples(num=9):
    from mmpretrain.structures import DataSample
    rng = np.random.default_rng(11)
    samples = []
    for i in range(num):
        cam = torch.from_numpy(rng.standard_normal((14, 14))).float()
        if i == 4:
            cam[:] = float('nan')  # nonfinite_maps='zero': evaluated as zeros
        ori = (int(rng.integers(60, 120)), int(rng.integers(60, 120)))
        boxes = []
        for _ in range(int(rng.integers(1, 3))):
            x0, y0 = rng.integers(0, ori[1] // 2), rng.integers(0, ori[0] // 2)
            boxes.append([x0, y0, x0 + rng.integers(10, ori[1] // 2),
                          y0 + rng.integers(10, ori[0] // 2)])
        ds = DataSample(metainfo=dict(
            img_shape=(56, 56), ori_shape=ori, sample_idx=i,
            ori_gt_bboxes=np.array(boxes, np.float32),
            scale_factor=(56 / ori[1], 56 / ori[0])))
        ds.set_gt_label(int(rng.integers(0, 6)))
        ds.set_pred_score(torch.from_numpy(rng.random(6)).float())
        ds.set_field(torch.sigmoid(cam), 'score_map')
        ds.set_field(torch.zeros(0, 4), 'gt_bboxes')
        ds.set_field(
            torch.from_numpy(rng.integers(0, 2, (56, 56)).astype(np.uint8)),
            'gt_mask')
        samples.append(ds.to_dict())
    return samples


def evaluate_shard(samples, indices, batch_size):
    from mmwsol.evaluation import LocalizationMetric
    results = {}
    for cfg in CONFIGS:
        metric = LocalizationMetric(**cfg)
        part = [samples[i] for i in indices]
        for start in range(0, len(part), batch_size):
            metric.process({}, part[start:start + batch_size])
        results.update(metric.evaluate(len(samples)))
    return results


def worker(rank, world_size, init_file, samples_file, out_file):
    import torch.distributed as dist
    dist.init_process_group(
        'gloo', init_method=f'file://{init_file}', rank=rank,
        world_size=world_size)
    with open(samples_file, 'rb') as f:
        samples = pickle.load(f)
    # DistributedSampler(shuffle=False): pad to a multiple of the world
    # size by repeating the first indices, then every world_size-th
    num = len(samples)
    total = -(-num // world_size) * world_size
    indices = (list(range(num)) * 2)[:total][rank::world_size]
    results = evaluate_shard(samples, indices, batch_size=2 + rank)
    if rank == 0:
        with open(out_file, 'wb') as f:
            pickle.dump(results, f)
    dist.barrier()
    dist.destroy_process_group()


def test_two_processes_equal_one(tmp_path):
    samples = make_samples()
    single = evaluate_shard(samples, list(range(len(samples))), batch_size=4)
    samples_file = tmp_path / 'samples.pkl'
    with open(samples_file, 'wb') as f:
        pickle.dump(samples, f)
    out_file = tmp_path / 'out.pkl'
    mp.spawn(
        worker,
        args=(2, str(tmp_path / 'init'), str(samples_file), str(out_file)),
        nprocs=2,
        join=True)
    with open(out_file, 'rb') as f:
        double = pickle.load(f)
    assert double == single
    # every family of figures is there and not degenerate
    for key in ('w/MaxBoxAccV2', 'w/PxAP', 'w/Top-1_Loc', 'c/BoxAccV2',
                'o/GT-known_Loc', 'o/Top-5_Loc'):
        assert key in single
    assert 0 < single['w/MaxBoxAccV2'] < 100
