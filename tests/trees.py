"""The real trees the differential tests compare an old and a new build over:
sample_manifests/, tests/fixtures/ as one tree and each fixture directory matching
``fixtures``, tests/realworld/ and ../shared/corpus when present."""

from __future__ import annotations

import glob
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def real_trees(fixtures: str = "IGW*") -> list[str]:
    out = [os.path.join(ROOT, "sample_manifests"), os.path.join(ROOT, "tests", "fixtures")]
    out += sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", fixtures)))
    for extra in (os.path.join(ROOT, "tests", "realworld"), os.path.join(ROOT, "..", "shared", "corpus")):
        if os.path.isdir(extra):
            out.append(extra)
    return out
