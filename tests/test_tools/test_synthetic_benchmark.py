"""tools/analysis/synthetic_benchmark.py: options and the table (the
training it drives is covered by the e2e tests of the tiny configs)."""
import os.path as osp
import sys

import pytest

sys.path.insert(
    0,
    osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
             'tools', 'analysis'))
import synthetic_benchmark as bench  # noqa: E402


def test_generator_options_reach_every_dataloader():
    opts = bench.generator_options(['body_hue_window=0.5'])
    assert opts == [
        'train_dataloader.dataset.generator.body_hue_window=0.5',
        'val_dataloader.dataset.generator.body_hue_window=0.5',
        'test_dataloader.dataset.generator.body_hue_window=0.5',
    ]
    with pytest.raises(SystemExit):
        bench.parse_args(['--generator', 'body_hue_window'])


def test_table_mean_and_sample_spread():
    names = [c[0] for c in bench.COLUMNS]
    # CAM: 10, 20, 30 in every column -> 20.0 +- 10.0 (sample std)
    results = {
        'cam': {s: {n: v for n in names} for s, v in ((0, 10.), (1, 20.),
                                                       (2, 30.))},
        'lowcam': {s: {n: 50. for n in names} for s in (0, 1, 2)},
    }
    text = bench.table(results, [0, 1, 2], ['cam', 'lowcam'])
    lines = text.splitlines()
    assert lines[2].startswith('| CAM | 20.0 ± 10.0 |')
    assert lines[3] == '| LowCAM | ' + ' | '.join(['50.0 ± 0.0'] *
                                                  len(names)) + ' |'
    assert '| CAM | 2 | 30.0 |' in text


def test_part_analysis_parses_generator_variants_and_hides_parts():
    import numpy as np
    import synthetic_part_analysis as parts
    assert parts.parse_args([
        'cfg.py', 'ckpt.pth', '--generator', 'body_hue_window=0.5',
        'num_classes=3', 'head_fraction=[0.1, 0.3]'
    ]).generator == dict(
        body_hue_window=0.5, num_classes=3, head_fraction=[0.1, 0.3])
    img = np.arange(2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 3)
    keep = np.array([[True, False], [False, True]])
    out = parts.hide(img, keep)
    assert (out[0, 1] == parts.GREY).all() and (out[1, 0] == 118).all()
    assert (out[0, 0] == img[0, 0]).all() and (out[1, 1] == img[1, 1]).all()


def test_table_of_one_seed_has_no_spread():
    names = [c[0] for c in bench.COLUMNS]
    results = {'cam': {0: {n: 12.34 for n in names}}}
    text = bench.table(results, [0], ['cam'])
    assert text.splitlines()[2] == '| CAM | ' + ' | '.join(
        ['12.3'] * len(names)) + ' |'
    assert '±' not in text.splitlines()[2]
