# An evaluator F^e for LowCAM on OpenImages30k (wsolevaluation splits): the
# CUB recipe (configs/evaluator/vgg16_cub.py) with 100 classes and batch 16.
# The ORNet release has no OpenImages settings: 50 epochs (about the CUB
# recipe's number of iterations) is an assumption.
_base_ = [
    '../_base_/models/vgg16_classifier.py',
    '../_base_/datasets/openimages_wsolevaluation.py',
    '../_base_/schedules/evaluator_cub.py',
    '../_base_/default_runtime.py',
]

data_preprocessor = dict(num_classes=100)
model = dict(backbone=dict(num_classes=100))
train_dataloader = dict(batch_size=16)
val_dataloader = dict(batch_size=16)
test_dataloader = dict(batch_size=16)
val_evaluator = dict(_delete_=True, type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
param_scheduler = dict(end=50)
train_cfg = dict(max_epochs=50, val_interval=5)
randomness = dict(seed=1)

# also keep the best checkpoint by 'accuracy/top1' (best_*.pth)
default_hooks = dict(checkpoint=dict(save_best='accuracy/top1'))
