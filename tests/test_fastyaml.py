"""The loader's fast path (lint/_fastyaml.c: libyaml's events straight to data, no node
tree) against the usual path (PyYAML's C compose, then the Builder).  Differential: every
YAML text of the repository (and ../shared/corpus when present), texts written to reach
each corner of YAML, and random mutations of them load to the same result either way --
the same documents with the same data (Python types included), the same positions of the
root and of ConfigMap data values, the same release signature and the same tree composed
again; the same problems, the same skipped documents.  Where the fast path declines a file
the usual path loads it, so the two must agree on every text."""

from __future__ import annotations

import math
import os
import random

import pytest
from mutations import mutations, seeds
from test_scaling import _same_tree, _yaml_files
from test_untyped_compose import TRICKY

from infergw_lint import loader
from infergw_lint.loader import LoadResult, parse_source
from infergw_lint.source import SourceFile

FAST = loader._fastyaml

needs_fast = pytest.mark.skipif(FAST is None, reason="the fast path is not built here (no libyaml headers)")


def test_fast_path_is_built_where_it_can_be():
    """Where libyaml's headers are (the Linux CI image has them), the build makes the fast
    path: a test run without it would compare nothing."""
    import yaml

    if not os.path.exists("/usr/include/yaml.h") or not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("no libyaml headers, or PyYAML without its C loader")
    assert FAST is not None
    assert FAST.LIBYAML_VERSION == yaml._yaml.get_version_string()  # PyYAML's own libyaml


def _same_data(a, b, where):
    assert type(a) is type(b), (where, a, b)
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _same_data(k, next(x for x in b if x == k and type(x) is type(k)), where)
            _same_data(a[k], b[k], where)
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for x, y in zip(a, b):
            _same_data(x, y, where)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def _load(text: str, name: str, fast: bool, monkeypatch) -> LoadResult:
    monkeypatch.setattr(loader, "_fastyaml", FAST if fast else None)
    result = LoadResult()
    parse_source(SourceFile(name, text), result)
    return result


def _compare(text: str, name: str, monkeypatch) -> bool:
    """Both paths on ``text``; True when the fast path took the file."""
    taken = FAST.compose(text, loader._WORDS, loader._PLAIN, loader._plain, loader.STR, loader.MERGE,
                         loader.MAX_COMPOSE_NODES) is not None
    slow = _load(text, name, False, monkeypatch)
    fast = _load(text, name, True, monkeypatch)
    where = name
    assert fast.problems == slow.problems, where
    assert fast.skipped == slow.skipped, where
    assert len(fast.documents) == len(slow.documents), where
    for f, s in zip(fast.documents, slow.documents):
        _same_data(f.data, s.data, where)
        assert (f.index, f.fmt, f.flavor, f.start, f.end) == (s.index, s.fmt, s.flavor, s.start, s.end), where
        assert f.__dict__.get("_recompose") == s.__dict__.get("_recompose") or "_recompose" not in s.__dict__, where
        assert list(f.embedded) == list(s.embedded), where
        for path, e in f.embedded.items():
            o = s.embedded[path]
            assert e.fmt == o.fmt, where
            _same_data(e.data, o.data, where)
            # where the string is written: the fast path's spans, the usual path's marks
            assert (e._make is None) == (o._make is None), where
            assert e._make is None or e._make.at == o._make.at, where
            if e.node is not None or o.node is not None:
                _same_tree(e.node, o.node, where)
        if isinstance(s.data, dict):  # what rules place findings in
            _same_positions(_node(f), _node(s), where)
    return taken


def _node(doc):
    """The document's tree (composed again when released), or the error composing raised."""
    try:
        return doc.node
    except Exception as exc:  # the same failure on both paths is agreement too
        return type(exc).__name__


def _same_positions(a, b, where):
    """Node trees equal in shape, values and marks (tags aside: the usual path's tree keeps
    the tags the Builder wrote, a tree composed again its resolver's); or the same failure."""
    if a is None or isinstance(a, str) or b is None or isinstance(b, str):
        assert a == b, where
    else:
        _same_tree(a, b, where, tags=False)


