"""Fixtures of tests/test_datasets (defined in wsol_data_fixtures.py)."""
from wsol_data_fixtures import (log_text, make_coco, make_cub,  # noqa
                                make_imagenet, make_metadata)
