"""The reporters' fast paths give what the plain code gives.

* ``sanitize.plain`` / ``escape`` / ``escape_lines``: printable ASCII is recognised without
  the regex; on random text the result is the regex's, whatever the text holds (controls,
  workflow commands, bidi, surrogates).
* ``reporters.indented.dumps`` is ``json.dumps(value, indent=2, ensure_ascii=False)``
  character for character: on the SARIF of real trees (sample manifests, fixtures, a tree
  with non-UTF-8 file names, wide and combining characters, bidi and controls) and on
  random JSON values (floats, NaN, big integers, lone surrogates, nested empty containers,
  tuples, keys that are not strings, subclasses).
* ``reporters.json``'s finding lines are ``json.dumps(finding.to_json(), ensure_ascii=False)``:
  on the findings of real trees and on findings of random values (the types a custom
  policy may give: None, numbers for text, True and 1.0 for a line, subclasses of str and
  int, resources with odd values, a subclass with its own ``to_json``), each line made
  twice (the second from the remembered strings).
* the text format's widths, wrapping and source windows: ``cell_width``, ``wrap``,
  ``_head``/``_tail`` against the character-by-character versions they replace, and a
  plain source line's window against the escaping one.
"""

from __future__ import annotations

import enum
import json
import os
import unicodedata
from collections import OrderedDict

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from infergw_lint import sanitize  # noqa: E402
from infergw_lint.engine import Options, run  # noqa: E402
from infergw_lint.reporters import indented, text  # noqa: E402
from infergw_lint.reporters.sarif import to_sarif  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROPERTY = settings(max_examples=400, deadline=None)

# characters that matter to the escaping and to the widths, and some that do not
_ALPHABET = st.sampled_from(
    list("ab :#[]\\\"' ") + ["\t", "\n", "\r", "\x1b", "\x00", "\x7f", "\x85", "\u00ad", "\u200b", "\u202e",
                             "\u2028", "\udc80", "\ufeff", "\U000e0041", "é", "e\u0301", "漢", "…", "::", "##["]
)
_TEXT = st.lists(_ALPHABET, max_size=40).map("".join) | st.text(max_size=40)


# ---- sanitize -----------------------------------------------------------------------------


@PROPERTY
@given(_TEXT)
def test_escape_fast_path_is_the_regex(value):
    assert sanitize.escape(value) == sanitize._single().sub(sanitize._visible, value)
    assert sanitize.escape_lines(value) == sanitize._multi().sub(sanitize._visible, value)
    if sanitize.plain(value):  # every part of a plain text is left as it is
        assert all(sanitize.escape(value[i:j]) == value[i:j] for i in range(len(value)) for j in range(i, len(value)))


@pytest.mark.parametrize("value", ["::stop-commands::x", "  ::error::x", "a ##[group]", "tab\there", "bell\x07",
                                   "del\x7f", "line\nbreak", "cr\r", "plain text: ok", "#[x] ##x", ":x:"])
def test_escape_edge_cases(value):
    assert sanitize.escape(value) == sanitize._single().sub(sanitize._visible, value)
    assert sanitize.escape_lines(value) == sanitize._multi().sub(sanitize._visible, value)


# ---- indented JSON ------------------------------------------------------------------------


def _same_as_json(value):
    try:
        expected = json.dumps(value, indent=2, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            indented.dumps(value)
        return
    assert indented.dumps(value) == expected


class _Level(enum.IntEnum):
    LOW = 1


class _Name(str):
    pass


_SCALAR = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**30, max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True) | _TEXT
    | st.sampled_from([_Level.LOW, _Name("sub"), -0.0, 1e300, 5e-324, ""])
)
_KEY = _TEXT | st.sampled_from([1, 2.5, True, False, None])  # json turns these into strings


def _containers(children):
    return (
        st.lists(children, max_size=5)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(_TEXT, children, max_size=5)
        | st.dictionaries(_KEY, children, max_size=3)
        | st.dictionaries(_TEXT, children, max_size=3).map(OrderedDict)
    )


