"""lint/crd/schema.py ``Clean``: subtrees found clean once are reused in later objects of a
run (prepared value, conversion, no validation, no CEL).  Differential: every custom
resource the tests, the sample manifests and ../shared/corpus hold, and variants of them
with one value changed (other types, other values: 1, 1.0, True and "1"), give the same
issues, in the same order, with a run's memo shared by all of them as without it."""

from __future__ import annotations

import copy
import os

import pytest
import yaml

from conftest import ROOT, SHARED

from infergw_lint import crd
from infergw_lint.crd import schema as _schema
from infergw_lint.loader import LoadResult, load
from test_quickschema import _mutations

HERE = os.path.dirname(os.path.abspath(__file__))


class _Index:
    def __init__(self, documents):
        self.documents = documents

    def of_kind(self, *kinds):
        return [d for d in self.documents if d.kind in kinds]


class _Opts:
    gateway_api_channel = "standard"
    crds = None

    def __init__(self, version=None, channel="standard"):
        self.gateway_api_version = version
        self.gateway_api_channel = channel


def _objects() -> list:
    """(group, version, kind, data) of every custom resource in the trees and CEL cases."""
    paths = [os.path.join(ROOT, "sample_manifests"), os.path.join(HERE, "fixtures"), os.path.join(HERE, "crd"),
             os.path.join(HERE, "realworld")]
    corpus = os.path.join(SHARED, "corpus")
    if os.path.isdir(corpus):
        paths.append(corpus)
    res = LoadResult()
    load([p for p in paths if os.path.isdir(p)], res)
    out = []
    for d in res.documents:
        if crd.applies(d) and isinstance(d.data, dict) and d.api_version and "/" in d.api_version:
            out.append((d.group, d.api_version.rsplit("/", 1)[1], d.kind, d.data))
    with open(os.path.join(HERE, "crd", "cel_cases.yaml"), encoding="utf-8") as fh:
        cases = yaml.safe_load(fh)
    from test_crd_cel import API, expand

    for case in cases:
        kind = case.get("kind", "HTTPRoute")
        for which in ("good", "bad"):
            data = {"apiVersion": "x", "kind": kind, "metadata": {"name": "t"}, "spec": expand(case[which])}
            out.append(("gateway.networking.k8s.io", API.get(kind, "v1"), kind, data))
    return out


# values Python finds equal (1 == 1.0 == True) that CEL and the schema tell apart, then others
_ALTERNATIVES = ((1, 1.0, True, "1"), (None, "x" * 300, -1, {}, float("nan")))


def _variants(data, limit: int = 3) -> list:
    """Copies of ``data`` with one scalar (or empty collection) under ``spec`` replaced."""
    leaves = []
    spec = data.get("spec")
    for path in _mutations(spec):
        node = spec
        for p in path:
            node = node[p]
        if not isinstance(node, (dict, list)):
            leaves.append(("spec",) + path)
    out = []
    for n, path in enumerate(leaves[:limit]):
        for alt in _ALTERNATIVES[n % 2]:
            copied = copy.deepcopy(data)
            node = copied
            for p in path[:-1]:
                node = node[p]
            node[path[-1]] = alt
            out.append(copied)
    return out


@pytest.fixture(scope="module")
def objects():
    return _objects()


@pytest.mark.parametrize("channel", ["standard", "experimental"])
def test_clean_subtrees_change_no_issue(objects, channel):
    docs = [d for _, _, _, d in objects]
    reg = crd.build_registry(_Index([]), _Opts(None, channel))
    if any(g == crd.KGATEWAY_GROUP for g, _, _, _ in objects):
        crd._choose_kgateway(reg, None)  # every bundled kgateway release, as when none is stated
    work, seen = [], set()
    for group, version, kind, data in objects:
        if repr(data) in seen:
            continue
        seen.add(repr(data))
        work.append((group, version, kind, data))
        work += [(group, version, kind, v) for v in _variants(data)]
    assert len(docs) > 100 and len(work) > 1000
    expected = [crd.check_object(d, g, v, k, reg, {}) for g, v, k, d in work]
    clean = _schema.Clean()
    verdicts: dict = {}
    for order in (work, work[::-1]):  # the second pass meets every subtree found clean
        got = [crd.check_object(d, g, v, k, reg, verdicts, clean) for g, v, k, d in order]
        want = expected if order is work else expected[::-1]
        for (g, v, k, d), a, b in zip(order, got, want):
            assert a == b, (k, d)
    assert clean.known  # the memo was used


