"""Placing a finding from libyaml's events (lint/_fastyaml.c ``locate``, through
``loader.placing_walk``) against the trees it replaces (``placing_entry`` /
``placing_tree`` composed with PyYAML, walked by ``_child`` and ``node_end``).
Differential: for every path of every released YAML document -- each node's key and
value, a step past each node, paths that do not exist, odd steps -- of every YAML text of
the repository (and ../shared/corpus when present), texts written for YAML's corners and
random mutations of them, loaded by the fast path and by the usual path, the walk gives
the offsets the trees give, or declines and ``_where`` takes the trees."""

from __future__ import annotations

import random

import pytest
from mutations import mutations, seeds
from test_fastyaml import CORNERS
from test_placing import _paths
from test_scaling import _yaml_files

from infergw_lint import document, loader
from infergw_lint.loader import ROOT, LoadResult, parse_source, placing_walk
from infergw_lint.source import SourceFile

FAST = loader._fastyaml
LOCATE = loader._locate

needs_locate = pytest.mark.skipif(LOCATE is None, reason="lint/_fastyaml.c is not built here")

ODD = [(None,), (1.5,), (10**30,), (-1,), (True,), ("a", None), tuple(["a"] * 100), tuple(range(80))]


def _docs(text: str, name: str, fast: bool, monkeypatch) -> list:
    monkeypatch.setattr(loader, "_fastyaml", FAST if fast else None)
    result = LoadResult()
    parse_source(SourceFile(name, text), result)
    return result.documents


def _trees_where(doc, path: tuple, monkeypatch) -> tuple:
    """``_where`` as before the walk: the trees."""
    with monkeypatch.context() as m:
        m.setattr(document, "_WALK", [lambda d, s, p: None])
        return doc._where(path)


def _compare(text: str, name: str, monkeypatch, max_paths: int = 1500) -> tuple[int, int]:
    """Walk and trees on every path of every released YAML document of ``text``, loaded
    both ways, the fast path's documents walked whole and from their entries' lines;
    (paths the walk answered, paths it declined)."""
    walked = declined = 0
    for fast, whole in ((True, loader.WALK_WHOLE_MAX), (True, 0), (False, loader.WALK_WHOLE_MAX)):
        monkeypatch.setattr(loader, "WALK_WHOLE_MAX", whole)
        for doc in _docs(text, name, fast, monkeypatch):
            sig = doc.__dict__.get("_recompose")
            if sig is None or doc.fmt != "yaml":
                continue
            for path in _paths(doc)[:max_paths] + ODD:
                doc.__dict__.pop("_walks", None)  # every path walked (not only YAML_WALKS a document)
                got = placing_walk(doc, sig, path)
                trees = _trees_where(doc, path, monkeypatch)
                where = (name, fast, doc.index, path, got, trees)
                if got is None:
                    declined += 1
                elif got is ROOT:
                    walked += 1
                    assert trees == (None, (doc.start, doc.end), 0), where
                else:
                    walked += 1
                    reached = got[2]
                    if got[3] and reached < len(path) and path[:reached] in doc.embedded:
                        # a string that holds a document: _where goes on with its tree
                        assert got[1] == _trees_where(doc, path[:reached], monkeypatch)[1], where
                    else:
                        assert got[:3] == trees, where
                doc.__dict__.pop("_walks", None)
                assert doc._where(path) == trees, where
                assert "node" not in doc.__dict__, where  # the walk composed nothing
            doc.forget()
    return walked, declined


@needs_locate
def test_every_yaml_text_of_the_repository(monkeypatch):
    walked = declined = 0
    for path in _yaml_files():
        if path.endswith(".json"):
            continue
        with open(path, "rb") as fh:
            text = loader._decode(fh.read())[0]
        if text is not None:
            w, d = _compare(text, path, monkeypatch, max_paths=400)
            walked += w
            declined += d
    assert walked > 20 * max(declined, 1000), (walked, declined)  # the walk answers, it rarely declines


