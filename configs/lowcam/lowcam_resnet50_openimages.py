# LowCAM on OpenImages30k under the wsolevaluation protocol (PxAP from the
# masks; val = their train-fullsup split): the release's ResNet-50-stem F^c,
# a VGG16 evaluator trained with configs/evaluator/vgg16_openimages.py,
# batch 16. The release has no OpenImages settings: phase 1 14 epochs +
# phase 2 6 epochs (about the CUB schedule's number of iterations) is an
# assumption.
#   python tools/train.py configs/lowcam/lowcam_resnet50_openimages.py
# trains F^e first (stage 0, configs/evaluator/vgg16_openimages.py, into
# <work_dir>/evaluator/) unless model.evaluator.checkpoint names one.
_base_ = [
    '../_base_/models/lowcam_resnet50.py',
    '../_base_/datasets/openimages_wsolevaluation.py',
    '../_base_/schedules/lowcam_cub.py',
    '../_base_/default_runtime.py',
]

model = dict(
    head=dict(num_classes=100),
    evaluator=dict(
        type='ClassifierEvaluator',
        config='{{ fileDirname }}/../evaluator/vgg16_openimages.py',
        # None: trained first by this run (evaluator_stage), then read
        checkpoint=None,
        eval_mode=False))
train_dataloader = dict(batch_size=16)
val_dataloader = dict(batch_size=16)
test_dataloader = dict(batch_size=16)
custom_hooks = [dict(_base_.custom_hooks[0], switch_epoch=14)]
train_cfg = dict(max_epochs=20, val_interval=2)
randomness = dict(seed=517)

# also keep the best checkpoint by 'wsol/PxAP' (best_*.pth)
default_hooks = dict(checkpoint=dict(save_best='wsol/PxAP'))
