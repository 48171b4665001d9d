"""Fixtures of tests/test_datasets (defined in wsol_data_fixtures.py)."""
from wsol_data_fixtures import (make_coco, make_cub, make_imagenet,  # noqa
                                make_metadata)