LOCATE_CORNERS = CORNERS + [
    # flow collections, on one line and on several
    "kind: X\nspec: {a: [1, 2, {b: c}], d: {}, e: []}\nz: 1\n",
    "kind: X\nspec: [a, [b, c],\n  {d: e,\n   f: [g]}]\nz: 1\n",
    # multi-line plain and quoted scalars, block scalars with indicators
    "a: one\n  two\n  three\nb: 'x\n  y'\nc: \"p\\\n  q\"\nd: |2\n    x\n   y\ne: >-\n  f\n\n  g\nf: |+\n  h\n\ng: 1\n",
    # comments between entries, after a block collection, before the next key
    "# head\na: # c\n  b: 1 # c\n  # c\n  c:\n  - 1\n  # c\n  - 2\n\n# c\nd: 2\n",
    # CRLF, tabs after values, non-ASCII, a BOM
    "a: 1\r\nb:\r\n  c: [1,\r\n    2]\r\n  d: 'x\r\n    y'\r\n",
    "a: 1\t\nb:\t\n  c: x\t# c\n",
    "n\u00e4me: \u00e9t\u00e9\nsp\u00e9c:\n  k\u00e9y: [\u00fc, {\u00f6: \U0001F600}]\n  z: \u4e2d\u6587\n",
    "\ufeffa: 1\nb:\n  c: 2\n",
    # documents in the middle of a file, indented roots, a root on the --- line
    "a: 1\n---\nkind: X\nspec:\n  b: [1, 2]\n---\nc: 3\n",
    "--- a: 1\n    b: {c: 2}\n--- \n  d: 3\n  e:\n    f: 4\n",
    "x: 1\n...\n---\n# c\n\nkind: Y\nspec:\n  p: q\n...\n",
    # duplicate keys, and keys of the same text but not the same data
    "a: 1\nb: 2\na: {c: 3}\n",
    "spec:\n  k: 1\n  k: [2, 3]\n",
    "spec:\n  1: a\n  '1': b\n  true: c\n  'true': d\n",
    "1: a\n'1': {b: c}\n",
    # the same, in files the fast path declines (an anchor): the usual path's documents
    "spec:\n  1: a\n  '1': [b]\nx: &a 1\n",
    "a: 1\nb: {c: 2}\na: {c: 3}\nd: &x 1\n",
    "spec:\n  null: a\n  ~: b\n  '': c\n",
    # merge keys, anchors, aliases, tags
    "x: &x {b: 1}\nb: 2\na:\n  <<: *x\n  c: 3\n",
    "a:\n  '<<': 1\n  b: 2\n",
    "a: !t {b: 1}\nc: 2\n",
    "%YAML 1.1\n---\na: {b: 1}\n",
    # complex keys, empty values, a flow mapping with a key alone
    "a:\n  ? [k]\n  : v\n  b: 1\n",
    "a:\nb:\n  c:\n  d: {e, f: }\n",
    # a root entry that is not the first on its line, a long key
    "{a: 1, b: {c: 2}}\n",
    ("k" * 1100) + ": 1\nb: 2\n",
    # embedded documents in a ConfigMap
    "kind: ConfigMap\ndata:\n  a.json: '{\"x\": {\"y\": [1, 2]}}'\n  b.yaml: |\n    p:\n      q: [r]\n"
    "  c.json: |\n    {\"k\": {\"l\": 1}}\n",
]


@needs_locate
@pytest.mark.parametrize("i", range(len(LOCATE_CORNERS)))
def test_corners(i, monkeypatch):
    _compare(LOCATE_CORNERS[i], f"corner{i}.yaml", monkeypatch)


@needs_locate
def test_mutations(monkeypatch):
    """Random edits of the corner texts and the sample manifests: the walk and the trees
    agree on every path of every document that still loads."""
    rng = random.Random(7)
    tokens = [":", "- ", "? ", "[", "]", "{", "}", ",", "'", '"', "#", "&a ", "*a", "!!str ", "<<: ", "\n", "\n  ",
              "\t", "---\n", "...\n", "|", ">", "%", "\r", "\u2028", "\x85", " ", "\\", "~", "yes", "1", "'1'",
              "\ufeff", "data:\n  a.json: '{\"x\": 1}'\n", "kind: ConfigMap\n", "|-\n  ", ">+\n "]
    walked = 0
    for n, text in mutations(rng, seeds(LOCATE_CORNERS), tokens, 300, insert=0.5, lowest=1):
        walked += _compare(text, f"mutation{n}.yaml", monkeypatch, max_paths=200)[0]
    assert walked > 1000


