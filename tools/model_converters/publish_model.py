"""Publish a Runner checkpoint as a plain weights file, as mmpretrain's
``tools/model_converters/publish_model.py`` does: keep ``state_dict`` (and a
small ``meta``), drop the optimizer, schedulers and message hub, so that it
loads with ``torch.load(weights_only=True)`` and as an ``init_cfg``
``Pretrained`` checkpoint.

    python tools/model_converters/publish_model.py IN.pth OUT.pth
"""
import argparse
import hashlib
import os
import os.path as osp
import sys

import torch


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('in_file', help='a checkpoint saved by the Runner')
    parser.add_argument('out_file', help='the published weights file')
    return parser.parse_args(argv)


def publish(in_file: str, out_file: str) -> str:
    """Write ``out_file`` from ``in_file``; return its sha256."""
    if not osp.isfile(in_file):
        sys.exit(f'error: checkpoint not found: {in_file}')
    checkpoint = torch.load(in_file, map_location='cpu', weights_only=False)
    state = checkpoint.get('state_dict', checkpoint)
    meta = checkpoint.get('meta', {}) if isinstance(checkpoint, dict) else {}
    published = dict(
        state_dict={k: v.clone() for k, v in state.items()},
        meta={
            k: meta[k]
            for k in ('epoch', 'iter', 'seed', 'experiment_name',
                      'mmengine_version') if k in meta
        })
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    tmp = out_file + '.tmp'
    torch.save(published, tmp)
    os.replace(tmp, out_file)
    with open(out_file, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(argv=None):
    args = parse_args(argv)
    digest = publish(args.in_file, args.out_file)
    size = osp.getsize(args.out_file) / 2**20
    print(f'{args.out_file}: {size:.2f} MiB, sha256 {digest}')


if __name__ == '__main__':
    main()