def test_keys_tell_types_apart():
    """1, 1.0, True and "1" (and keys 1 and "1") are different keys; NaN is never a key."""
    reuse = _schema.Reuse(_schema.Clean())
    schema: dict = {}
    keys = [reuse.find(v, schema)[0] for v in ([1], [1.0], [True], ["1"], {1: 1}, {"1": 1})]
    assert len(set(keys)) == 6
    assert reuse.find([float("nan")], schema) == (None, None)
    assert reuse.find({"a": [float("nan")]}, schema) == (None, None)


def test_keys_do_not_depend_on_interning_and_odd_values_are_not_keyed():
    """Equal strings give one key whether interned or not (marshal's format 1); a value
    marshal refuses (a str subclass, nesting past its limit) is not keyed, and no error
    escapes; "nan" as text is a key (only a float NaN is refused)."""
    import sys

    clean = _schema.Clean()
    schema: dict = {}
    interned = sys.intern("kgateway-system")
    built = "".join(["kgateway", "-system"])
    assert _schema.Reuse(clean).find([interned], schema)[0] == _schema.Reuse(clean).find([built], schema)[0]

    class Text(str):
        pass

    assert _schema.Reuse(clean).find(["a", Text("b")], schema) == (None, None)
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert _schema.Reuse(clean).find(deep, schema) == (None, None)
    assert _schema.Reuse(clean).find(["nan", "a nan"], schema)[0] is not None


def test_strings_that_passed_are_not_checked_again_and_failures_always_are():
    plan = _schema._plan({"type": "string", "maxLength": 5, "pattern": "^[a-z]+$"})
    for value in ("abc", "abc", "ABC", "ABC", "abcdefg", "abcdefg", "abc"):
        issues: list = []
        _schema._check_string(value, plan, ("spec", "name"), issues)
        assert bool(issues) == (value != "abc"), (value, issues)
    assert plan.passed == {"abc"}


def _same_as_validate(obj: dict, schema: dict, clean) -> bool:
    """``prepare`` with a Reuse says ``valid`` exactly when ``validate`` finds nothing on
    its prepared value, and prepares as without it; returns ``valid``."""
    reuse = _schema.Reuse(clean)
    fused = _schema.prepare(obj, schema, True, reuse)
    plain = _schema.prepare(obj, schema, True)
    assert fused.issues == plain.issues
    assert repr(fused.value) == repr(plain.value)
    assert plain.valid is False  # without a Reuse, nothing is checked on the way
    errors: list = []
    _schema.validate(fused.value, schema, (), errors, reuse.skip)
    plain_errors: list = []
    _schema.validate(plain.value, schema, (), plain_errors)
    assert errors == plain_errors
    assert fused.valid == (not errors), (obj, errors)
    reuse.keep([i.path for i in fused.issues + errors])
    return fused.valid


def test_checks_made_while_preparing_agree_with_validate(objects):
    """Differential: every custom resource of the trees and its variants, against its
    CRD's schema: ``prepare``'s verdict (no schema violation) is validate's, with a run's
    clean subtrees and without."""
    reg = crd.build_registry(_Index([]), _Opts(None, "experimental"))
    crd._choose_kgateway(reg, None)
    clean = _schema.Clean()
    verdicts = {True: 0, False: 0}
    for group, version, kind, data in objects:
        _, sch = reg.lookup(group, version, kind)
        if sch is None:
            continue
        for obj in [data] + _variants(data, 6):
            verdicts[_same_as_validate(obj, sch, clean)] += 1
            verdicts[_same_as_validate(obj, sch, _schema.Clean())] += 1
    assert verdicts[True] > 500 and verdicts[False] > 500, verdicts


