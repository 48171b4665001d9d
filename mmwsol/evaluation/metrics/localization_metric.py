"""LocalizationMetric: every WSOL figure, per wsolevaluation or ORNet."""
import json
import os.path as osp
from collections import OrderedDict
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmwsol.registry import METRICS
from mmwsol.structures import (NORMALIZATIONS, UPSAMPLE_MODES,
                               normalize_score_maps, range_outside_unit,
                               score_map_ranges, upsample_score_maps)
from mmwsol.utils import check_choice
from ..functional.box_correctness import box_correctness
from ..functional.box_rescale import (ornet_unclipped_boxes,
                                      wsolevaluation_resize_boxes)
from ..functional.input_checks import (NONFINITE_POLICIES, check_gt_boxes,
                                       check_image_size, check_map_size,
                                       nonfinite_maps_error,
                                       nonfinite_maps_message)
from ..functional.localization_figures import (LOC_IOU, LocalizationCounts,
                                               rename_legacy_keys,
                                               summarize_localization)
from ..functional.protocols import (as_cam_thresholds, as_iou_thresholds,
                                    check_protocol, protocol_defaults)
from ..functional.pxap import (mask_score_histograms, pack_histogram,
                               unpack_histograms)

__all__ = ['LocalizationMetric']

_SELECTIONS = ('oracle', 'fixed', 'calibrated')


def _name(sample):
    for key in ('img_path', 'img_id', 'sample_idx'):
        if sample.get(key) is not None:
            return f'{key}={sample[key]}'
    return 'a data sample'


def _np(x, dtype=None):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=dtype)