CORNERS = TRICKY + [
    # what the fast path takes: every scalar style, flow and block, empty documents
    "a: plain\nb: 'single'\nc: \"double\\tx\"\nd: |\n  lit\n  eral\ne: >\n  fol\n  ded\nf:\ng: ''\n",
    "---\n---\na: 1\n...\n---\n# only a comment\n---\nb: [1, {c: d}, [], {}]\n",
    "a:\n- 1\n- - 2\n  - 3\n- {x: y}\nb: {p: [q, r], s: {}}\n",
    "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata:\n  config.json: '{\"a\": [1, 2]}'\n"
    "  b.yaml: |\n    x: 1\n    y: [2]\n  c.json: |\n    {\"k\": \"v\"}\n  d: \"{\\\"e\\\": 1}\"\n  n: 3\n",
    "kind: ConfigMap\ndata: {j.json: '{bad', y.yaml: 'a: [', k: '[1, 2]'}\n",
    "kind: ConfigMap\ndata:\n  a.json: '{\"x\": 1, \"x\": 2}'\n  b.yaml: 'p: 1\n\n    p: 2'\n",
    "kind: List\napiVersion: v1\nitems:\n- kind: Service\n  metadata: {name: a}\n",
    "- kind: Service\n  apiVersion: v1\n",
    "just a scalar\n",
    "null\n--- ~\n---\n",
    "a: \u00e9t\u00e9\nb: '\u2028'\nc: \U0001F600\nd: caf\u00e9\n",
    "a: 1\r\nb:\r\n  - x\r\n",
    "a: 1\rb: 2\r",
    "? a\n: 1\n? b\n: 2\n",
    "[?]\n",
    "- [ ? ]\n",
    "a: {? b}\n",
    "\ufeffa: 1\n",
    "a: " + "[" * 70 + "]" * 70 + "\n",
    "a: " + "{b: " * 70 + "1" + "}" * 70 + "\n",
    "x:\n" + "".join("  " * i + "k:\n" for i in range(1, 70)) + "  " * 70 + "v\n",
    "a: !!str 1\n",
    "a: &x 1\n",
    "a: *x\n",
    "<<: {a: 1}\n",
    "a: 1\na: 2\n",
    "1: a\n1.0: b\n",
    "a: .nan\nb: [.NaN, .nan]\n",
    "a: 123456789012345678901234567890\nb: 0o777\nc: 1_0\nd: 190:20:30\n",
    "a: 2001-12-14\nb: 2001-12-14 21:59:43.10 -5\n",
    "",
    "\n\n",
    "# nothing\n",
    "...\n",
    "a: b\n...\nc: d\n",
    "a: b\n--- c\n",
    "%YAML 1.1\n--- a\n",
    "a: b\n%TAG ! x\n",
    "'a': 1\n\"b\": 2\n'kind': ConfigMap\n",
]


@needs_fast
@pytest.mark.parametrize("i", range(len(CORNERS)))
def test_corners(i, monkeypatch):
    _compare(CORNERS[i], f"corner{i}.yaml", monkeypatch)


@needs_fast
def test_every_yaml_text_of_the_repository(monkeypatch):
    taken = declined = 0
    for path in _yaml_files():
        if path.endswith(".json"):
            continue
        with open(path, "rb") as fh:
            text = loader._decode(fh.read())[0]
        if text is None:
            continue
        if _compare(text, path, monkeypatch):
            taken += 1
        else:
            declined += 1
    assert taken > 100, (taken, declined)  # the fast path is exercised, not only declined


@needs_fast
def test_mutations(monkeypatch):
    """Random edits of the corner texts and the sample manifests (bytes flipped, inserted,
    deleted, YAML's indicators put anywhere): the two paths agree on every one."""
    rng = random.Random(20)
    tokens = [":", "- ", "? ", "[", "]", "{", "}", ",", "'", '"', "#", "&a ", "*a", "!!str ", "<<: ", "\n", "\n  ",
              "\t", "---\n", "...\n", "|", ">", "%", "\r", "\u2028", "\x85", "\x00", " ", "\\", "@", "`", "~", "yes",
              "0x1", "1e3", ".inf", "=", "\ufeff"]
    for n, text in mutations(rng, seeds(CORNERS), tokens, 1500):
        _compare(text, f"mutation{n}.yaml", monkeypatch)


@needs_fast
def test_declines_leave_nothing_behind(monkeypatch):
    """A file the fast path declines half-way (an alias in its second document) is loaded
    by the usual path alone: no document twice, none lost."""
    text = "a: 1\n---\nb: &x 2\nc: *x\n"
    result = _load(text, "half.yaml", True, monkeypatch)
    assert [d.data for d in result.documents] == [{"a": 1}, {"b": 2, "c": 2}]


@needs_fast
def test_bounded(monkeypatch):
    """Past MAX_NEST levels, or past the node cap, the fast path declines (the usual path
    bounds and reports); a long flat file it takes."""
    deep = "a: " + "[" * 200 + "]" * 200 + "\n"
    assert FAST.compose(deep, {}, {}, loader._plain, loader.STR, loader.MERGE, 10**6) is None
    flat = "".join(f"k{i}: v\n" for i in range(20000))
    assert FAST.compose(flat, {}, {}, loader._plain, loader.STR, loader.MERGE, 10**6) is not None
    assert FAST.compose(flat, {}, {}, loader._plain, loader.STR, loader.MERGE, 1000) is None
    _compare(deep, "deep.yaml", monkeypatch)
