# The evaluator F^e of LowCAM on CUB-200-2011, as the ORNet release trains it
# (train_evaluator.py): ImageNet VGG16 with a new 200-way last layer; Resize
# 256x256, flip, RandomCrop 224; SGD lr 1e-3, momentum 0.9, wd 5e-4, batch
# 16, 200 epochs, per-iteration cosine; seed 1 (config SEED). The LowCAM CUB
# configs train it themselves first (stage 0, into <work_dir>/evaluator/) and
# use its last checkpoint (the release keeps the epoch with the best test
# accuracy). On its own:
#   python tools/train.py configs/evaluator/vgg16_cub.py
# then, for the LowCAM configs,
#   --cfg-options model.evaluator.checkpoint=work_dirs/vgg16_cub/epoch_200.pth
_base_ = [
    '../_base_/models/vgg16_classifier.py',
    '../_base_/datasets/cub_ornet.py',
    '../_base_/schedules/evaluator_cub.py',
    '../_base_/default_runtime.py',
]

val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
randomness = dict(seed=1)

# also keep the best checkpoint by 'accuracy/top1' (best_*.pth)
default_hooks = dict(checkpoint=dict(save_best='accuracy/top1'))
