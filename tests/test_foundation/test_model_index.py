"""model-index.yml and the metafiles it imports (mmpretrain's format):
they load with ``modelindex``, name every config of the indexed folders
once, by its file stem, and every Config and Weights resolves."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from modelindex.load_model_index import load

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INDEXED_FOLDERS = ('cam', 'lowcam', 'acol', 'adl', 'bas', 'post_hoc_cam',
                   'cutmix', 'spg', 'evaluator', 'pretrain')
WSOL = 'Weakly Supervised Object Localization'


@pytest.fixture(scope='module')
def models():
    index = load(osp.join(REPO, 'model-index.yml'))
    index.build_models_with_collections()
    return index.models


def test_one_metafile_per_config_folder():
    import yaml
    with open(osp.join(REPO, 'model-index.yml')) as f:
        imports = yaml.safe_load(f)['Import']
    assert sorted(imports) == sorted(
        f'configs/{folder}/metafile.yml' for folder in INDEXED_FOLDERS)


def test_every_config_once_by_its_stem(models):
    names = [m.name for m in models]
    assert len(names) == len(set(n.lower() for n in names))
    listed = {m.config for m in models}
    on_disk = {
        osp.relpath(path, REPO)
        for folder in INDEXED_FOLDERS
        for path in glob.glob(osp.join(REPO, 'configs', folder, '*.py'))
    }
    assert listed == on_disk
    for model in models:
        assert model.name == osp.splitext(osp.basename(model.config))[0]
        assert model.in_collection, model.name


def test_configs_load(models):
    for model in models:
        cfg = Config.fromfile(osp.join(REPO, model.config))
        assert 'model' in cfg, model.config


def test_paper_targets_and_measured_results(models):
    by_name = {m.name: m for m in models}
    metrics = {
        name: by_name[name].results[0].metrics
        for name in ('lowcam_vgg16_cub', 'lowcam_vgg16_imagenet',
                     'cam_vgg16_cub', 'lowcam_tiny_synthetic')
    }
    # README, "Configs and results" (the paper's targets) and the 3-seed
    # synthetic table
    assert metrics['lowcam_vgg16_cub'] == {
        'Top-1 Loc': 67.74, 'Top-5 Loc': 80.77, 'GT-known Loc': 86.20}
    assert metrics['lowcam_vgg16_imagenet'] == {
        'Top-1 Loc': 52.05, 'Top-5 Loc': 63.94, 'GT-known Loc': 68.27}
    assert metrics['cam_vgg16_cub'] == {'MaxBoxAccV2': 63.7}
    assert metrics['lowcam_tiny_synthetic']['PxAP'] == 55.6
    for model in models:
        for result in model.results or ():
            expected = ('Image Classification'
                        if model.name.endswith('_pretrain') else WSOL)
            assert result.task == expected, model.name


def test_collections_name_paper_and_code():
    index = load(osp.join(REPO, 'model-index.yml'))
    collections = {c.name: c for c in index.collections}
    assert set(collections) == {
        'CAM', 'ACoL', 'ADL', 'BAS', 'LowCAM', 'LowCAM evaluator',
        'Synthetic pretraining', 'Post-hoc CAM', 'CutMix', 'SPG'}
    for collection in collections.values():
        assert collection.paper['Title'] and collection.paper['URL']
        assert collection.code['URL'].startswith('https://github.com/')
    assert collections['LowCAM'].paper['URL'] == (
        'https://arxiv.org/abs/2110.05741')


def test_weights_resolve(models):
    from mmwsol.engine.checkpoint import resolve_model_zoo
    with_weights = {m.name: m.weights for m in models if m.weights}
    assert with_weights == {
        'resnet18_w16_synthetic_pretrain':
        'mmwsol://synthetic_pretrain/resnet18_w16.pth'
    }
    for weights in with_weights.values():
        assert osp.isfile(resolve_model_zoo(weights))