@METRICS.register_module()
class LocalizationMetric(BaseMetric):
    """Classification and localization figures of a WSOL model.

    Reads, per data sample (see docs/conventions.md): ``score_map`` ``(h,
    w)`` at the network's native size (any range), ``pred_score`` ``(C,)``
    (optional: class figures), ``gt_label``, ``gt_bboxes``, ``gt_mask``
    (optional: PxAP; 0/1/255) and the metainfo ``ori_gt_bboxes``,
    ``ori_shape``, ``img_shape`` (plus ``scale_factor`` and ``crop_bbox``
    when a resize / crop ran).

    The map is upsampled on its device to ``img_shape`` (``map_upsample``),
    normalised (``map_normalization``; constant maps become zeros, counted
    in a logged warning; maps holding NaN or inf stop the evaluation naming
    the images, unless ``nonfinite_maps='zero'``), and turned into box
    decisions at every (IoU threshold, map threshold) pair by the protocol:

    - ``wsolevaluation`` (default: bicubic, min-max, ``np.arange(0, 1,
      0.001)``): uint8 map, ``int(tau * max)``, OpenCV contours' boxes (V1
      the largest contour, V2 all), ``+1`` IoU ``>= delta``. GT boxes are
      ``ori_gt_bboxes`` rescaled from ``ori_shape`` to ``img_shape`` with
      wsolevaluation's ``resize_bbox`` (float64, int truncation); a sample
      that was cropped or flipped is refused (the protocol has neither).
    - ``ornet`` (default: no upsampling, no normalisation, 0.05 ... 0.95):
      the tight box around all map pixels ``> tau`` times ``box_scale``
      (``img_shape / map size``, 4 for LowCAM's stride-4 map), the whole
      image when empty; IoU without ``+1``, ``> delta``. GT boxes as ORNet
      computes them: ``ori_gt_bboxes * scale_factor - crop offset`` in
      float32, *not* clipped to the crop (``ornet_gt_bboxes='unclipped'``),
      or the data sample's (clipped) ``gt_bboxes`` (``'packed'``).

    ``process`` keeps per image only the packed decision bits (``V x D x
    T`` bits), the top-k hits and, with masks, two ``T + 2`` histograms;
    the gathered results are summed as integers, so 1 and N processes give
    the same numbers.

    Threshold selection (``threshold_selection``) for GT-known_Loc, Top-k
    Loc and BoxAcc@d: ``oracle`` (best on the evaluated split itself; what
    papers report, optimistic), ``fixed`` (``fixed_threshold``), or
    ``calibrated`` (read from ``calibration_file``, written by an oracle run
    on another split with ``save_thresholds``, e.g. wsolevaluation's
    train-fullsup split). MaxBoxAcc, MaxBoxAccV2 and MaxBoxAcc@d are maxima
    over thresholds by definition and do not depend on it.

    Args:
        protocol (str): ``wsolevaluation`` or ``ornet``.
        cam_thresholds (Sequence[float], optional): default per protocol.
        iou_thresholds (Sequence[int]): percent, for MaxBoxAcc@d and V2.
        topk (Sequence[int]): k of Top-k Cls / Loc.
        threshold_selection (str): ``oracle``, ``fixed`` or ``calibrated``.
        fixed_threshold (float, optional): the ``fixed`` threshold (one of
            ``cam_thresholds``).
        calibration_file (str, optional): JSON thresholds for
            ``calibrated``.
        save_thresholds (str, optional): write the selected thresholds of
            this evaluation to this JSON file (for a later calibrated run).
        map_normalization (str, optional): ``minmax`` or ``none``.
        map_upsample (str, optional): ``bicubic``, ``bilinear``,
            ``nearest`` or ``none`` (map at native size).
        box_scale (float, optional): ornet only; default image size over
            map size.
        ornet_gt_bboxes (str): ``unclipped`` or ``packed`` (see above).
        pxap_upsample (str, optional): with ``gt_mask`` and a map evaluated
            below the mask size (``map_upsample='none'``), upsample the
            normalised map this way for PxAP only, then normalise it again
            (``minmax``) or clip it to [0, 1] (``none``), so that no
            interpolation overshoot leaves the histogram; default: refuse.
        nonfinite_maps (str): a score map holding NaN or inf: ``'error'``
            (default) stops naming the images; ``'zero'`` evaluates it as
            an all-zero map, counted and named in the log.
        num_threads (int, optional): threads of the wsolevaluation box
            kernel; default ``torch.get_num_threads()``.
        collect_device (str): ``cpu`` or ``gpu``.
        prefix (str, optional): key prefix, default ``wsol``.
        collect_dir (str, optional): see ``BaseMetric``.
    """
    default_prefix = 'wsol'

    def __init__(self,
                 protocol: str = 'wsolevaluation',
                 cam_thresholds: Optional[Sequence[float]] = None,
                 iou_thresholds: Sequence[int] = (30, 50, 70),
                 topk: Sequence[int] = (1, 5),
                 threshold_selection: str = 'oracle',
                 fixed_threshold: Optional[float] = None,
                 calibration_file: Optional[str] = None,
                 save_thresholds: Optional[str] = None,
                 map_normalization: Optional[str] = None,
                 map_upsample: Optional[str] = None,
                 box_scale: Optional[float] = None,
                 ornet_gt_bboxes: str = 'unclipped',
                 pxap_upsample: Optional[str] = None,
                 nonfinite_maps: str = 'error',
                 num_threads: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        self.protocol = check_protocol(protocol)
        self.cam_thresholds = as_cam_thresholds(cam_thresholds, protocol)
        self.iou_thresholds = as_iou_thresholds(iou_thresholds)
        self.iou_eval = list(self.iou_thresholds)
        if LOC_IOU not in self.iou_eval:
            self.iou_eval.append(LOC_IOU)
        self.topk = tuple(int(k) for k in topk)
        defaults = protocol_defaults(protocol)
        self.map_normalization = (map_normalization
                                  or defaults['map_normalization'])
        self.map_upsample = map_upsample or defaults['map_upsample']
        check_choice('map_normalization', self.map_normalization,
                     NORMALIZATIONS)
        check_choice('map_upsample', self.map_upsample, UPSAMPLE_MODES)
        if protocol == 'wsolevaluation' and self.map_upsample == 'none':
            raise ValueError('the wsolevaluation protocol evaluates maps at '
                             'the image size; map_upsample cannot be "none"')
        self.box_scale = box_scale
        self.ornet_gt_bboxes = check_choice('ornet_gt_bboxes',
                                            ornet_gt_bboxes,
                                            ('unclipped', 'packed'))
        self.pxap_upsample = check_choice(
            'pxap_upsample', pxap_upsample,
            (None, ) + tuple(m for m in UPSAMPLE_MODES if m != 'none'))
        self.nonfinite_maps = check_choice('nonfinite_maps', nonfinite_maps,
                                           NONFINITE_POLICIES)
        self.num_threads = num_threads
        self.threshold_selection = check_choice(
            'threshold_selection', threshold_selection, _SELECTIONS)
        self.thresholds_from = None
        if threshold_selection == 'fixed':
            if fixed_threshold is None:
                raise ValueError('threshold_selection="fixed" needs '
                                 'fixed_threshold')
            self.thresholds_from = float(fixed_threshold)
        elif threshold_selection == 'calibrated':
            if calibration_file is None:
                raise ValueError('threshold_selection="calibrated" needs '
                                 'calibration_file (written by an oracle run '
                                 'with save_thresholds)')
            self.thresholds_from = self._load_calibration(calibration_file)
        self.save_thresholds = save_thresholds

    # ------------------------------------------------------------------ #
    def _load_calibration(self, path):
        if not osp.isfile(path):
            raise FileNotFoundError(f'calibration_file not found: {path}')
        with open(path) as f:
            saved = json.load(f)
        if saved.get('protocol') != self.protocol:
            raise ValueError(f'{path}: thresholds were calibrated with '
                             f'protocol {saved.get("protocol")!r}, this '
                             f'metric uses {self.protocol!r}')
        # files written before the keys lost their spaces read the same
        return rename_legacy_keys(saved['thresholds'])

    def _write_thresholds(self, metrics):
        thresholds = {k: v for k, v in metrics.items() if k.endswith('_thr')}
        with open(self.save_thresholds, 'w') as f:
            json.dump(
                dict(
                    protocol=self.protocol,
                    threshold_selection=self.threshold_selection,
                    thresholds=thresholds),
                f,
                indent=2)

    # ------------------------------------------------------------------ #
    def _gt_boxes(self, sample, img_shape):
        if self.protocol == 'wsolevaluation':
            for key in ('ori_gt_bboxes', 'ori_shape'):
                if key not in sample:
                    raise KeyError(f'{_name(sample)}: the wsolevaluation '
                                   f'protocol needs metainfo "{key}"')
            if sample.get('crop_bbox') is not None:
                raise ValueError(
                    f'{_name(sample)}: the test pipeline cropped the image '
                    f'(crop_bbox={sample["crop_bbox"]}); the wsolevaluation '
                    'protocol resizes the whole image (Resize to 224x224, no '
                    'crop). Use protocol="ornet" or drop the crop.')
            if sample.get('flip'):
                raise ValueError(f'{_name(sample)}: the test pipeline flipped '
                                 'the image; localization is evaluated on '
                                 'unflipped images.')
            ori_shape = check_image_size(sample['ori_shape'][:2],
                                         _name(sample))
            return wsolevaluation_resize_boxes(
                check_gt_boxes(sample['ori_gt_bboxes'], _name(sample),
                               ori_shape, inclusive=True), ori_shape,
                img_shape)
        if self.ornet_gt_bboxes == 'packed':
            if 'gt_bboxes' not in sample:
                raise KeyError(f'{_name(sample)}: no gt_bboxes')
            return check_gt_boxes(sample['gt_bboxes'], _name(sample),
                                  img_shape).astype(np.float32)
        if 'ori_gt_bboxes' not in sample:
            raise KeyError(f'{_name(sample)}: ornet_gt_bboxes="unclipped" '
                           'needs metainfo "ori_gt_bboxes"')
        ori_boxes = check_gt_boxes(
            sample['ori_gt_bboxes'], _name(sample),
            check_image_size(sample['ori_shape'][:2], _name(sample))
            if 'ori_shape' in sample else None)
        scale = sample.get('scale_factor')
        crop = sample.get('crop_bbox')
        if scale is None and crop is None and tuple(
                sample.get('ori_shape', img_shape)) != tuple(img_shape):
            raise ValueError(
                f'{_name(sample)}: img_shape {tuple(img_shape)} differs from '
                f'ori_shape {tuple(sample["ori_shape"])} but the metainfo has '
                'neither scale_factor nor crop_bbox to map the GT boxes.')
        if sample.get('flip'):
            raise ValueError(f'{_name(sample)}: the test pipeline flipped the '
                             'image; localization is evaluated on unflipped '
                             'images.')
        return ornet_unclipped_boxes(
            ori_boxes, scale,
            None if crop is None else _np(crop, np.float64)[:2])

    def _check_unnormalized_range(self, maps, samples, ranges):
        """Maps compared as they are against thresholds in [0, 1] must be
        in [0, 1] (LowCAM's p^a is a probability; a CAM is not)."""
        outside = range_outside_unit(maps, tolerance=1e-6, ranges=ranges)
        if outside is not None:
            low, high = outside
            raise ValueError(
                f'{_name(samples[0])} (and its batch): score maps range over '
                f'[{low:.4g}, {high:.4g}], but map_normalization=\'none\' '
                f'({self.protocol} protocol) compares them as they are with '
                'thresholds in [0, 1]. Maps that are not probabilities '
                '(e.g. CAM) need map_normalization=\'minmax\' (--cfg-options '
                'test_evaluator.map_normalization=minmax).')

    def _group_records(self, samples):
        """Records of samples sharing map and image sizes."""
        img_shape = tuple(int(s) for s in samples[0]['img_shape'][:2])
        maps = torch.stack([s['score_map'] for s in samples])
        if maps.dim() == 4:
            maps = maps[:, 0]  # (1, h, w) maps, checked in process()
        maps = maps.to(torch.float64)
        maps = upsample_score_maps(maps, img_shape, self.map_upsample)
        ranges = score_map_ranges(maps)
        nonfinite = ~(torch.isfinite(ranges[0]) & torch.isfinite(ranges[1]))
        nonfinite = nonfinite.cpu().numpy()
        if nonfinite.any() and self.nonfinite_maps == 'error':
            raise nonfinite_maps_error(
                [_name(s) for s, bad in zip(samples, nonfinite) if bad],
                len(samples))
        if self.map_normalization == 'none':
            self._check_unnormalized_range(maps, samples, ranges)
        maps, invalid = normalize_score_maps(maps, self.map_normalization,
                                             ranges=ranges)
        box_scale = 1
        if self.protocol == 'ornet':
            box_scale = self.box_scale
            if box_scale is None:
                sy = img_shape[0] / maps.shape[1]
                sx = img_shape[1] / maps.shape[2]
                if sx != sy:
                    raise ValueError(
                        f'{_name(samples[0])}: map {tuple(maps.shape[1:])} '
                        f'and image {img_shape} have different x/y strides; '
                        'set box_scale')
                box_scale = sx
        boxes = [self._gt_boxes(s, img_shape) for s in samples]
        with_mask = ['gt_mask' in s for s in samples]
        correct = None
        if all(len(b) == 0 for b in boxes) and all(with_mask):
            boxes = None  # a mask-only dataset (OpenImages): PxAP only
        else:
            for s, b in zip(samples, boxes):
                if len(b) == 0:
                    raise ValueError(f'{_name(s)} has no GT box; every '
                                     'evaluated image needs one (or, for '
                                     'PxAP only, none has one and all have '
                                     'gt_mask)')
        if boxes is not None:
            correct = box_correctness(
                self.protocol,
                maps,
                boxes,
                self.cam_thresholds,
                self.iou_eval,
                image_size=img_shape,
                box_scale=box_scale,
                num_threads=self.num_threads or torch.get_num_threads())

        hist = None
        if any(with_mask):
            if not all(with_mask):
                raise ValueError('some data samples have gt_mask and others '
                                 'not; PxAP needs masks for every image')
            masks = torch.stack([torch.as_tensor(s['gt_mask'])
                                 for s in samples])
            pxap_maps = maps
            if tuple(masks.shape[1:]) != tuple(maps.shape[1:]):
                if self.pxap_upsample is None:
                    raise ValueError(
                        f'{_name(samples[0])}: gt_mask '
                        f'{tuple(masks.shape[1:])} and the evaluated map '
                        f'{tuple(maps.shape[1:])} differ; PxAP needs the map '
                        'at the mask size: set map_upsample, or '
                        'pxap_upsample to upsample it for PxAP only')
                # upsample, then normalise again (wsolevaluation's order):
                # bicubic over/undershoot outside [0, 1] would otherwise
                # fall outside the histogram and drop those pixels
                pxap_maps = upsample_score_maps(maps, masks.shape[1:],
                                                self.pxap_upsample)
                if self.map_normalization != 'none':
                    pxap_maps, _ = normalize_score_maps(
                        pxap_maps, self.map_normalization)
                else:  # probabilities: keep the overshoot in [0, 1]
                    pxap_maps = pxap_maps.clamp(0, 1)
            hist = mask_score_histograms(pxap_maps, masks,
                                         self.cam_thresholds,
                                         [_name(s) for s in samples])

        hits = None
        with_score = ['pred_score' in s for s in samples]
        if any(with_score):
            if not all(with_score):
                raise ValueError('some data samples have pred_score and '
                                 'others not')
            scores = torch.stack([s['pred_score'] for s in samples])
            labels = torch.stack([
                torch.as_tensor(s['gt_label']).reshape(-1)[0] for s in samples
            ]).to(scores.device)
            k_max = min(max(self.topk), scores.shape[1])
            top = scores.topk(k_max, dim=1).indices
            hits = torch.stack([(top[:, :k] == labels[:, None]).any(1)
                                for k in self.topk], 1).cpu().numpy()

        invalid = invalid.cpu().numpy()
        records = []
        for i in range(len(samples)):
            records.append(
                dict(
                    box=None if correct is None else np.packbits(
                        correct[i].reshape(-1)),
                    cls=None if hits is None else hits[i],
                    hist=None if hist is None else pack_histogram(hist[i]),
                    invalid=bool(invalid[i]),
                    nonfinite=_name(samples[i]) if nonfinite[i] else None))
        return records

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Compact per-image records of a batch (never the maps)."""
        groups = OrderedDict()
        for i, sample in enumerate(data_samples):
            if 'score_map' not in sample:
                raise KeyError(f'{_name(sample)}: the model gave no '
                               '"score_map" (LocalizationMetric needs one)')
            shape = tuple(sample['score_map'].shape)
            check_map_size(shape[1:] if len(shape) == 3 and shape[0] == 1
                           else shape, _name(sample))
            key = (tuple(sample['score_map'].shape),
                   tuple(sample['img_shape'][:2]))
            groups.setdefault(key, []).append(i)
        records = [None] * len(data_samples)
        for indices in groups.values():
            for i, rec in zip(
                    indices,
                    self._group_records([data_samples[i] for i in indices])):
                records[i] = rec
        self.results.extend(records)

    def compute_metrics(self, results: List[dict]) -> dict:
        """Sum the records (as integers) and derive the figures."""
        num_bits = (2 if self.protocol == 'wsolevaluation' else
                    1) * len(self.iou_eval) * len(self.cam_thresholds)
        shape = (-1, num_bits // (len(self.iou_eval) *
                                  len(self.cam_thresholds)),
                 len(self.iou_eval), len(self.cam_thresholds))
        with_cls = results[0]['cls'] is not None if results else False
        with_hist = results[0]['hist'] is not None if results else False
        with_box = results[0]['box'] is not None if results else False
        counts = LocalizationCounts()
        chunk = 2048
        for start in range(0, len(results), chunk):
            part = results[start:start + chunk]
            if any((r['cls'] is not None) != with_cls
                   or (r['hist'] is not None) != with_hist
                   or (r['box'] is not None) != with_box for r in part):
                raise ValueError('some images have GT boxes, class scores or '
                                 'masks and others not')
            bits = None
            if with_box:
                bits = np.unpackbits(
                    np.stack([r['box'] for r in part]), axis=1,
                    count=num_bits).reshape(shape)
            counts = counts + LocalizationCounts.from_batch(
                len(part),
                None if bits is None else bits.astype(bool),
                self.iou_eval.index(LOC_IOU),
                cls_correct=np.stack([r['cls'] for r in part])
                if with_cls else None,
                hist=unpack_histograms([r['hist'] for r in part])
                if with_hist else None,
                invalid=np.array([r['invalid'] for r in part]))
        logger = MMLogger.get_current_instance()
        nonfinite = [r['nonfinite'] for r in results if r.get('nonfinite')]
        if nonfinite:
            logger.warning('LocalizationMetric: ' +
                           nonfinite_maps_message(nonfinite, counts.num))
        if counts.invalid > len(nonfinite):
            logger.warning(
                f'LocalizationMetric: {counts.invalid - len(nonfinite)} of '
                f'{counts.num} score maps were constant; they were evaluated '
                'as all-zero maps.')
        metrics = summarize_localization(
            counts,
            self.cam_thresholds,
            self.iou_thresholds,
            self.iou_eval,
            topk=self.topk,
            thresholds_from=self.thresholds_from)
        how = dict(
            oracle='oracle (best threshold on the evaluated split itself, '
            'as papers report; optimistic)',
            fixed=f'fixed at {self.thresholds_from}',
            calibrated='calibrated on another split (read from the '
            'calibration file)')[self.threshold_selection]
        logger.info(f'LocalizationMetric ({self.protocol} protocol, '
                    f'{len(self.cam_thresholds)} map thresholds): '
                    f'thresholds of GT-known / Top-k Loc {how}.')
        if self.save_thresholds:
            self._write_thresholds(metrics)
        return metrics
