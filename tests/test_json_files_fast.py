"""A JSON file whose document is a plain object is read with the C ``json`` module and its
node tree is composed only when a position is asked for (``loader._json_file_read_fast``).
Differential: every JSON text of the repository (and ../shared/corpus when present), and
tricky texts, load the same as through the positioned parser: documents (data with
types, where they are written, identity, flavor, how they compose again), problems,
skipped documents and notes."""

import pytest
from test_scaling import _yaml_files

from infergw_lint import loader
from infergw_lint.loader import LoadResult, parse_source
from infergw_lint.source import SourceFile

SERVICE = '"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "ns"}'
TRICKY = [
    "{" + SERVICE + "}",
    "\n\t {" + SERVICE + ', "spec": {"ports": [{"port": 80, "targetPort": "http"}]}}\r\n \n',
    '{"a": 1e400, "b": -0, "c": -0.0, "d": 1E5, "e": 12345678901234567890, "f": 0.5e-3, "g": -1e400}',
    '{"a": true, "b": false, "c": null, "d": [], "e": {}, "f": "", "g": [1, "1", 1.0, true, null]}',
    '{"\\u0041": "\\u00e9\\n\\"q\\"", "b": "\\ud83d\\ude00", "c": "\\u0000"}',
    '{"s": "\\ud800"}',  # a lone surrogate: IGW000
    '{"a": 1, "a": 2}',  # a duplicate key: IGW001
    '{"a": NaN}',
    '{"a": Infinity}',
    '{"a": "tab\there"}',
    '{"a": 1} {"b": 2}',
    '{"a": 1,}',
    '{"a": 01}',
    "{}",
    "[]",
    "null",
    "1",
    '"text"',
    '[{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}}]',
    '{"apiVersion": "v1", "kind": "List", "items": [{' + SERVICE + "}]}",
    '{"apiVersion": "v1", "kind": "List", "items": 3}',
    '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"config.json": "{\\"a\\": 1}"}}',
    '{"kind": 3, "apiVersion": ["x"]}',
    '{"providers": {"openai": {"keys": [{"value": "sk-x", "models": [], "weight": 1}]}}}',
    '{"a": ' + "[" * 150 + "]" * 150 + "}",
    "[" * 250 + "]" * 250,
    '{"n": ' + "9" * 5000 + "}",
    '{"a": {"b": {"c": "' + "x" * 100 + '"}}}',
]


def _json_texts():
    for path in _yaml_files():
        if path.endswith(".json"):
            with open(path, "rb") as fh:
                text = loader._decode(fh.read())[0]
            if text is not None:
                yield path, text


def _load(text, fast, monkeypatch):
    result = LoadResult()
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(loader, "_json_file_read_fast", lambda src, result: False)
        parse_source(SourceFile("x.json", text), result)
    docs = [
        (repr(d.data), d.start, d.end, d.index, d.fmt, d.flavor, d.api_version, d.kind, d.group, d.name,
         d.namespace, sorted(d.embedded), d.__dict__.get("_recompose"), "node" in d.__dict__)
        for d in result.documents
    ]
    problems = [(p.span, p.message, p.code) for p in result.problems]
    return docs, problems, result.skipped, result.notes, result.documents


def _check(text, monkeypatch):
    fast = _load(text, True, monkeypatch)
    slow = _load(text, False, monkeypatch)
    assert fast[:4] == slow[:4]
    for a, b in zip(fast[4], slow[4]):  # the trees composed again, and the spans they give
        assert repr(a.node) == repr(b.node)
        assert a.span(()) == b.span(())
    return fast


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_json_files_load_the_same(text, monkeypatch):
    _check(text, monkeypatch)


def test_every_json_file_loads_the_same(monkeypatch):
    count = fast = 0
    calls = []
    real = loader._json_file_read_fast
    monkeypatch.setattr(loader, "_json_file_read_fast", lambda src, result: calls.append(1) or real(src, result))
    for _path, text in _json_texts():
        before = len(calls)
        docs = _check(text, monkeypatch)[0]
        count += 1
        fast += len(calls) > before and bool(docs) and not docs[0][-1]
    assert count > 20 and fast > 10


def test_a_plain_json_object_is_read_without_its_tree(monkeypatch):
    composed = []
    monkeypatch.setattr(loader, "parse_json", lambda *a: composed.append(a) or pytest.fail("composed"))
    result = LoadResult()
    parse_source(SourceFile("x.json", "{" + SERVICE + "}"), result)
    assert [d.name for d in result.documents] == ["web"] and not composed
