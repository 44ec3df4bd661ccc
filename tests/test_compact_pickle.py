"""What a split run's children send back (loaded documents, findings, spans) is pickled
as values with their attribute names sent once (lint/record.py ``reduce_record``,
``Document.__reduce__``, ``Finding.__reduce__``, ``Span.__reduce__``): unpickled, the same
objects as pickle's own way of sending them gives, over the project's real trees."""

from __future__ import annotations

import copyreg
import io
import os
import pickle

import pytest

from infergw_lint.document import _LOADED, Document, _loaded_document
from infergw_lint.engine import Options, run
from infergw_lint.loader import load
from infergw_lint.record import Record, _restore, reduce_record
from infergw_lint.rule import Finding
from infergw_lint.source import SourceFile, Span

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREES = [os.path.join(ROOT, "sample_manifests"), os.path.join(ROOT, "tests", "realworld"),
         os.path.join(ROOT, "tests", "fixtures")]
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
if os.path.isdir(SHARED):
    TREES.append(SHARED)


class _OldPickler(pickle.Pickler):
    """Pickles a Record as pickle does by default: its class, then its ``__dict__``."""

    def reducer_override(self, obj):
        if isinstance(obj, Record) and hasattr(obj, "__dict__"):
            return copyreg.__newobj__, (type(obj),), obj.__dict__
        return NotImplemented


def _old_round_trip(obj):
    buf = io.BytesIO()
    _OldPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return pickle.loads(buf.getvalue())


def _new_round_trip(obj):
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _same(a, b, seen=None) -> None:
    """``a`` and ``b`` hold the same values: objects of the same class with the same
    attributes in the same order, whatever their identity."""
    seen = set() if seen is None else seen
    if id(a) in seen:
        return
    seen.add(id(a))
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k], seen)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y, seen)
    elif isinstance(a, SourceFile):
        assert (a.path, a.text, a.context_only, a.marks) == (b.path, b.text, b.context_only, b.marks)
    elif hasattr(a, "__dict__") and not isinstance(a, type):
        assert list(vars(a)) == list(vars(b))
        for k in vars(a):
            _same(vars(a)[k], vars(b)[k], seen)
    elif type(a).__name__ == "Mark":  # PyYAML's C mark: no ==
        assert (a.name, a.index, a.line, a.column) == (b.name, b.index, b.line, b.column)
    elif hasattr(type(a), "__slots__") and type(a).__slots__ and not isinstance(a, Record):
        for name in type(a).__slots__:  # (the embedded JSON, the loader's node makers)
            assert hasattr(a, name) == hasattr(b, name)
            if hasattr(a, name):
                _same(getattr(a, name), getattr(b, name), seen)
    else:
        assert a == b


@pytest.fixture(scope="module")
def loaded():
    out = []
    for tree in TREES:
        if os.path.isdir(tree):
            out.append(load([tree], jobs=1))
    return out


def test_loaded_documents_as_pickle_sends_them_by_default(loaded):
    for result in loaded:
        parts = [(r.bytes_read, r.files, r.documents, r.problems, r.notes, r.skipped) for r in [result]]
        _same(_old_round_trip(parts), _new_round_trip(parts))
        new = _new_round_trip(result.documents)
        for doc, back in zip(result.documents, new):
            assert back.source is not None
            assert back.span(()) == doc.span(())  # its tree composed again from the text


def test_most_loaded_documents_take_the_short_way(loaded):
    """The loader leaves its documents with _LOADED's attributes first: if it changes
    them, Document.__reduce__ still works (reduce_record) but slowly, so this says so."""
    docs = [d for r in loaded for d in r.documents]
    short = [d for d in docs if d.__reduce__()[0] is _loaded_document]
    assert len(docs) > 500
    assert len(short) > 0.9 * len(docs)
    assert {tuple(vars(d))[:len(_LOADED)] for d in short} == {_LOADED}


def test_findings_as_pickle_sends_them_by_default():
    from infergw_lint.reporters.json import head_marker

    findings = []
    for tree in TREES:
        if os.path.isdir(tree):
            findings += run([tree], Options(jobs=1)).findings
    assert len(findings) > 200
    head_marker()(findings[::2])  # half with their JSON head, as a split run writing JSON
    assert sum(hasattr(f, "_json_head") for f in findings) > 100
    old, new = _old_round_trip(findings), _new_round_trip(findings)
    _same(old, new)
    assert [f.sort_key() for f in new] == [f.sort_key() for f in findings]
    assert all(type(f.span) is Span for f in new)


class Sub(Finding):
    pass


def test_any_other_layout_goes_the_long_way():
    span = Span(1, 2, 3, 4)
    odd = Finding("IGW999", "n", "error", "m", "p", span)
    odd.extra = {"a": [1]}  # an attribute the short way does not know
    sub = Sub("IGW998", "n", "warning", "m", "p", span)
    doc = Document(SourceFile("x.yaml", "a: 1\n"), None, {"a": 1})  # its tree kept: "node" among its names
    span.note = "x"
    for obj in (odd, sub, doc, span):
        assert obj.__reduce__()[0] is _restore
        back = _new_round_trip(obj)
        _same(_old_round_trip(obj), back)
        assert type(back) is type(obj)


def test_a_layout_is_sent_once_per_pickle():
    spans = [Finding("IGW999", "n", "error", f"m{i}", "p", Span(i, 1, i, 2)) for i in range(200)]
    for f in spans:
        f.extra = None  # every one the long way
    data = pickle.dumps(spans, protocol=pickle.HIGHEST_PROTOCOL)
    assert data.count(b"fingerprint") == 1
    back = pickle.loads(data)
    assert [vars(f) for f in back] == [vars(f) for f in spans]
    assert reduce_record(spans[0])[1][1] is reduce_record(spans[1])[1][1]


def test_embedded_json_travels_as_its_values(loaded):
    """Embedded JSON read by the C parser is pickled as calls with its values (its data,
    its text and file, where the string is written), with no node or mark: unpickled, it
    places and builds its tree as before."""
    embs = [(d, p, e) for r in loaded for d in r.documents for p, e in d.embedded.items() if e._make is not None]
    assert len(embs) > 10
    for doc, path, emb in embs:
        blob = pickle.dumps(emb, protocol=pickle.HIGHEST_PROTOCOL)
        assert b"ScalarNode" not in blob and b"Mark" not in blob and b"__newobj__" not in blob
        back = pickle.loads(blob)
        _same(emb, back)
        assert back.where(("providers",), None) == emb.where(("providers",), None)
        assert back._walks == emb._walks  # a walk done before pickling is sent too
        _same(back.node, emb.node)
    walked = embs[0][2]
    assert walked._walks and walked._offsets is not None
    _same(walked, pickle.loads(pickle.dumps(walked, protocol=pickle.HIGHEST_PROTOCOL)))
