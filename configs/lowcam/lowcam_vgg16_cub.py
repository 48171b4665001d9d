# LowCAM on CUB-200-2011 with the release's settings: batch 16, Resize
# 256x256 + flip + RandomCrop 224 (test: CenterCrop 224), phase 1 70 epochs
# (SGD 1e-3) then phase 2 30 epochs (Adam 1e-4, per-iteration cosine) in one
# run, seed 517, VGG16 evaluator F^e, ORNet protocol (oracle threshold). F^c
# is VGG16 split at stride 4 (128 channels); the release's own F^c, a
# ResNet-50 stem, is configs/lowcam/lowcam_resnet50_cub.py.
# One command runs the whole pipeline (also as configs/lowcam_vgg16_cub.py):
#   python tools/train.py configs/lowcam/lowcam_vgg16_cub.py [--resume]
# stage 0 trains F^e with configs/evaluator/vgg16_cub.py into
# <work_dir>/evaluator/ (skipped when it is there, or when
# model.evaluator.checkpoint names a trained F^e), then phases 1 and 2.
_base_ = [
    '../_base_/models/lowcam_vgg16.py',
    '../_base_/datasets/cub_ornet.py',
    '../_base_/schedules/lowcam_cub.py',
    '../_base_/default_runtime.py',
]

model = dict(
    head=dict(num_classes=200),
    evaluator=dict(
        type='ClassifierEvaluator',
        config='{{ fileDirname }}/../evaluator/vgg16_cub.py',
        # None: trained first by this run (evaluator_stage), then read
        checkpoint=None,
        eval_mode=False))
# PxAP (when the dataset has masks) needs p^a at the mask size; the ORNet
# boxes use the native map
val_evaluator = dict(pxap_upsample='bicubic')
test_evaluator = val_evaluator
randomness = dict(seed=517)

# also keep the best checkpoint by 'wsol/GT-known_Loc' (best_*.pth)
default_hooks = dict(checkpoint=dict(save_best='wsol/GT-known_Loc'))
