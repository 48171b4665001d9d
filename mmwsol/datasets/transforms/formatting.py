"""Packing of WSOL inputs into a :class:`WSOLDataSample`."""
from mmpretrain.datasets.transforms import PackInputs

from mmwsol.registry import TRANSFORMS
from mmwsol.structures import WSOLDataSample


@TRANSFORMS.register_module()
class PackWSOLInputs(PackInputs):
    """mmpretrain's ``PackInputs`` plus the WSOL fields of
    docs/conventions.md, packed into a :class:`WSOLDataSample` (which
    checks them: a box array that is not ``(k, 4)``, or a seg map with
    values other than 0/1/255, fails here naming the sample's
    ``ann_ref``).

    Data fields of the ``WSOLDataSample``:

    - ``gt_label``: ``LongTensor (1,)`` (``set_gt_label``, as mmpretrain);
    - ``gt_bboxes``: ``FloatTensor (k, 4)`` ``x0, y0, x1, y1`` in the frame
      of ``img_shape`` (the network input); always set when the results
      have ``gt_bboxes`` (``k`` may be 0);
    - ``gt_mask``: ``UInt8Tensor (H, W)`` from ``gt_seg_map`` (0 background,
      1 foreground, 255 ignore), frame of ``img_shape``; absent without a
      seg map.

    Meta fields: mmpretrain's defaults (``sample_idx``, ``img_path``,
    ``ori_shape``, ``img_shape``, ``scale_factor``, ``flip``,
    ``flip_direction``) plus ``img_id``, ``ori_gt_bboxes`` (``float32 (k,
    4)``, original frame), ``crop_bbox`` and ``ann_ref``, each when present.

    Args:
        input_key (str): Defaults to ``'img'``.
        algorithm_keys (Sequence[str]): Extra data fields, as mmpretrain.
        meta_keys (Sequence[str]): Defaults to ``DEFAULT_META_KEYS``.
    """

    DEFAULT_META_KEYS = PackInputs.DEFAULT_META_KEYS + (
        'img_id', 'ori_gt_bboxes', 'crop_bbox', 'ann_ref')

    def __init__(self,
                 input_key='img',
                 algorithm_keys=(),
                 meta_keys=DEFAULT_META_KEYS):
        super().__init__(
            input_key=input_key,
            algorithm_keys=algorithm_keys,
            meta_keys=meta_keys)

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        data_sample = WSOLDataSample.cast(packed['data_samples'])
        if results.get('gt_bboxes') is not None:
            data_sample.gt_bboxes = results['gt_bboxes']
        if results.get('gt_seg_map') is not None:
            data_sample.gt_mask = results['gt_seg_map']
        packed['data_samples'] = data_sample
        return packed
