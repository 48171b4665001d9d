"""pyproject's ``requires-python`` is true: the interpreter running the
tests satisfies it, and no file of the project needs a newer Python's
syntax than its minimum."""
import ast
import glob
import os.path as osp
import re
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SOURCE_FOLDERS = ('mmwsol', 'tools', 'tests', 'demo', 'projects', 'configs')


def minimum_python():
    """``(3, 11)`` from ``requires-python = ">=3.11"``."""
    with open(osp.join(REPO, 'pyproject.toml')) as f:
        text = f.read()
    match = re.search(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)"\s*$',
                      text, re.M)
    assert match, 'pyproject.toml: requires-python must read ">=X.Y"'
    return int(match.group(1)), int(match.group(2))


def python_files():
    return sorted(
        path for folder in SOURCE_FOLDERS
        for path in glob.glob(osp.join(REPO, folder, '**', '*.py'),
                              recursive=True))


def test_this_interpreter_satisfies_requires_python():
    assert sys.version_info[:2] >= minimum_python()


def test_classifier_names_the_minimum():
    major, minor = minimum_python()
    with open(osp.join(REPO, 'pyproject.toml')) as f:
        assert f'"Programming Language :: Python :: {major}.{minor}"' in (
            f.read())


def test_no_syntax_newer_than_the_minimum():
    minimum = minimum_python()
    files = python_files()
    assert len(files) > 100
    errors = []
    for path in files:
        with open(path) as f:
            source = f.read()
        try:
            ast.parse(source, filename=path, feature_version=minimum)
        except SyntaxError as err:
            errors.append(f'{osp.relpath(path, REPO)}:{err.lineno}: '
                          f'{err.msg}')
    assert not errors, '\n'.join(errors)


def test_the_check_rejects_newer_syntax():
    """A PEP 695 type alias (3.12) fails the parse at 3.11."""
    with pytest.raises(SyntaxError):
        ast.parse('type Boxes = list[int]\n', feature_version=(3, 11))
