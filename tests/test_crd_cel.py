"""Every CEL rule of the bundled Gateway API standard-channel CRDs (v1.2..v1.6), judged as
the API server judges it: tests/crd/cel_cases.yaml holds, per rule, a manifest it rejects
and one it accepts (written for these tests)."""

from __future__ import annotations

import copy
import os
import re

import pytest
import yaml

from infergw_lint import crd
from infergw_lint.crd import cel

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = yaml.safe_load(open(os.path.join(HERE, "crd", "cel_cases.yaml"), encoding="utf-8"))
API = {
    "ReferenceGrant": "v1beta1",
}
_REPEAT = re.compile(r"\$\{(.)\*(\d+)\}")


class _Opts:
    def __init__(self, version):
        self.gateway_api_version = version
        self.gateway_api_channel = "standard"


class _NoIndex:
    def of_kind(self, *kinds):
        return []


_REGISTRIES: dict = {}


def registry(version: str):
    if version not in _REGISTRIES:
        _REGISTRIES[version] = crd.build_registry(_NoIndex(), _Opts(version))
    return _REGISTRIES[version]


def expand(node):
    if isinstance(node, list):
        if len(node) == 3 and node[0] == "__repeat__":
            return [expand(copy.deepcopy(node[2])) for _ in range(node[1])]
        return [expand(v) for v in node]
    if isinstance(node, dict):
        return {expand(k): expand(v) for k, v in node.items()}
    if isinstance(node, str):
        return _REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), node)
    return node


def manifest(case, which):
    kind = case.get("kind", "HTTPRoute")
    return kind, {
        "apiVersion": f"gateway.networking.k8s.io/{API.get(kind, 'v1')}",
        "kind": kind,
        "metadata": {"name": "t", "namespace": "apps"},
        "spec": expand(case[which]),
    }


def judge(case, which, seen=None):
    kind, data = manifest(case, which)
    version = str(case.get("version", "1.6"))
    reg = registry(version)
    assert reg.kinds, f"no bundle for {version}"
    if seen is not None:
        original = cel.program

        def recording(text):
            seen.add(text)
            return original(text)

        cel.program = recording
    try:
        return crd.check_object(data, "gateway.networking.k8s.io", API.get(kind, "v1"), kind, reg)
    finally:
        if seen is not None:
            cel.program = original


def _id(case):
    return f"{case.get('kind', 'HTTPRoute')}-{case.get('version', '1.6')}-{case['expect'][:50]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_rejected(case):
    issues = judge(case, "bad")
    if case.get("blocked_by_schema"):
        assert any(i.code == "IGW501" for i in issues), issues
        return
    failed = [i for i in issues if i.code == "IGW502" and case["expect"] in i.message]
    assert failed, f"expected a failure of {case['expect']!r}, got: {[i.message for i in issues]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_accepted(case):
    issues = judge(case, "good")
    assert not issues, [i.message for i in issues]


def _standard_rules() -> set:
    rules = set()

    def walk(node):
        if isinstance(node, dict):
            for r in node.get("x-kubernetes-validations") or ():
                if not cel.is_transition(r["rule"]):
                    rules.add(r["rule"])
            for v in (node.get("properties") or {}).values():
                walk(v)
            for key in ("items", "additionalProperties"):
                if isinstance(node.get(key), dict):
                    walk(node[key])

    for minor in crd.GATEWAY_API_RELEASES:
        for c in crd.bundle(f"gateway-api-{minor}-standard")["crds"]:
            for sch in c["versions"].values():
                walk(sch)
    return rules


def test_every_rule_has_a_rejected_and_an_accepted_manifest(monkeypatch):
    monkeypatch.setenv("INFERGW_LINT_NO_CACHE", "1")  # evaluate every rule here, no stored verdict
    cel._VERDICTS.clear()
    rules = _standard_rules()
    assert len(rules) >= 80
    accepted: set = set()
    rejected: set = set()
    blocked: set = set()
    for case in CASES:
        seen: set = set()
        cel._VERDICTS.clear()
        assert not judge(case, "good", seen)
        accepted |= seen
        issues = judge(case, "bad")
        rejected |= {i.rule for i in issues if i.code == "IGW502"}
        if case.get("blocked_by_schema"):
            blocked |= {r for r in seen if case["expect"] in _messages().get(r, "")}
    assert not rules - accepted, f"never evaluated on an accepted manifest: {sorted(rules - accepted)}"
    missing = rules - rejected - blocked
    assert not missing, f"no rejected manifest fails: {sorted(missing)}"


_MSG: dict = {}


def _messages() -> dict:
    if not _MSG:
        def walk(node):
            if isinstance(node, dict):
                for r in node.get("x-kubernetes-validations") or ():
                    _MSG[r["rule"]] = r.get("message", "")
                for v in (node.get("properties") or {}).values():
                    walk(v)
                for key in ("items", "additionalProperties"):
                    if isinstance(node.get(key), dict):
                        walk(node[key])

        for minor in crd.GATEWAY_API_RELEASES:
            for c in crd.bundle(f"gateway-api-{minor}-standard")["crds"]:
                for sch in c["versions"].values():
                    walk(sch)
    return _MSG


def test_error_inside_exists_one_is_absorbed_by_or():
    """`!has(l1.name) || self.exists_one(l2, has(l2.name) && l1.name == l2.name)` holds for
    rules without a name: CEL's `||` absorbs the error the unnamed rule raises inside
    exists_one; celpy raises it instead (found on istio's gateway testdata http.yaml, whose
    route the API server accepts)."""
    rule = {"rule": "self.all(l1, !has(l1.name) || self.exists_one(l2, has(l2.name) && l1.name == l2.name))",
            "message": "Rule name must be unique within the route"}
    text = rule["rule"]
    prog = cel.program(text)
    mixed = cel.to_cel([{"name": "a"}, {"x": 1}], None)
    assert cel._evaluate(prog, rule, text, mixed) is None
    # a missing key outside those macros is still the API server's verdict
    tls = {"rule": "self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true",
           "message": "certificateRefs or options must be specified when mode is Terminate"}
    got = cel._evaluate(cel.program(tls["rule"]), tls, tls["rule"], cel.to_cel({"mode": "Terminate"}, None))
    assert got and got.startswith("no such key")


def test_flat_verdicts_tell_values_of_other_types_apart():
    """A node with many rules keeps its verdicts by its flat value: 1, true and "1" are
    three values (Python calls 1 and True equal), and a float, a list or a nested object
    is not kept at all."""
    assert cel._flat({"a": 1}) != cel._flat({"a": True}) != cel._flat({"a": "1"})
    assert cel._flat({"a": 1, "b": None}) == (("a", int, 1), ("b", type(None), None))
    assert cel._flat({"a": 1.0}) is False and cel._flat({"a": [1]}) is False and cel._flat([1]) is False
    text = "self.v == 1"
    rules = [{"rule": text, "message": f"m{i}"} for i in range(cel.FLAT_MIN_RULES)]
    schema = {"type": "object", "x-kubernetes-validations": rules,
              "properties": {"v": {"x-kubernetes-int-or-string": True}}}
    verdicts: dict = {}
    for value, failed in (({"v": 1}, 0), ({"v": True}, len(rules)), ({"v": 1}, 0), ({"v": "1"}, len(rules))):
        issues: list = []
        cel.check(value, schema, (), issues, [], "test", verdicts)
        assert len(issues) == failed, value
