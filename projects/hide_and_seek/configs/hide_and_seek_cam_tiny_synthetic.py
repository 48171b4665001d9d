# Hide-and-Seek (Singh and Lee, ICCV 2017) on the CAM baseline of the
# embedded synthetic benchmark: configs/cam/cam_tiny_synthetic.py unchanged
# (model, data, 8-epoch schedule, seed 0) except for the HideAndSeek
# transform in the training pipeline. Loading a config under projects/
# puts the repository root on sys.path (mmwsol.utils.add_project_root), so
# `projects.hide_and_seek` imports, also under `mim train mmwsol`:
#   python tools/train.py \
#       projects/hide_and_seek/configs/hide_and_seek_cam_tiny_synthetic.py
_base_ = ['../../../configs/cam/cam_tiny_synthetic.py']

custom_imports = dict(
    imports=['projects.hide_and_seek.hide_and_seek'],
    allow_failed_imports=False)

# Mean pixel of the benchmark's 2500 training images, BGR (the channel order
# of `img` in the pipeline), measured over every pixel of the default
# generator's train split (seed 0, 112 px). The paper fills hidden patches
# with the dataset mean; the model's data_preprocessor still normalises with
# its own (ImageNet) mean/std.
synthetic_mean_bgr = [116.10, 117.08, 118.15]

# Patch sides for 112 px input: the paper's 16-56 px at 224 px, halved and
# rounded to divisors of 112; one side drawn per image.
hide_and_seek = dict(
    type='HideAndSeek',
    grid_sizes=(8, 16, 28),
    hide_prob=0.5,
    fill='mean',
    mean=synthetic_mean_bgr)

# The base train pipeline (load, resize to 112 px, flip, pack) with
# HideAndSeek inserted before the packing, i.e. on the network-input-sized
# image after every geometric transform.
assert _base_.train_pipeline[-1]['type'] == 'PackWSOLInputs'
train_pipeline = [*_base_.train_pipeline[:-1], hide_and_seek,
                  _base_.train_pipeline[-1]]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
