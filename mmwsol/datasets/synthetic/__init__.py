"""The seeded generators of the embedded synthetic sets (no download).

- the WSOL benchmark (:class:`~mmwsol.datasets.SyntheticWSOL`), in the
  CUB-200-2011 layout: :mod:`.wsol_generator` renders it,
  :mod:`.wsol_files` writes it;
- the pretraining set (:class:`~mmwsol.datasets.SyntheticPretrain`), in
  mmpretrain's ``CustomDataset`` layout: :mod:`.pretrain_generator`,
  :mod:`.pretrain_files`.

Shared by both: :mod:`.designs` (what tells the classes apart),
:mod:`.params` (what determines the files, and its fingerprint),
:mod:`.base_generator` (textures, masks, background), :mod:`.plan` (the
split plans), :mod:`.writing` (PNGs, worker processes, the info json),
:mod:`.cache` (generate on first use into ``$MMWSOL_CACHE``) and
:mod:`.generated_dataset` (the dataset classes' common arguments).

Files come out byte-identical for the same parameters and seed: every
image is drawn from its own random stream ``SeedSequence(seed,
spawn_key=(image_id,))`` and PNG encoding is lossless and deterministic.
"""
from .base_generator import BaseSyntheticGenerator, hsv_to_bgr
from .cache import (build_atomically, default_cache_root, existing_or_prepared,
                    is_complete, prepare_generated, read_info)
from .designs import (BODY_TEXTURES, CLASS_CUES, HEAD_COLOURS, HEAD_PATTERNS,
                      HEAD_SHAPES, MAX_CLASSES, MAX_SHAPE_CLASSES,
                      PRETRAIN_SHAPES, PRETRAIN_TEXTURES, check_num_classes,
                      class_names, designs, head_combinations,
                      pretrain_class_names, shape_combinations)
from .generated_dataset import GeneratedDatasetMixin
from .params import (GENERATOR_VERSION, PRETRAIN_GENERATOR_VERSION,
                     GeneratorParams, SyntheticPretrainParams,
                     SyntheticWSOLParams, params_from, to_params)
from .plan import pretrain_plan, wsol_plan
from .pretrain_files import (PRETRAIN_INFO_FILE, prepare_synthetic_pretrain,
                             write_synthetic_pretrain)
from .pretrain_generator import SyntheticPretrainGenerator
from .writing import (make_empty_dir, render_plan, write_info, write_lines,
                      write_png)
from .wsol_files import (INFO_FILE, TRAIN_FULLSUP_DIR, prepare_synthetic_wsol,
                         write_synthetic_wsol)
from .wsol_generator import (PART_BACKGROUND, PART_BODY, PART_HEAD,
                             SyntheticSample, SyntheticWSOLGenerator,
                             tight_box)

__all__ = [
    'BaseSyntheticGenerator', 'hsv_to_bgr', 'build_atomically',
    'default_cache_root', 'existing_or_prepared', 'is_complete',
    'prepare_generated', 'read_info', 'BODY_TEXTURES', 'CLASS_CUES',
    'HEAD_COLOURS', 'HEAD_PATTERNS', 'HEAD_SHAPES', 'MAX_CLASSES',
    'MAX_SHAPE_CLASSES', 'PRETRAIN_SHAPES', 'PRETRAIN_TEXTURES',
    'check_num_classes', 'class_names', 'designs', 'head_combinations',
    'pretrain_class_names', 'shape_combinations', 'GeneratedDatasetMixin',
    'GENERATOR_VERSION', 'PRETRAIN_GENERATOR_VERSION', 'GeneratorParams',
    'SyntheticPretrainParams', 'SyntheticWSOLParams', 'params_from',
    'to_params', 'pretrain_plan', 'wsol_plan', 'PRETRAIN_INFO_FILE',
    'prepare_synthetic_pretrain', 'write_synthetic_pretrain',
    'SyntheticPretrainGenerator', 'make_empty_dir', 'render_plan',
    'write_info', 'write_lines', 'write_png', 'INFO_FILE', 'TRAIN_FULLSUP_DIR',
    'prepare_synthetic_wsol', 'write_synthetic_wsol', 'PART_BACKGROUND',
    'PART_BODY', 'PART_HEAD', 'SyntheticSample', 'SyntheticWSOLGenerator',
    'tight_box'
]