_KEYWORDS = {
    "type": "object",
    "required": ["spec"],
    "properties": {
        "apiVersion": {"type": "string", "enum": ["v1"]},
        "spec": {
            "type": "object",
            "required": ["name"],
            "maxProperties": 6,
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5},
                "mode": {"type": "string", "default": "BAD MODE", "pattern": "^[A-Z]+$"},
                "port": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5},
                "either": {"x-kubernetes-int-or-string": True},
                "set": {"type": "array", "x-kubernetes-list-type": "set", "maxItems": 3, "items": {"type": "string"}},
                "map": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"],
                        "items": {"type": "object", "properties": {"k": {"type": "string"}}}},
                "null": {"type": "array", "nullable": True, "items": {"type": "integer", "nullable": False}},
                "whole": {"type": "string"},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "one": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                        "oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
                "not": {"type": "string", "not": {"enum": ["no"]}},
                "obj": {"type": "object", "enum": [{"a": 1}], "properties": {"a": {"type": "integer"}}},
                "defaulted": {"type": "object", "default": {"x": 1},
                              "properties": {"x": {"type": "integer"}}},
            },
        },
    },
}


_SPECS = [
    {"name": "abc"},
    {"name": "abc", "mode": "ON"},
    {"name": "abcdefg"},
    {"name": "ABC", "mode": "ON"},
    {"mode": "ON"},
    {"name": "abc", "mode": "ON", "port": 11},
    {"name": "abc", "mode": "ON", "port": 1.0},
    {"name": "abc", "mode": "ON", "either": {"x": 1}},
    {"name": "abc", "mode": "ON", "either": True},
    {"name": "abc", "mode": "ON", "set": ["a", "b", "a"]},
    {"name": "abc", "mode": "ON", "set": ["a", "b", "c", "d"]},
    {"name": "abc", "mode": "ON", "set": ["a", None]},
    {"name": "abc", "mode": "ON", "map": [{"k": "a"}, {"k": "a"}]},
    {"name": "abc", "mode": "ON", "map": [{"k": "a"}, {"k": "b"}]},
    {"name": "abc", "mode": "ON", "null": None},
    {"name": "abc", "mode": "ON", "null": [1, None]},
    {"name": "abc", "mode": "ON", "whole": {"a": 1}},
    {"name": "abc", "mode": "ON", "whole": ["a"]},
    {"name": "abc", "mode": "ON", "free": {"a": [1, {"b": None}]}},
    {"name": "abc", "mode": "ON", "one": {"a": 1}},
    {"name": "abc", "mode": "ON", "one": {"a": 1, "b": 2}},
    {"name": "abc", "mode": "ON", "not": "no"},
    {"name": "abc", "mode": "ON", "obj": {"a": 1}},
    {"name": "abc", "mode": "ON", "obj": {"a": 2}},
    {"name": "abc", "mode": "ON", "defaulted": None},
    {"name": "abc", "mode": "ON", "defaulted": {"x": 2}},
    {"name": "abc", "mode": "ON", "defaulted": {"x": "2"}},
    {"name": "abc", "mode": "ON", "a": 1, "b": 2, "c": 3, "d": 4, "e": 5},
    {"name": "abc", "mode": "ON", "port": 2, "set": [], "map": [], "null": [], "whole": "w"},
    ["not", "an", "object"],
    None,
]


@pytest.mark.parametrize("spec", _SPECS)
def test_each_keyword_checked_while_preparing_as_validate_checks_it(spec):
    """Each keyword, passing and failing, at the top, in objects, in lists and in defaults
    (a schema's default that breaks its own pattern is reported, as validate reports it)."""
    for api in ("v1", "v2"):
        obj = {"apiVersion": api, "kind": "X", "metadata": {"name": "n"}, "spec": spec}
        clean = _schema.Clean()
        for _ in range(2):  # the second time, with the clean subtrees of the first
            _same_as_validate(obj, _KEYWORDS, clean)
        assert _same_as_validate({"apiVersion": api, "kind": "X"}, _KEYWORDS, _schema.Clean()) is False


