import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
sys.path.insert(0, HERE)


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """The tests never read or write the user's real cache (~/.cache/infergw-lint: stored CEL
    verdicts, parser tables): XDG_CACHE_HOME points to a directory of this session.  Not
    restored afterwards: the stored verdicts are written at exit (atexit), after the session."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield


@pytest.fixture
def root():
    return ROOT


def shared_path(*parts):
    """A path under ../shared, or skip the test when the shared folder is absent."""
    path = os.path.join(SHARED, *parts)
    if not os.path.exists(path):
        pytest.skip(f"{path} not available (../shared is absent on this checkout)")
    return path
