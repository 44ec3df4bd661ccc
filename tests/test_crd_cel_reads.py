"""CEL verdicts kept by what the rules of a node read (lint/crd/cel/reads.py): values the
rules cannot tell apart share a verdict, any difference they can see gives its own."""

from __future__ import annotations

from infergw_lint.crd import cel
from infergw_lint.crd.cel import reads


def key(texts, value):
    return reads.key(cel.to_cel(value, None), reads.reads(texts))


def test_fields_that_are_not_read_do_not_change_the_key():
    rule = ["(has(self.backendRefs) && size(self.backendRefs) > 0) ? "
            "(!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))) : true"]
    a = {"backendRefs": [{"name": "t1-svc", "port": 80}], "filters": [{"type": "X", "extra": 1}]}
    b = {"backendRefs": [{"name": "t2-svc", "port": 81}], "filters": [{"type": "Y", "extra": 2}]}
    assert key(rule, a) == key(rule, b)
    # what it reads: how many backends, how many filters, which have requestRedirect
    assert key(rule, a) != key(rule, {**a, "backendRefs": a["backendRefs"] * 2})
    assert key(rule, a) != key(rule, {**a, "filters": a["filters"] * 2})
    assert key(rule, a) != key(rule, {**a, "filters": [{"requestRedirect": {}}]})
    assert key(rule, a) != key(rule, {"filters": a["filters"]})


def test_read_values_are_kept_exactly():
    rule = ["self.items.all(i, i.port > 0)"]
    base = {"items": [{"name": "a", "port": 1}, {"name": "b", "port": 2}]}
    assert key(rule, base) == key(rule, {"items": [{"name": "x", "port": 1}, {"name": "y", "port": 2}]})
    for port in (1.0, True, "2", 3, None):
        assert key(rule, base) != key(rule, {"items": [{"name": "a", "port": 1}, {"name": "b", "port": port}]})
    # a field read on a value that is not an object: the value is kept whole
    assert key(rule, {"items": ["a"]}) != key(rule, {"items": ["b"]})
    assert key(rule, {"items": {"a": 1}}) != key(rule, {"items": {"b": 1}})  # a map's keys are its elements


def test_rules_that_cannot_be_analysed_have_no_key():
    assert reads.reads(["self.a.startsWith("]) is None
    assert reads.reads(["self.a > 0", "self.b.("]) is None  # one of a node's expressions


def test_a_message_expression_is_read_too():
    """The message of a failed rule comes from its messageExpression: a value it reads
    gives its own message, though the rule's verdict is the same."""
    rules = [{"rule": "self.a > 0", "messageExpression": "'bad ' + self.name"}]
    schema = {"type": "object", "x-kubernetes-validations": rules,
              "properties": {"a": {"type": "integer"}, "name": {"type": "string"}}}
    verdicts: dict = {}
    got = []
    for name in ("x", "y", "x"):
        issues: list = []
        cel.check({"a": 0, "name": name}, schema, (), issues, [], "test", verdicts)
        got.append([i.message.split(": ", 2)[-1] for i in issues])
    assert got == [["bad x (test)"], ["bad y (test)"], ["bad x (test)"]]


def test_two_crds_with_one_rule_and_other_schemas_are_not_mixed_up():
    """The same rule text under two CRDs of one kind whose schemas type the field
    differently (integer, number): one shared verdict memo, each its own verdict (the
    key is made of the value as CEL sees it: 1 in an integer field, 1.0 in a number one)."""
    verdicts: dict = {}

    def schema(t):
        return {"type": "object", "properties": {"spec": {
            "type": "object", "properties": {"x": {"type": t}, "name": {"type": "string"}},
            "x-kubernetes-validations": [{"rule": "type(self.x) == int", "message": "x is not an int"}],
        }}}

    integer, number = schema("integer"), schema("number")
    found = {}
    for sch, t in ((integer, "integer"), (number, "number"), (integer, "integer"), (number, "number")):
        for name in ("a", "b"):
            issues: list = []
            cel.check({"spec": {"x": 1, "name": name}}, sch, (), issues, [], "test", verdicts)
            found.setdefault(t, set()).add(tuple(i.message for i in issues))
    assert found == {"integer": {()}, "number": {("spec: rejected by a CEL validation rule: x is not an int (test)",)}}
    assert any(t[1] for k, t in verdicts[cel._TRIES].items())  # the second name found the first's verdict


def test_subtree_verdicts_are_those_of_a_fresh_walk():
    """A route's rules subtree keeps its issues by what its rules read (lint/crd/cel
    _by_subtree): routes that differ in names, in where the failing backend is, in how many
    rules they have, or in a field a rule reads, each get exactly the issues a walk of their
    own gives (paths, messages, order)."""
    from infergw_lint import crd
    from infergw_lint.crd import schema

    class _NoIndex:
        def of_kind(self, *kinds):
            return []

    class _Opts:
        gateway_api_version = "1.5"
        gateway_api_channel = "standard"

    reg = crd.build_registry(_NoIndex(), _Opts())

    def route(name, rules):
        return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                "metadata": {"name": name, "namespace": "ns"},
                "spec": {"parentRefs": [{"name": f"{name}-gw"}], "rules": rules}}

    def backend(name, port=True):
        return {"name": name, **({"port": 80} if port else {})}

    def rule(*backends, path="/v1"):
        return {"matches": [{"path": {"type": "PathPrefix", "value": path}}], "backendRefs": list(backends)}

    routes = []
    for i in range(40):  # enough to pass the trial of a subtree's keys
        n = f"r{i}"
        routes += [
            route(n, [rule(backend(n + "a"))]),
            route(n, [rule(backend(n + "a", port=False))]),  # no port: a CEL rule of backendRefs fails
            route(n, [rule(backend(n + "a")), rule(backend(n + "b", port=False), backend(n + "c"))]),
            route(n, [rule(backend(n + "a"), path="v1"), rule(backend(n + "b"))]),  # path must start with /
            route(n, [rule(backend(n + "a"))] * 17),  # more than 16 rules (IGW501) and 128 matches
        ]
    alone = [crd.check_object(r, "gateway.networking.k8s.io", "v1", "HTTPRoute", reg, {}) for r in routes]
    verdicts: dict = {}
    clean = schema.Clean()
    shared = [crd.check_object(r, "gateway.networking.k8s.io", "v1", "HTTPRoute", reg, verdicts, clean) for r in routes]
    assert shared == alone
    assert any(i.code == "IGW502" for issues in alone for i in issues)
    assert any(t[1] for k, t in verdicts[cel._TRIES].items() if k[0] == "\x02")  # subtree verdicts were found
