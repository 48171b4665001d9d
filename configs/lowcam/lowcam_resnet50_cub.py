# LowCAM on CUB-200-2011 exactly as the ORNet release builds it: F^c an
# ImageNet ResNet-50 split after its stem (CoarseModel: stem -> U-Net, stem
# * p^a -> layer1-4 -> GAP -> fc), VGG16 evaluator F^e; release schedule
# (70 + 30 epochs, batch 16), seed 517, ORNet protocol.
#   python tools/train.py configs/lowcam/lowcam_resnet50_cub.py
# trains F^e first (stage 0, configs/evaluator/vgg16_cub.py, into
# <work_dir>/evaluator/) unless model.evaluator.checkpoint names one.
_base_ = [
    '../_base_/models/lowcam_resnet50.py',
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