@needs_locate
def test_bounded():
    """Deeper than MAX_NEST the walk declines (the trees, bounded as before, say); a path
    of any length, a slice out of the text, odd steps: an answer or None, never an error."""
    deep = "a: " + "[" * 200 + "1" + "]" * 200 + "\n"
    assert LOCATE(deep, 0, len(deep), ("a",) + (0,) * 199, None) is None
    deep = "z: 1\n" + deep
    assert LOCATE(deep, 0, len(deep), ("z",), {"z": 1, "a": []}) is not None  # stopped before the depth
    assert LOCATE(deep, 0, len(deep), ("z",), None) is None
    flat = "".join(f"k{i}: v\n" for i in range(20000))
    assert LOCATE(flat, 0, len(flat), ("k19999",), None)[4] == 1
    assert LOCATE(flat, 0, len(flat), tuple(range(10**5)), None)[4] == 0
    for begin, stop in ((-1, 3), (3, 2), (0, len(flat) + 1)):
        assert LOCATE(flat, begin, stop, ("k1",), None) is None
    assert LOCATE("a: \udc80\n", 0, 6, ("a",), None) is None  # a lone surrogate
    assert LOCATE("a: 1\n", 0, 5, ("a\udc80",), None)[4] == 0

    class Bad:
        def __str__(self):
            raise ValueError("no")

    assert LOCATE("a: 1\n", 0, 5, (Bad(),), None) is None


@needs_locate
def test_stops_early_only_when_no_later_key_can_win():
    """With the data of a document without duplicate keys the walk stops at the answer
    (the root's entries are not counted); the same text in a later key -- a plain 1 and a
    quoted '1' are both "1" to the trees -- is read to the end, and the last one wins."""
    text = "a:\n  b: 1\n  c: 2\nz: 3\n"
    found = LOCATE(text, 0, len(text), ("a", "b"), {"a": {"b": 1, "c": 2}, "z": 3})
    assert found[:5] == (5, 6, 8, 9, 2) and found[11] == -1
    assert LOCATE(text, 0, len(text), ("a", "b"), None)[11] == 2
    text = "a:\n  1: x\n  '1': y\n"
    data = {"a": {1: "x", "1": "y"}}
    assert LOCATE(text, 0, len(text), ("a", 1), data)[2:4] == (text.index("y"), text.index("y") + 1)
    assert LOCATE(text, 0, len(text), ("a", "1"), data)[2:4] == (text.index("y"), text.index("y") + 1)


def test_a_document_with_many_findings_is_placed_on_trees_after_a_few_walks(monkeypatch):
    """Each walk reads the events again; after YAML_WALKS walks of a document its findings
    are placed on trees, composed once and kept, as before the walk (no quadratic cost for a
    large document with many findings), at the same places."""
    text = "kind: X\nspec:\n" + "".join(f"  k{i}: [v{i}]\n" for i in range(40))
    result = LoadResult()
    parse_source(SourceFile("t.yaml", text), result)
    doc = result.documents[0]
    composed = []
    real = loader._compose_alone
    monkeypatch.setattr(loader, "_compose_alone", lambda piece: composed.append(1) or real(piece))
    for i in range(40):
        at = text.index(f"v{i}]")
        assert doc.span(("spec", f"k{i}", 0)) == doc.source.span(at, at + len(f"v{i}"))
        assert len(composed) == (0 if i < loader.YAML_WALKS else 1)
    assert doc.__dict__["_walks"] == loader.YAML_WALKS


def test_without_the_extension_the_trees_place(monkeypatch):
    """No locator (INFERGW_LINT_PURE_YAML=1, or no compiler): the trees place as before."""
    monkeypatch.setattr(loader, "_locate", None)
    monkeypatch.setattr(loader, "_fastyaml", None)
    text = "kind: X\nspec:\n  a: [1, 2]\n"
    result = LoadResult()
    parse_source(SourceFile("t.yaml", text), result)
    doc = result.documents[0]
    assert placing_walk(doc, doc.__dict__["_recompose"], ("spec", "a", 1)) is None
    assert doc.span(("spec", "a", 1)) == doc.source.span(text.index("2]"), text.index("2]") + 1)