def test_keyword_cases_hold_valid_ones():
    """Some of the cases above pass every check (a check _prep left out would make them
    differ from validate), and most fail one."""
    valid = [
        _same_as_validate({"apiVersion": "v1", "kind": "X", "spec": spec}, _KEYWORDS, _schema.Clean()) for spec in _SPECS
    ]
    assert 5 <= sum(valid) < len(_SPECS) - 10


def test_subtree_keys_cut_from_values_are_those_cut_from_their_conversions(objects):
    """lint/crd/cel ``_raw_cutter``: the key of a subtree's verdicts, cut from the prepared
    value, is the one cut from its CEL conversion, for every node of every custom resource
    of the trees and of their variants (properties escaped in CEL, other types, NaN)."""
    from infergw_lint.crd import cel
    from infergw_lint.crd.cel import reads

    reg = crd.build_registry(_Index([]), _Opts(None, "experimental"))
    crd._choose_kgateway(reg, None)
    made: dict = {}
    compared = 0
    for group, version, kind, data in objects:
        _, sch = reg.lookup(group, version, kind)
        if sch is None:
            continue
        for obj in [data] + _variants(data, 2):
            stack = [(_schema.prepare(obj, sch).value, cel._walk(sch))]
            while stack:
                val, node = stack.pop()
                if id(node) not in made:
                    try:
                        made[id(node)] = cel._make_subtree(node)
                    except cel.CompileError:
                        made[id(node)] = None
                got = made[id(node)]
                if got is not None and val is not None:
                    root = got[1]
                    memo: dict = {}
                    raw = cel._raw_cutter(root, node.schema)
                    assert repr(raw(val, memo)) == repr(reads.cutter(root)(cel.to_cel(val, node.schema))), (kind, val)
                    assert repr(raw(val, memo)) == repr(raw(val, {}))  # with conversions kept, the same
                    compared += 1
                if isinstance(val, dict):
                    for k, v in val.items():
                        kid = node.kids.get(k)
                        if kid is None and node.addl is not None and node.props.get(k) is None:
                            kid = node.addl
                        if kid is not None:
                            stack.append((v, kid))
                elif isinstance(val, list) and node.items is not None:
                    stack += [(v, node.items) for v in val]
    assert compared > 300, compared


@pytest.mark.parametrize("obj", [
    {"apiVersion": "v1", "kind": "X", "spec": {"a": 1}},
    {"apiVersion": "v1", "kind": "X", "spec": {"b": 1}},
    {"apiVersion": "v1", "kind": "X", "spec": {"a": 1}, "extra": "text"},
    {"apiVersion": "v1", "kind": "X", "spec": {"a": 1}, "extra": 5},
    {"apiVersion": 1, "kind": "X", "spec": {"a": 1}},
    {"apiVersion": {"a": 1}, "kind": "X", "spec": {"a": 1}},
    {"kind": "X", "metadata": {"name": 5}, "spec": {"a": 1}},
    {"apiVersion": "v1", "kind": "X", "spec": {"a": "x"}},
])
@pytest.mark.parametrize("root", [
    {"type": "object", "additionalProperties": {"type": "string", "maxLength": 4},
     "properties": {"spec": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}},
     "anyOf": [{"required": ["apiVersion"]}, {"properties": {"spec": {"required": ["b"]}}}]},
    {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "maxProperties": 4,
     "properties": {"spec": {"type": "object", "properties": {"a": {"type": "integer"}}}}},
])
def test_top_level_checked_while_preparing_as_validate_checks_it(obj, root):
    """The top level's own checks (counts, combinators) and its fields that _prep does not
    walk (kept as written: apiVersion, kind, unknown fields under additionalProperties or
    preserved; metadata never checked)."""
    _same_as_validate(obj, root, _schema.Clean())
