# The data loaders every dataset config here starts from: shuffled training
# batches whose indices carry each sample's augmentation seed (SeededSampler:
# the same augmentation with any number of workers and after --resume),
# validation and test batches in order, workers kept between epochs. A
# dataset config sets the batch size, the number of workers and the dataset
# (type, root, split, pipeline).
train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='SeededSampler', shuffle=True))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