def _locate_paths(text: str) -> list:
    """(begin, stop, path, data) of every walk ``placing_walk`` would ask of ``text``'s
    released YAML documents: each document whole, with and without its data."""
    out = []
    result = LoadResult()
    parse_source(SourceFile("t.yaml", text), result)
    for doc in result.documents:
        sig = doc.__dict__.get("_recompose")
        if sig is None or doc.fmt != "yaml":
            continue
        for path in _paths(doc)[:60] + ODD:
            for data in (None, doc.data):
                out.append((sig[2], sig[4], path, data))
    return out


@needs_locate
def test_kept_events_give_the_answers_of_a_fresh_parse():
    """A walk reads the events a walk of the same slice kept, and parses on past them
    (lint/_fastyaml.c ``slice_next``): the same answers as a parse of its own, whatever the
    order of the walks, the walks of other texts between them (the slots taken in turn),
    walks stopped early and walks that read on, parse errors, declines."""
    rng = random.Random(11)
    texts = LOCATE_CORNERS + ["a:\n  b: 1\n  c: [2\nd: 3\n", "a: 1\nb: [\n", "a: {b: 1}\nb: *x\n"]
    tokens = [":", "- ", "[", "]", "{", "}", "'", "\n", "\n  ", "&a ", "*a", "|"]
    texts += [text for _, text in mutations(rng, seeds(LOCATE_CORNERS), tokens, 150, insert=0.5, lowest=1)]
    asked = [(text, walk) for text in texts for walk in _locate_paths(text)]
    assert len(asked) > 5000
    fresh = []
    for text, (begin, stop, path, data) in asked:
        FAST.forget()
        fresh.append(LOCATE(text, begin, stop, path, data))
    FAST.forget()
    for order in (list(range(len(asked))), rng.sample(range(len(asked)), len(asked))):
        for i in order:
            text, (begin, stop, path, data) = asked[i]
            assert LOCATE(text, begin, stop, path, data) == fresh[i], (text, begin, stop, path)
    FAST.forget()


@needs_locate
def test_kept_events_are_bounded():
    """Only slices of at most REPLAY_MAX_BYTES are kept, in four slots, each holding its
    text; a longer slice is read as before; forget() lets the texts go; memory does not
    grow with the texts walked."""
    import sys
    import tracemalloc

    FAST.forget()
    text = "".join(f"k{i}: [v{i}, {{a: b}}]\n" for i in range(3000))  # ~70 KB: not kept
    before = sys.getrefcount(text)
    assert LOCATE(text, 0, len(text), ("k2999", 1, "a"), None)[4] == 3
    assert LOCATE(text, 0, len(text), ("k5", 0), {}) [4] == 2
    assert sys.getrefcount(text) == before
    small = text[:2000]
    answer = LOCATE(small, 0, len(small), ("k3", 1, "a"), None)
    assert sys.getrefcount(small) == before + 1  # kept, with its text
    assert LOCATE(small, 0, len(small), ("k3", 1, "a"), None) == answer
    FAST.forget()
    assert sys.getrefcount(small) == before
    # many events for their bytes (flow collections of one-letter entries), deep nesting
    flows = ["{" + ",".join("a" * 3000) + "}", "k: [" + ",".join("1" * 4000) + "]\n",
             "a: " + "[" * 60 + "]" * 60 + "\n", "a: " + "[" * 80 + "]" * 80 + "\n"]
    for t in flows:
        for path in (("a",), ("k", 3999), ("a",) + (0,) * 59):
            got = LOCATE(t, 0, len(t), path, None)
            FAST.forget()
            assert LOCATE(t, 0, len(t), path, None) == got
    tracemalloc.start()
    try:
        for i in range(2000):
            t = f"n{i}:\n" + "  x: [1, 2, {y: z}]\n" * 200
            LOCATE(t, 0, len(t), (f"n{i}", "x", 2, "y"), None)
            if i == 100:
                first = tracemalloc.get_traced_memory()[0]
        assert tracemalloc.get_traced_memory()[0] < first + 200_000
    finally:
        tracemalloc.stop()
        FAST.forget()
