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