@PROPERTY
@given(st.recursive(_SCALAR, _containers, max_leaves=30))
def test_indented_is_json_dumps(value):
    _same_as_json(value)


@pytest.mark.parametrize("value", [
    {}, [], (), {"a": {}}, {"a": []}, [[], {}, [[]], [{}]], {"": {"": [{"": None}]}},
    {"x": float("nan"), "y": float("inf"), "z": -float("inf")}, [2**200, -(2**64)],
    {"s": "\udcff\x00\x1f\u2028\"\\/"}, {1: "a", "1": "b"}, {None: 1, True: 2, 2.5: 3},
    [object()], {"a": {1, 2}}, {(1, 2): 3},
])
def test_indented_odd_values(value):
    _same_as_json(value)


def _odd_tree(tmp_path):
    """Manifests with what tests escaping and encoding: non-UTF-8 file names, wide and
    combining characters, bidi overrides, escaped controls in names, workflow commands."""
    src = os.path.join(ROOT, "sample_manifests", "bad")
    for i, name in enumerate(sorted(os.listdir(src))):
        path = os.path.join(src, name)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as fh:
            data = fh.read()
        data = data.replace("name: ai-gateway\n", 'name: "ai-gateway\\x1b[31m漢字e\u0301\u202e::x"\n', 1)
        target = os.fsencode(str(tmp_path)) + b"/" + (b"\xff" if i % 3 == 0 else b"") + name.encode()
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(data)
    return str(tmp_path)


@pytest.mark.parametrize("tree", ["sample_manifests", "tests/fixtures", "odd"])
def test_indented_sarif_of_real_trees(tree, tmp_path):
    path = _odd_tree(tmp_path) if tree == "odd" else os.path.join(ROOT, tree)
    result = run([path], Options(jobs=1))
    assert result.findings
    for root, category in ((None, None), ("/", "prod")):
        value = to_sarif(result, root, category)
        assert indented.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


# ---- text widths and windows ---------------------------------------------------------------


def _cells(value):  # one character at a time, as cell_width was written first
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
               for c in value)


def _head(value, cells):
    out, w = [], 0
    for ch in value:
        if w + _cells(ch) > cells:
            break
        out.append(ch)
        w += _cells(ch)
    return "".join(out)


def _wrap(value, width, first=0, indent=0):
    """Greedy, stated the other way round: each line takes as many of the remaining words
    as fit (at least one), after dropping the empty words it would start with."""
    words, lines = value.split(" "), []
    while True:
        room = max(width - (indent if lines else first), 20)
        while len(words) > 1 and not words[0]:
            words.pop(0)
        n = 1
        while n < len(words) and _cells(" ".join(words[: n + 1])) <= room:
            n += 1
        lines.append(" ".join(words[:n]))
        words = words[n:]
        if not words:
            return lines


_WORDS = st.lists(st.sampled_from(["", "a", "word", "x" * 30, "漢字", "e\u0301", "…", "https://example.com/" + "p" * 40]),
                  max_size=25).map(" ".join)


@PROPERTY
@given(_WORDS | _TEXT, st.integers(min_value=0, max_value=130), st.integers(min_value=0, max_value=30),
       st.integers(min_value=-3, max_value=50))
def test_widths_and_wrapping(value, width, first, cells):
    assert text.cell_width(value) == _cells(value)
    assert text.wrap(value, width, first=first, indent=4) == _wrap(value, width, first=first, indent=4)
    assert text._head(value, cells) == _head(value, cells)
    assert text._tail(value, cells) == _head(value[::-1], cells)[::-1]


_PLAIN_LINE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=160).filter(
    sanitize.plain)


@PROPERTY
@given(_PLAIN_LINE, st.integers(min_value=0, max_value=170), st.integers(min_value=0, max_value=170),
       st.integers(min_value=20, max_value=120))
def test_plain_window_is_the_escaping_window(raw, start, end, room):
    start = min(start, len(raw))
    end = max(start, end)
    assert text._window(raw, start, end, room, True) == text._window(raw, start, end, room, False)


