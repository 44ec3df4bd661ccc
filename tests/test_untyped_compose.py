"""The loader composes YAML untyped (``loader._QuickLoader``: no Python resolver call per
node) and the Builder types the scalars itself (without its alias memo when the text has
no anchor).  Differential: every YAML text of the repository (and ../shared/corpus when
present) gives the same documents that way as when the resolver typed them during
composing (``loader._YamlLoader``): the same data with the same Python types, the same
duplicate keys, the same errors, and node trees equal node by node (types, tags, values,
styles, marks)."""

import pytest
import yaml
from test_scaling import _same_tree, _yaml_files

from infergw_lint import loader
from infergw_lint.document import Builder, LoadError
from infergw_lint.loader import LoadResult, _QuickLoader, _YamlLoader, parse_source
from infergw_lint.source import SourceFile

TRICKY = [
    # YAML 1.1 implicit types, and the same texts quoted or tagged
    "a: 1\nb: 0x1F\nc: 010\nd: 1_000\ne: 0b101\nf: 1:20\ng: -0\nh: +12\n",
    "a: 1.5\nb: 1.5e3\nc: .5\nd: .inf\ne: -.Inf\nf: .nan\ng: 1:20.5\nh: 6.8523015e+5\n",
    "a: yes\nb: No\nc: on\nd: OFF\ne: true\nf: y\ng: n\nh: ~\ni: null\nj:\nk: Null\n",
    "a: 2001-12-14t21:59:43.10-05:00\nb: 2002-12-14\nc: =\nd: <<\ne: '<<'\n",
    "a: '1'\nb: \"true\"\nc: !!str 12\nd: !!int '7'\ne: !!float bad\nf: !custom 3\ng: !!bool yes\n",
    "a: ! 12\nb: ! '12'\nc: ! \"true\"\nd: ! [1, 2]\ne: ! {x: 1}\n",  # the non-specific tag: typed
    "a: !!binary aGVsbG8=\nb: !!timestamp 2001-12-14\nc: !!null ''\nd: !!int 0o17\n",
    "[1, '1', 1.0, true, ~, null, '', \"\", x, [], {}]\n",
    "1: a\n'1': b\n1.0: c\ntrue: d\n~: e\n? [a, b]\n: f\n? {a: 1}\n: g\n",
    # duplicate keys, merge keys, aliases
    "a: 1\nb: 2\na: 3\n1: x\n0x1: y\nyes: t\ntrue: u\n",
    "base: &b {x: 1, y: 2}\nother: &o {z: 3}\nm:\n  <<: *b\n  y: 9\nn:\n  <<: [*b, *o]\n  x: 0\n",
    "a: &s 5\nb: *s\n<<: *s\n'<<': q\nc: [*s, *s]\n",
    "m:\n  <<: [*undefined]\n",
    "a: &x [1, &y {k: 2}]\nb: *x\nc: *y\n? *y\n: v\n",
    "- &r [*r]\n",
    "k: &k !!str 8\nl: *k\n",
    "? - a\n  - b: 1\n    c: !!int 2\n: v\nx:\n  ? {p: [1, yes]}\n  : w\n",
    # documents of every shape
    "--- 1\n--- 'x'\n--- [a, 1]\n---\n...\n--- {a: b}\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: |\n  1\nb: >\n  true\nc: \"1\\u0031\"\n",
    "a: 1\n b: 2\n",  # an error
    "a: [1, 2\n",
    "\t- x\n",
]


def _yaml_texts():
    for path in _yaml_files():
        with open(path, "rb") as fh:
            text = loader._decode(fh.read())[0]
        if text is not None and not loader._deep_risk(text):
            yield path, text


def _compose(loader_class, text, shared=True):
    """[(node, data or error, duplicates)] of every document, then the stream's error."""
    out = []
    ld = loader_class(text)
    try:
        while ld.check_node():
            node = ld.get_node()
            builder = Builder(shared=shared)
            try:
                data = ("data", repr(builder.build(node)))
            except LoadError as exc:
                data = ("error", exc.message, exc.offset)
            except RecursionError:
                data = ("recursion",)
            dups = [(d.key, d.first.start_mark.index, d.again.start_mark.index, d.again.end_mark.index)
                    for d in builder.duplicates]
            out.append((node, data, dups))
    except yaml.YAMLError as exc:
        out.append(("stream error", str(exc)))
    finally:
        ld.dispose()
    return out


def _check(text, where):
    typed = _compose(_YamlLoader, text)
    untyped = _compose(_QuickLoader, text, shared="&" in text)  # as the loader does
    assert len(typed) == len(untyped), where
    for i, (t, u) in enumerate(zip(typed, untyped)):
        if t[0] == "stream error":
            assert t == u, where
            continue
        assert t[1:] == u[1:], f"{where} document #{i + 1}"
        if t[0] is not None and t[1][0] == "data":
            _same_tree(t[0], u[0], f"{where} document #{i + 1}")


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_type_the_same(text):
    _check(text, repr(text))


def test_every_yaml_text_types_the_same():
    count = 0
    for path, text in _yaml_texts():
        _check(text, path)
        count += 1
    assert count > 100


