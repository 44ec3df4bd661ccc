"""Placing a finding (``Document.span``, ``span_within``) on a released document composes
only its own lines, untyped, with the marks left where they are in the slice
(``loader.placing_tree``), and walks JSON without a tree (``jsonparse.locate_json``: a
JSON file, JSON embedded in a ConfigMap).  Differential: for every path of every document
of the repository's YAML and JSON (tests/, sample_manifests/, ../shared/corpus when
present), paths that do not exist too, each span is the one the whole tree gives, both
the tree composed again (``recompose`` + ``locate``, how spans were placed before) and the
tree as it was loaded (never released)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scaling import _yaml_files
from test_untyped_compose import _block_document

from infergw_lint import document, jsonparse, loader
from infergw_lint.document import Document, node_end
from infergw_lint.loader import LoadResult, parse_source
from infergw_lint.source import SourceFile

MAX_PATHS = 4000  # per document (an alias-expanded one can have a million)


def _old_span(doc, path, key=False):
    """``Document.span`` as it was: the whole tree (``recompose``) walked by ``locate``."""
    if not path and "node" not in doc.__dict__ and "_recompose" in doc.__dict__:
        return doc.source.span(doc.start, doc.end)
    k, v, reached = doc.locate(tuple(path))
    if key and k is not None:
        node = k
    elif reached < len(path) and k is not None:
        node = k
    else:
        node = v if v is not None else doc.node
    return doc.source.span(node.start_mark.index, node_end(node))


def _old_span_within(doc, path, within):
    """``Document.span_within`` as it was (on ``locate``)."""
    whole = _old_span(doc, path)
    k, v, reached = doc.locate(tuple(path))
    line, start, end = within
    if reached != len(path) or type(v).__name__ != "ScalarNode" or v.style != "|" or not isinstance(v.value, str):
        return whole
    value_lines = v.value.split("\n")
    if not 0 <= line < len(value_lines) or not 0 <= start <= end <= len(value_lines[line]):
        return whole
    src = doc.source
    first = v.start_mark.line + 1
    starts = src.line_starts
    indent = None
    for n in range(first, min(first + len(value_lines), len(starts))):
        text = src.line_text(n + 1)
        if text.strip():
            indent = len(text) - len(text.lstrip(" "))
            break
    target = first + line
    if indent is None or target >= len(starts):
        return whole
    text = src.line_text(target + 1)
    if text[indent + start:indent + end] != value_lines[line][start:end]:
        return whole
    return src.span(starts[target] + indent + start, starts[target] + indent + end)


class _Enough(Exception):
    pass


def _paths(doc):
    """Every path of ``doc``'s data (into embedded documents too), and beside each
    mapping, list and scalar paths that do not exist (a missing key, an index past the
    end, a key where a list is, a step past a scalar)."""
    out = []

    def add(path):
        out.append(path)
        if len(out) > MAX_PATHS:
            raise _Enough

    def walk(value, path):
        add(path)
        if isinstance(value, str) and path in doc.embedded:
            value = doc.embedded[path].data
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + (k,))
            add(path + ("no-such-key",))
            add(path + (0,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, path + (i,))
            add(path + (len(value),))
            add(path + (-1,))
            add(path + ("key",))
            add(path + (True,))
        else:
            add(path + ("deeper",))
            add(path + (0,))

    try:
        walk(doc.data, ())
    except _Enough:
        pass
    return out


def _withins(doc, path):
    value = doc.get(*path)
    if not isinstance(value, str) or "\n" not in value:
        return []
    lines = value.split("\n")
    last = len(lines) - 1
    return [(0, 0, 1), (last, 0, len(lines[last])), (1, 1, 3), (last + 1, 0, 0), (0, 5, 2), ("x", 0, 0)]


def _load(text, name, keep=False, monkeypatch=None):
    result = LoadResult()
    if keep:
        with monkeypatch.context() as m:
            m.setattr(Document, "release", lambda self, signature: None)
            m.setattr(loader, "_fastyaml", None)  # the fast path keeps no tree to keep
            m.setattr(loader, "_json_file_read_fast", lambda src, result: False)  # a tree for JSON files too
            parse_source(SourceFile(name, text), result)
    else:
        parse_source(SourceFile(name, text), result)
    return result.documents


def _placed(docs, spans):
    """[(path, key or within, span)] of every path of every document."""
    out = []
    for doc in docs:
        for path in _paths(doc):
            for key in (False, True):
                out.append((path, key, spans[0](doc, path, key)))
            for within in _withins(doc, path):
                out.append((path, within, spans[1](doc, path, within)))
        doc.forget()
    return out


NEW = (lambda d, p, k: d.span(p, key=k), lambda d, p, w: d.span_within(p, w))
OLD = (_old_span, lambda d, p, w: _old_span_within(d, p, w) if isinstance(w[0], int) else _old_span(d, p))


def _check(text, name, monkeypatch):
    """Spans placed the new way on released documents equal the old way's and the loaded
    tree's; returns how many released documents were placed."""
    new_docs = _load(text, name)
    new = _placed(new_docs, NEW)
    old = _placed(_load(text, name), OLD)
    kept = _placed(_load(text, name, keep=True, monkeypatch=monkeypatch), OLD)
    assert len(new) == len(old) == len(kept), name
    for a, b, c in zip(new, old, kept):
        assert a == b, (name, a, b)
        assert a == c, (name, a, c)
    return sum("_recompose" in d.__dict__ for d in new_docs)