def test_render_leaves_the_collector_as_it_was():
    import gc

    from infergw_lint.reporters import FORMATS, render

    result = run([os.path.join(ROOT, "sample_manifests", "bad", "40-routes.yaml")], Options(jobs=1))
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            for fmt in FORMATS:
                render(fmt, result)
                assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


# ---- JSON finding lines ---------------------------------------------------------------------


def _json_lines_are_dumps(findings):
    from infergw_lint.reporters.json import _line_writer, head_marker

    dump = json.JSONEncoder(ensure_ascii=False).encode
    line = _line_writer(dump)
    for i in range(3):  # the second time from the remembered strings and resources
        if i == 2:  # the third with the heads made while checking (a split run writing JSON)
            head_marker()(findings)
        for f in findings:
            try:
                expected = dump(f.to_json())
            except (TypeError, ValueError) as exc:
                with pytest.raises(type(exc)):
                    line(f)
                continue
            assert line(f) == expected


_ODD = _SCALAR | st.sampled_from([b"x", (1, 2), ["a"], {"a": 1}])
_RESOURCE = st.none() | st.dictionaries(_TEXT, _ODD, max_size=4) | st.fixed_dictionaries(
    {"apiVersion": _TEXT, "kind": _TEXT, "namespace": st.none() | _TEXT, "name": _ODD}
) | st.sampled_from([OrderedDict(a=1), [("a", 1)]])
_SPAN_VALUE = st.integers(min_value=0, max_value=10**6) | st.sampled_from([True, 1.0, _Level.LOW, None])


@PROPERTY
@given(st.lists(st.tuples(
    st.lists(_TEXT | st.sampled_from(["IGW101", "a", None, 7, _Name("IGW101")]), min_size=8, max_size=8),
    st.lists(_SPAN_VALUE, min_size=4, max_size=4), _RESOURCE,
    st.lists(st.sampled_from(["spec", "rules", 0, 1, True, 1.0, "a b", "x.y"]), max_size=4).map(tuple),
    st.none() | st.just({"kind": "inSource", "justification": "why", "location": "a.yaml:3"}),
    st.booleans(),
), min_size=1, max_size=6))
def test_json_lines_are_dumps(values):
    from infergw_lint.rule import Finding
    from infergw_lint.source import Span

    class OwnJson(Finding):
        def to_json(self):
            return {"own": self.rule}

    findings = []
    for strings, span, resource, field, suppression, own in values:
        rule, name, severity, message, path, fingerprint, url, help_ = strings
        f = (OwnJson if own else Finding)(
            rule, name, severity, message, path, Span(*span), resource, field, fingerprint, suppression,
            url=url, help=help_,
        )
        findings.append(f)
    _json_lines_are_dumps(findings + findings[::-1])


@pytest.mark.parametrize("tree", ["sample_manifests", "tests/fixtures", "odd"])
def test_json_lines_of_real_trees(tree, tmp_path):
    path = _odd_tree(tmp_path) if tree == "odd" else os.path.join(ROOT, tree)
    _json_lines_are_dumps(run([path], Options(jobs=1)).findings)


def test_json_heads_made_while_checking_follow_later_changes():
    """A head made while checking is used only while the finding still has the values it
    was made of; what the merge, suppressions and add_docs set later is written anew."""
    from infergw_lint.reporters.json import _line_writer, head_marker
    from infergw_lint.rule import Finding
    from infergw_lint.source import Span

    dump = json.JSONEncoder(ensure_ascii=False).encode
    f = Finding("IGW101", "route-backend", "error", "backend 'svc' not found: add it", "a.yaml", Span(3, 5, 3, 9),
                {"apiVersion": "v1", "kind": "Service", "namespace": "ns", "name": "svc"}, ("spec", "rules", 0),
                "fp1")
    head_marker()([f])
    assert f._json_head[0].startswith('{"rule": "IGW101"') and '"help": "add it"' in f._json_head[0]
    f.help = "add it"  # add_docs, as the head assumed
    f.fingerprint, f.url = "fp2", "https://example.com/IGW101"
    f.suppression = {"kind": "external", "justification": "baseline"}
    assert _line_writer(dump)(f) == dump(f.to_json())
    for change in (
        lambda: setattr(f, "message", "backend 'svc' not found: add it"[:-1] + "T"),
        lambda: setattr(f, "span", Span(4, 5, 4, 9)),
        lambda: setattr(f, "resource", dict(f.resource, name="other")),
        lambda: setattr(f, "field", ("spec",)),
        lambda: setattr(f, "help", "something else"),
        lambda: setattr(f, "severity", "warning"),
        lambda: setattr(f, "path", "b.yaml"),
    ):
        change()
        assert _line_writer(dump)(f) == dump(f.to_json())