def test_the_loader_composes_untyped_only_texts_that_cannot_reach_the_node_cap(monkeypatch):
    monkeypatch.setattr(loader, "_fastyaml", None)  # the usual path's choice of composer
    used = []
    for cls in (_QuickLoader, _YamlLoader):
        monkeypatch.setattr(cls, "dispose", lambda self, cls=cls: used.append(cls))

    def composer(text):
        used.clear()
        parse_source(SourceFile("a.yaml", text), LoadResult())
        return used[0]

    assert composer("a: 1\n") is _QuickLoader  # short
    monkeypatch.setattr(loader, "QUICK_MAX_CHARS", 4)
    assert composer("a: 1\n") is _QuickLoader  # longer, with few marks
    assert composer("a: [1, 2, 3]\n") is _QuickLoader
    monkeypatch.setattr(loader, "QUICK_MAX_MARKS", 3)
    assert composer("a: 1\nb: 2\n") is _YamlLoader  # 4 marks
    assert composer("a: [1, 2]\n") is _YamlLoader
    assert composer("a\x85...\x85b\u2028\u2029") is _YamlLoader  # line breaks of a text that is not ASCII
    assert composer("a: 1\n") is _QuickLoader
    monkeypatch.setattr(loader, "QUICK_COUNT_CHARS", 4)
    assert composer("a: 1\n") is _YamlLoader  # too long to count its marks


def test_the_real_limits():
    flow = "[" + "a," * 600_000 + "a]\n"  # 1.2M characters, 600k commas
    block = "key: value, and a few words\n" * 40_000  # 1.2M characters, 80k marks
    assert loader._composer(flow) is _YamlLoader
    assert loader._composer(block) is _QuickLoader
    assert loader._composer(block * 5) is _YamlLoader  # past QUICK_COUNT_CHARS


def test_quick_texts_cannot_reach_the_node_cap():
    # the densest texts there are compose about a node a character, two nodes a mark
    for unit in ("?\n", "? ", "- ", "{?,?}", "[a,b]", "a:\n", "{a}", "[a: b]", "a\r...\r", "- a: b\n"):
        text = unit * (1000 // len(unit))
        counting = type("Counting", (_YamlLoader,), {"nodes": 0})
        ld = counting(text)
        try:
            while ld.check_node():
                ld.get_node()
        except yaml.YAMLError:
            continue
        finally:
            ld.dispose()
        marks = sum(text.count(m) for m in loader._NODE_MARKS)
        assert ld.nodes <= len(text) * 1.5 and ld.nodes <= 2 * (marks + 1), unit
    assert loader.QUICK_MAX_CHARS * 1.5 < loader.MAX_COMPOSE_NODES
    assert loader.QUICK_MAX_MARKS * 4 <= loader.MAX_COMPOSE_NODES


# ---- fuzz: random documents made of the scalars YAML 1.1 types, in every style --------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PLAIN = [
    "1", "-0", "+12", "010", "0x1F", "0b101", "1_000", "1:20", "1.5", "1.5e3", "6.8523015e+5", ".5", ".inf",
    "-.Inf", ".nan", "1:20.5", "yes", "No", "on", "OFF", "true", "False", "y", "n", "~", "null", "Null", "",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "=", "x", "abc def", "0o17", "1e3", "-", ".",
]


def _scalar():
    plain = st.sampled_from(_PLAIN)
    return st.one_of(
        plain,
        plain.map(lambda s: f"'{s}'"),
        plain.map(lambda s: f'"{s}"'),
        st.tuples(st.sampled_from(["!!str", "!!int", "!!float", "!!bool", "!!null", "!", "!custom"]), plain)
        .map(lambda t: f"{t[0]} {t[1]}".rstrip()),
    )


def _flow(depth):
    if depth <= 0:
        return _scalar()
    inner = st.deferred(lambda: _flow(depth - 1))
    return st.one_of(
        _scalar(),
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(_scalar(), inner), max_size=4).map(
            lambda kv: "{" + ", ".join(f"{k or '~'}: {v}" for k, v in kv) + "}"
        ),
    )


@st.composite
def _block_document(draw):
    """A block mapping of a few levels: keys that YAML 1.1 types (and duplicates of
    them), values in flow style, anchors, aliases and merge keys."""
    lines, anchors = [], []

    def mapping(indent, depth):
        for _ in range(draw(st.integers(1, 4))):
            key = draw(st.one_of(_scalar(), st.just("<<"))) or "k"
            pad = " " * indent
            kind = draw(st.integers(0, 5)) if depth < 3 else 0
            if key == "<<":
                if not anchors:
                    continue
                lines.append(f"{pad}<<: *{draw(st.sampled_from(anchors))}")
            elif kind == 1:
                name = f"a{len(anchors)}"
                lines.append(f"{pad}{key}: &{name}")
                anchors.append(name)
                mapping(indent + 2, depth + 1)
            elif kind == 2 and anchors:
                lines.append(f"{pad}{key}: *{draw(st.sampled_from(anchors))}")
            elif kind == 3:
                lines.append(f"{pad}{key}:")
                for _ in range(draw(st.integers(1, 3))):
                    lines.append(f"{pad}- {draw(_flow(1))}")
            else:
                lines.append(f"{pad}{key}: {draw(_flow(2))}")

    mapping(0, 0)
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_block_document(), min_size=1, max_size=3))
def test_random_documents_type_the_same(docs):
    _check("---\n".join(docs), "random")