TRICKY = [
    # flow style, comments, a document starting on the --- line, directives-free multi-docs
    "--- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {k: v}}\n--- # c\nkind: x\nspec: [1, {a: b}]\n",
    "--- !!map\na: 1\n---\n# only a comment\n---\n  a: 1\n  b:\n    - x\n    -  y\n  c: {d: [e, f]}\n",
    # CRLF, a lone CR, tabs in values, U+2028 and NEL (line breaks to libyaml only), a BOM inside
    "---\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\ndata:\r\n  j: |\r\n    one\r\n    two\r\n",
    "a: 1\r---\nb:\t2\nc: \"x\ty\"\nd: [1,\t2]\n",
    "a: \"x\u2028y\"\n---\nk: v\nm: {n: \"\u2028\"}\n# note \u2028 here\n---\nz: 1\x85y: 2\n",
    "x: 1\n---\n\ufeffa: 1\nb: [2]\n",
    "---\n\ufeff# c\nkind: x\n",
    # aliases, merge keys, duplicate keys, keys YAML types
    "base: &b {x: 1, y: [2, 3]}\nm:\n  <<: *b\n  y: 9\nn:\n  <<: [*b, {z: 4}]\nx: 1\nx: {dup: 2}\n",
    "a: &s {k: v}\nb: *s\n<<: {m: 1}\n'<<': q\n1: one\ntrue: t\n~: n\n? [a, b]\n: complex\n? x\n: y\n",
    "---\na: &x [1, &y {k: 2}]\nb: *x\nc: *y\n---\na: &x 3\nb: *x\n",
    # block scalars, folded, quoted over lines, plain over lines
    "a: |\n  one\n\n  three\nb: >-\n  folded\n  text\nc: 'it''s\n  two'\nd: plain\n  more\ne: |2\n   indented\n",
    # a List, and a YAML list of resources
    "apiVersion: v1\nkind: List\nitems:\n- kind: Service\n  metadata: {name: a}\n- kind: Service\n  metadata:\n    name: b\n",
    "- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n",
    # JSON embedded in ConfigMaps: literal, folded, double-quoted (escapes), plain, flow
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  config.json: |\n    {\"a\": [1, {\"b\": null}],\n     \"c\": \"d\\\"e\", \"a\": {\"x\": true}}\n"
    "  other.json: >\n    {\"k\": [1,\n    2]}\n  q.json: \"{\\\"k\\\": \\\"\\\\u00e9\\\", \\\"l\\\": [ ]}\"\n  p: {\"z\": 1}\n"
    "  r.json: '{\"a\":  {\"b\" : [1e5, -0.5, \"x\"] } }'\n  y.yaml: |\n    a: [1, 2]\n    b: {c: d}\n",
    "apiVersion: v1\nkind: ConfigMap\ndata:\n  big.json: |\n    {\"n\": " + "9" * 5000 + ", \"m\": [1]}\n"
    "  deep.json: '" + "[" * 150 + "]" * 150 + "'\n  bad.json: '{\"a\": 1,}'\n  nan.json: '{\"a\": NaN}'\n",
]

JSON = [
    '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "labels": {"x": "y"}},\n "spec": {"ports": [{"port": 80}, {"port": 81}]}}\n',
    '\n  {"a": {"b": [1, 2, {"c": "\\u00e9\\"\\\\"}]}, "a": {"dup": true}, "n": ' + "7" * 5000 + '}  \n',
    '{"apiVersion": "v1", "kind": "ConfigMap", "data": {"config.json": "{\\"providers\\": {\\"openai\\": {\\"keys\\": []}}}"}}',
    '[{"apiVersion": "v1", "kind": "Service"}, {"kind": "List", "items": [{"a": 1}]}]',
    '{"kind": "List", "items": [{"kind": "Service", "metadata": {"name": "s"}}]}',
    '{"a": 1}\r\n',
    '{"a": {"b": [1, {"c": 2}]}, "kind": "x", "a": {"d": [3]}, "e": {"f": 1, "f": [true, false, null]}}',
    "[]",
    '{"models": [{"model": "gpt"}, {"model": "x", "n": -1.5e-3}], "m": {}}',
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_yaml_places_the_same(text, monkeypatch):
    _check(text, "t.yaml", monkeypatch)


@pytest.mark.parametrize("text", JSON)
def test_json_files_place_the_same(text, monkeypatch):
    _check(text, "t.json", monkeypatch)


def test_every_document_of_the_repository_places_the_same(monkeypatch):
    released = 0
    for path in _yaml_files():
        with open(path, "rb") as fh:
            text = loader._decode(fh.read())[0]
        if text is not None:
            released += _check(text, path, monkeypatch)
    assert released > 500


def _kept(doc):
    return {k[1]: v[1:] for k, v in document._PLACED.items() if k[0] == id(doc)}


def test_placing_composes_the_slice_alone_and_keeps_recompose_for_node(monkeypatch):
    """A released document's findings are placed on its own lines composed untyped: the
    lines of the root's entry the path starts with, else the whole document; the tree of
    ``node`` (other readers: the language server, fixes) is still the whole one, marks in
    the file; a slice that does not compose alone falls back to it.  (The trees, where
    libyaml's events are not walked instead: tests/test_locate.py.)"""
    monkeypatch.setattr(document, "_WALK", [lambda d, s, p: None])
    text = "a: 1\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  k: |\n    x\n  m: [1, 2]\n"
    doc = _load(text, "t.yaml")[1]
    assert "node" not in doc.__dict__ and "_recompose" in doc.__dict__
    assert doc.span(("data", "m", 1)) == doc.source.span(text.index("2]"), text.index("2]") + 1)
    root, (offset, lines) = _kept(doc)["data"]
    assert "node" not in doc.__dict__ and offset == text.index("data:") and lines == 4
    assert len(root.value) == 1 and root.value[0][0].value == "data" and root.start_mark.index == 0
    assert doc.span(("kind",)).line == 4 and set(_kept(doc)) == {"data", "kind"}
    assert doc.span(("nothing", "here")) == doc.span(()) and set(_kept(doc)) == {"data", "kind"}  # no compose
    assert doc.node.start_mark.index == text.index("apiVersion")  # recompose: marks in the file
    doc.forget()
    assert not _kept(doc) and "node" not in doc.__dict__
    whole = doc.span_within(("data", "k"), (0, 0, 1))  # on the whole document
    assert whole.line == 7 and _kept(doc)[None][0].tag.__class__ is not slice  # its root is typed
    doc.forget()
    # a slice whose root is not where the document's was: the whole file
    sig = doc.__dict__["_recompose"]
    moved = sig[:3] + ((sig[3][0] + 1,) + sig[3][1:],) + sig[4:]
    assert loader.placing_tree(doc, moved) is None and loader.placing_entry(doc, moved, "apiVersion") is None
    calls = []
    monkeypatch.setattr(loader, "placing_tree", lambda d, s: calls.append(s))
    monkeypatch.setattr(loader, "placing_entry", lambda d, s, w: calls.append(s))
    assert doc.span(("data", "m", 1)) == _old_span(_load(text, "t.yaml")[1], ("data", "m", 1))
    assert len(calls) == 2 and "node" in doc.__dict__


@pytest.mark.parametrize("text,entry", [
    ("a: 1\nb:\n  c: 2\n", True),
    ("--- # c\na: 1\nb: [1,\n  2]\n# c\nc: x\n", True),
    ("---\n  a: 1\n  b: |\n    x\n\n  c: 'y\n    z'\n", True),
    ("a: 1\r\nb:\r\n  c: 2\r\n", True),
    ("a: \"one\nb: two\"\nc: 3\n", False),  # a line of a quoted scalar at the column
    ("a: [1,\nb]\nc: 3\n", False),  # of a flow sequence
    ("a:\n- 1\nb: 2\n", False),  # a sequence at the key's column
    ("x: &x {b: 1}\nb: 2\na:\n  <<: *x\n", False),  # a merge key
    ("1: a\nb: 2\n", False),  # a key that is not a string
    ("a: 1\nb: 2\na: 3\n", False),  # a duplicate
    ("a: \"x\u2028y\"\nb: 2\n", False),  # a line break to libyaml only
    ("a: 1\rb: 2\n", False),
    ("? a\n: 1\nb: 2\n", False),
])
def test_entries_are_told_from_the_text_only_when_exact(text, entry):
    doc = _load(text, "t.yaml")[0]
    last = str(list(doc.data)[-1])
    made = loader.placing_entry(doc, doc.__dict__["_recompose"], last)
    assert (made is not None) is entry
    if entry:
        assert made[0].value[0][0].value == last
    assert loader.placing_entry(doc, doc.__dict__["_recompose"], "zz") in ((loader.ROOT,) if entry else (None, loader.ROOT))


def test_a_long_slice_is_composed_by_the_counting_loader(monkeypatch):
    monkeypatch.setattr(document, "_WALK", [lambda d, s, p: None])  # the trees, not the events
    text = "apiVersion: v1\nkind: ConfigMap\ndata:\n" + "".join(f"  k{i}: v{i}\n" for i in range(40))
    used = []
    for cls in (loader._QuickLoader, loader._YamlLoader):
        monkeypatch.setattr(cls, "dispose", lambda self, cls=cls: used.append(cls))
    doc = _load(text, "t.yaml")[0]
    used.clear()
    assert doc.span(("data", "k7")).line == 11
    assert used == [loader._QuickLoader]
    monkeypatch.setattr(loader, "QUICK_MAX_CHARS", 100)
    doc.forget()
    used.clear()
    assert doc.span(("data", "k8")).line == 12
    assert used == [loader._YamlLoader]


def test_json_is_walked_without_a_tree(monkeypatch):
    """Neither a JSON file's tree nor an embedded JSON's is built to place a finding; what
    the C decoder cannot step over (a number too long for ``int``) is placed on the tree."""
    made = []
    real = jsonparse.parse_json
    monkeypatch.setattr(loader, "parse_json", lambda *a: made.append(1) or real(*a))
    text = '{"kind": "Service", "spec": {"ports": [{"port": 80}, {"port": 81}]}}'
    doc = _load(text, "s.json")[0]
    made.clear()
    assert doc.span(("spec", "ports", 1, "port")) == doc.source.span(text.index("81"), text.index("81") + 2)
    assert not made and "node" not in doc.__dict__
    cm = ("apiVersion: v1\nkind: ConfigMap\ndata:\n  config.json: |\n    {\"providers\": {\"openai\": {\"keys\": [1]}}}\n")
    doc = _load(cm, "c.yaml")[0]
    emb = doc.embedded[("data", "config.json")]
    assert emb._node is None
    span = doc.span(("data", "config.json", "providers", "openai"), key=True)
    assert span == doc.source.span(cm.index('"openai"'), cm.index('"openai"') + 8)
    assert emb._node is None and emb._offsets is not None and not made
    assert not _kept(doc)  # nor the YAML's: the string is where the loader found it
    # no step taken inside the JSON: the key above it is the YAML's
    span = doc.span(("data", "config.json", "nothing"), key=True)
    assert span == doc.source.span(cm.index("config.json"), cm.index("config.json") + 11)
    assert _kept(doc) and emb._node is None
    doc.forget()
    assert emb._offsets is None
    long = '{"n": ' + "1" * 5000 + ', "m": 2}'
    doc = _load(long, "l.json")[0]
    made.clear()
    assert doc.span(("m",)) == doc.source.span(long.index("2}"), long.index("2}") + 1)
    assert made  # ValueError from int(): the tree


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    docs=st.lists(_block_document(), min_size=1, max_size=3),
    newline=st.sampled_from(["\n", "\r\n"]),
    head=st.sampled_from(["", "# head\n", "x: 1\n---\n", "--- \n", "---\n\n# c\n"]),
    between=st.sampled_from(["---\n", "--- # c\n", "...\n---\n"]),
)
def test_random_documents_place_the_same(docs, newline, head, between, monkeypatch):
    text = head + between.join(docs)
    _check(text.replace("\n", newline), "random.yaml", monkeypatch)


def _json_paths(value, path=()):
    """Every path to a value of ``value`` (data of JSON), a step past each and odd steps."""
    out = [path, path + ("missing",), path + (7,)]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _json_paths(v, path + (k,))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            out += _json_paths(v, path + (n,))
        out.append(path + (len(value),))
    return out


def _walk(text, path, scans):
    try:
        return jsonparse.locate_json(text, path, None, (0, 1), scans)
    except Exception as exc:  # noqa: BLE001 - the same failure is agreement too
        return type(exc).__name__


def _tree_walk(text, path):
    """``locate_json``'s answer from ``parse_json``'s tree, walked as ``Document.locate``."""
    node, key, reached = jsonparse.parse_json(text), (0, 1), 0
    for seg in path:
        k, v = document._child(node, seg)
        if v is None:
            break
        key = None if k is None else (k.start_mark.index, node_end(k))
        node, reached = v, reached + 1
    return key, (node.start_mark.index, node_end(node)), reached


def test_json_walks_keep_what_they_read_and_answer_the_same():
    """``locate_json`` with what earlier walks of the same text kept (``scans``) gives
    the answer (or the failure) of a walk of its own, in any order of the paths, on JSON
    of the repository's trees and random edits of it that no longer parse."""
    import json
    import os
    import random

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rng = random.Random(5)
    texts = ['{"a": {"b": [1, {"c": 2}], "b": [3]}, "d": [], "e": {}, "f": [[1, [2]], {"g": null}]}',
             '{"n": ' + "1" * 5000 + ', "m": [1, 2], "o": {"p": "' + "x" * 50 + '"}}', "[1, 2, [3, {\"a\": 4}]]"]
    for cm in ("tests/fixtures", "sample_manifests"):
        for dirpath, _dirs, files in os.walk(os.path.join(root, cm)):
            for name in sorted(files):
                if name.endswith(".json"):
                    with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as fh:
                        texts.append(fh.read())
    edits = []
    for text in texts[:40]:
        for _ in range(5):
            at = rng.randrange(len(text) + 1)
            edits.append(text[:at] + rng.choice(["", ",", "]", "}", '"', "1e999999", "[", "{"]) + text[at + 1:])
    asked = 0
    for text in texts + edits:
        try:
            data = json.loads(text)
        except ValueError:
            data = json.loads(texts[0])
        paths = _json_paths(data)[:300]
        fresh = [_walk(text, path, None) for path in paths]
        if text in texts and not text.startswith('{"n"'):  # (a long number: the C decoder cannot step over it)
            try:
                tree = [_tree_walk(text, path) for path in paths]
            except jsonparse.JSONError:  # not JSON: nothing to compare with
                tree = fresh
            assert fresh == tree, text[:80]
        for order in (range(len(paths)), rng.sample(range(len(paths)), len(paths))):
            scans: dict = {}
            for i in order:
                assert _walk(text, paths[i], scans) == fresh[i], (text[:80], paths[i])
                asked += 1
    assert asked > 3000
