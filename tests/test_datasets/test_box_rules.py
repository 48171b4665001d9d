"""The box tolerance rule (docs/datasets.md, error policy), case by case."""
import numpy as np
import pytest

from mmwsol.datasets import WSOLDataError
from mmwsol.datasets.utils import check_and_clip_boxes, check_box

# image 100 x 50 (W x H), tolerance 1 px
CASES = [
    # box, expected (clipped) box or the error words
    ((10, 5, 30, 25), (10, 5, 30, 25)),
    ((0, 0, 100, 50), (0, 0, 100, 50)),  # the whole image
    ((-1, -0.5, 101, 51), (0, 0, 100, 50)),  # overshoot <= 1: clipped
    ((-1.5, 0, 10, 10), 'left of / above'),
    ((0, 0, 101.5, 10), 'past the image border'),
    ((0, 0, 10, 51.01), 'past the image border'),
    ((30, 5, 10, 25), 'x1 > x0'),
    ((10, 5, 10, 25), 'x1 > x0'),  # empty
    ((100, 5, 100.5, 25), 'empty once clipped'),  # only in the overshoot
    ((np.nan, 5, 10, 25), 'finite'),
]


@pytest.mark.parametrize('box, expected', CASES)
def test_single_and_vectorised_agree(box, expected):
    if isinstance(expected, str):
        with pytest.raises(WSOLDataError, match=expected):
            check_box(box, 'f.txt:3', 100, 50)
        with pytest.raises(WSOLDataError) as exc:
            # the bad box is row 1; the message names it and the place
            check_and_clip_boxes(
                np.array([(1, 1, 2, 2), box]), 'f.txt:3', 100, 50)
        assert str(exc.value).startswith('f.txt:3: box 1 (')
        assert expected in str(exc.value)
    else:
        out, clipped = check_box(box, 'f.txt:3', 100, 50)
        np.testing.assert_allclose(out, expected)
        assert clipped == (tuple(box) != expected)
        out, n = check_and_clip_boxes(np.array([box]), 'f.txt:3', 100, 50)
        np.testing.assert_allclose(out, [expected])
        assert n == int(tuple(box) != expected)


def test_unknown_size_checks_order_and_lower_bound_only():
    out, clipped = check_box((-0.5, 2, 5000, 4000), 'f:1')
    np.testing.assert_allclose(out, (0, 2, 5000, 4000))
    assert clipped
    with pytest.raises(WSOLDataError, match='f:1: .*left of'):
        check_box((-2, 2, 5, 6), 'f:1')


def test_tolerance_zero():
    with pytest.raises(WSOLDataError, match='past the image border'):
        check_box((0, 0, 100.5, 10), 'f:1', 100, 50, tolerance=0)


@pytest.mark.parametrize('name, split', [('CUB200WSOL', 'val'),
                                         ('ImageNetWSOL', 'test'),
                                         ('WSOLMetadataDataset', 'all')])
def test_split_and_fixed_layout_arguments_are_checked(name, split, tmp_path):
    """Checked before any file is read, so no data is needed."""
    import mmwsol.datasets as datasets
    cls = getattr(datasets, name)
    extra = dict(metadata_root=str(tmp_path)) if name == (
        'WSOLMetadataDataset') else {}
    with pytest.raises(ValueError, match=f'{name}: split must be one of'):
        cls(data_root=str(tmp_path), split=split, **extra)
    with pytest.raises(TypeError, match=f"{name} does not take 'ann_file'"):
        cls(data_root=str(tmp_path), split=cls.SPLITS[0], ann_file='a.txt',
            **extra)
