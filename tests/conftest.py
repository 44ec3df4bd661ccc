import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
sys.path.insert(0, HERE)


@pytest.fixture
def root():
    return ROOT


def shared_path(*parts):
    """A path under ../shared, or skip the test when the shared folder is absent."""
    path = os.path.join(SHARED, *parts)
    if not os.path.exists(path):
        pytest.skip(f"{path} not available (../shared is absent on this checkout)")
    return path
