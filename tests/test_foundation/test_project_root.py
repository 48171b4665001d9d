"""mmwsol.utils.project_root: a ``projects/<name>`` config's
``custom_imports`` import from any directory without PYTHONPATH."""
import os
import os.path as osp
import subprocess
import sys

from mmwsol.utils import add_project_root
from mmwsol.utils.project_root import find_project_root

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HIDE_AND_SEEK = osp.join(REPO, 'projects', 'hide_and_seek', 'configs',
                         'hide_and_seek_cam_tiny_synthetic.py')


def test_find_project_root(tmp_path):
    config = tmp_path / 'repo' / 'projects' / 'm' / 'configs' / 'a.py'
    config.parent.mkdir(parents=True)
    config.write_text('')
    assert find_project_root(config) == str(tmp_path / 'repo')
    # the nearest projects/ folder above the file
    nested = tmp_path / 'projects' / 'x' / 'projects' / 'y' / 'b.py'
    nested.parent.mkdir(parents=True)
    nested.write_text('')
    assert find_project_root(nested) == str(tmp_path / 'projects' / 'x')
    assert find_project_root(osp.join(REPO, 'configs', 'cam',
                                      'cam_tiny_synthetic.py')) is None
    # symbolic links resolved: a link to the config elsewhere still counts
    link = tmp_path / 'link.py'
    link.symlink_to(config)
    assert find_project_root(link) == str(tmp_path / 'repo')


def test_add_project_root_appends_once(tmp_path, monkeypatch):
    config = tmp_path / 'projects' / 'm' / 'c.py'
    config.parent.mkdir(parents=True)
    config.write_text('')
    monkeypatch.setattr(sys, 'path', list(sys.path))
    before = list(sys.path)
    assert add_project_root(config) == str(tmp_path)
    assert add_project_root(config) == str(tmp_path)
    assert sys.path == before + [str(tmp_path)]
    assert add_project_root(tmp_path / 'other.py') is None
    assert sys.path == before + [str(tmp_path)]


def test_project_config_loads_from_anywhere(tmp_path):
    """load_tool_config (tools/train.py, test.py, misc/) and get_model
    (init_localizer, the inferencer, the demos) on the Hide-and-Seek
    config, from another directory, no PYTHONPATH."""
    code = (
        'import sys\n'
        'from mmwsol.utils.tool_config import load_tool_config\n'
        f'cfg = load_tool_config({HIDE_AND_SEEK!r})\n'
        "import projects.hide_and_seek.hide_and_seek as hs\n"
        "from mmwsol.registry import TRANSFORMS\n"
        "assert TRANSFORMS.get('HideAndSeek') is hs.HideAndSeek\n"
        f"assert sys.path[-1] == {REPO!r}\n"
        "print('OK', cfg.custom_imports['imports'])\n")
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    proc = subprocess.run([sys.executable, '-c', code], cwd=tmp_path,
                          env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "OK ['projects.hide_and_seek.hide_and_seek']" in proc.stdout


def test_a_config_inheriting_a_project_config_loads_from_anywhere(tmp_path):
    """A config outside projects/ whose _base_ (two levels down) is the
    Hide-and-Seek config, e.g. the evaluation configs that
    tools/analysis_tools/synthetic_benchmark.py writes into its work dir:
    tools/test.py once stopped on its custom_imports."""
    middle = tmp_path / 'work' / 'middle.py'
    middle.parent.mkdir()
    middle.write_text(f'_base_ = [{HIDE_AND_SEEK!r}]\n')
    top = tmp_path / 'work' / 'sub' / 'evaluate.py'
    top.parent.mkdir()
    top.write_text("_base_ = ['../middle.py']\n"
                   "test_dataloader = dict(dataset=dict(split='test'))\n")
    assert find_project_root(top) == REPO
    code = ('from mmwsol.utils.tool_config import load_tool_config\n'
            f'cfg = load_tool_config({str(top)!r})\n'
            "print('OK', cfg.test_dataloader.dataset.split)\n")
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    proc = subprocess.run([sys.executable, '-c', code], cwd=tmp_path,
                          env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'OK test' in proc.stdout
