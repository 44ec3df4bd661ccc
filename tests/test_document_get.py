"""Document.get: the quick walk over mappings gives what the general walk gives."""

from __future__ import annotations

import os
import random

from infergw_lint import engine

HERE = os.path.dirname(__file__)


def _reference_get(doc, path, default=None):
    """Document.get as it was written before its quick walk (the general walk only)."""
    cur = doc.data
    for i, seg in enumerate(path):
        if isinstance(cur, str):
            emb = doc.embedded.get(path[:i])
            if emb is None:
                return default
            cur = emb.data
        if isinstance(cur, dict):
            if seg not in cur:
                return default
            cur = cur[seg]
        elif isinstance(cur, list) and isinstance(seg, int) and 0 <= seg < len(cur):
            cur = cur[seg]
        else:
            return default
    if isinstance(cur, str) and path in doc.embedded:
        return doc.embedded[path].data
    return cur


def _paths(data, base=(), out=None, depth=0):
    """Every path of ``data`` (keys and indexes), and some that lead nowhere."""
    out = [] if out is None else out
    out.append(base)
    if depth > 12:
        return out
    if isinstance(data, dict):
        out.append(base + ("no-such-key",))
        for k, v in data.items():
            _paths(v, base + (k,), out, depth + 1)
    elif isinstance(data, list):
        out += [base + (len(data),), base + (-1,), base + (True,), base + ("0",)]
        for i, v in enumerate(data):
            _paths(v, base + (i,), out, depth + 1)
    else:
        out.append(base + ("below-a-scalar",))
    return out


def test_get_equals_the_general_walk():
    rnd = random.Random(7)
    dirs = [os.path.join(HERE, "..", "sample_manifests"), os.path.join(HERE, "fixtures"), os.path.join(HERE, "realworld")]
    loaded = engine.load_index([d for d in dirs if os.path.exists(d)], engine.Options())
    compared = embedded = 0
    marker = object()
    for doc in loaded.loaded.documents:
        paths = _paths(doc.data)
        for key, emb in doc.embedded.items():  # into embedded JSON and YAML
            for sub in _paths(emb.data)[:50]:
                paths.append(key + sub)
                embedded += 1
        for path in rnd.sample(paths, min(len(paths), 40)):
            for default in (None, marker):
                assert doc.get(*path, default=default) is _reference_get(doc, path, default), (doc.path, path)
            compared += 1
    assert compared > 10_000 and embedded > 100