def test_json_fields_equal_but_written_differently():
    """Fields that are equal as tuples but written differently (1, True, 1.0) each get
    their own text, in any order, with and without heads made while checking."""
    from infergw_lint.rule import Finding
    from infergw_lint.source import Span

    fields = [("a", 1), ("a", True), ("a", 1.0), ("a", 1), ("a", "1"), ("a", True)]
    findings = [Finding("IGW101", "n", "error", "m", "p.yaml", Span(1, 1, 1, 2), None, fld, "fp") for fld in fields]
    _json_lines_are_dumps(findings)
    _json_lines_are_dumps(findings[::-1])


def test_json_lines_that_are_not_ascii_are_pieces_of_their_own(tmp_path):
    """A line with a character that is not ASCII is written as a piece of its own (the
    other pieces stay ASCII, cheap to join and encode); the pieces make the same text,
    and the file written from them is the same, whatever the chunk size."""
    from infergw_lint.engine import Result
    from infergw_lint.reporters.json import iter_json, render_json
    from infergw_lint.rule import Finding
    from infergw_lint.safeio import write_text
    from infergw_lint.source import Span

    messages = ["plain", "an ellipsis …", "plain again", "snowman ☃ and 😀", "plain", "plain", "é"]
    findings = [Finding("IGW101", "n", "error", m, f"p{i}.yaml", Span(i + 1, 1, i + 1, 2), None, ("a", i), f"fp{i}")
                for i, m in enumerate(messages)]
    result = Result(findings, 7, 7, [], notes=["a note …"])
    whole = render_json(result)
    assert json.loads(whole)["findings"][3]["message"] == "snowman ☃ and 😀"
    for chunk in (1, 64, 1 << 20):
        pieces = list(iter_json(result, chunk=chunk))
        assert "".join(pieces) == whole
        for piece in pieces[:-1]:  # (the last holds the summary and the notes)
            assert piece.isascii() or piece.count('"rule"') == 1
        out = tmp_path / f"r{chunk}.json"
        write_text(str(out), iter_json(result, chunk=chunk), json_like=True)
        assert out.read_text(encoding="utf-8") == whole
    empty = Result([], 0, 0, [])
    assert "".join(iter_json(empty)) == render_json(empty) and json.loads(render_json(empty))["findings"] == []


def test_summary_counts_in_one_pass():
    """The JSON summary counts each severity's unsuppressed findings and the suppressed ones in
    one pass: the same numbers as Result.count and a count of the suppressed."""
    from infergw_lint.engine import Options, run
    from infergw_lint.reporters.json import to_dict

    result = run([os.path.join(ROOT, "sample_manifests"), os.path.join(ROOT, "tests", "fixtures")], Options(jobs=1))
    for f in result.findings[::7]:  # some suppressed, of each severity
        f.suppression = {"kind": "inSource", "justification": "test"}
    summary = to_dict(result, findings=False)["summary"]
    suppressed = sum(1 for f in result.findings if f.suppression is not None)
    assert suppressed and summary["errors"] and summary["warnings"] and summary["infos"]
    assert (summary["errors"], summary["warnings"], summary["infos"], summary["suppressed"]) == (
        result.count("error"), result.count("warning"), result.count("info"), suppressed
    )
