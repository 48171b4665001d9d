# CutMix (Yun et al., ICCV 2019) as a WSOL method: the tiny CAM of
# configs/cam/cam_tiny_synthetic.py (same model, data, schedule, seed)
# trained with CutMix batches, as wsolevaluation's `--wsol_method cutmix`.
#   python tools/train.py configs/cutmix/cutmix_tiny_synthetic.py
_base_ = ['../cam/cam_tiny_synthetic.py']

# wsolevaluation's defaults (config.py): cutmix_beta 1.0, cutmix_prob 1.0
cutmix_beta = 1.0
cutmix_prob = 1.0  # a float: the chance that a batch is mixed
# mmpretrain's CutMix through the classifier's batch augments: lambda ~
# Beta(beta, beta), a box of side ratio sqrt(1 - lambda) centred uniformly,
# clipped, lambda corrected to the box's area, one-hot labels mixed with it
# (the head's CrossEntropyLoss takes the soft gt_score); applied to a batch
# with probability cutmix_prob (RandomBatchAugment), training only.
model = dict(
    train_cfg=dict(
        augments=[dict(type='CutMix', alpha=cutmix_beta)],
        probs=cutmix_prob))
