"""lint/gateway.py: the Gateway API semantics the routing rules (and later commands) share."""

from __future__ import annotations

import pytest

from infergw_lint import gateway as gw
from infergw_lint.engine import Options, run
from trees import real_trees


@pytest.mark.parametrize(
    "listener,route,want",
    [
        (None, "api.example.com", "api.example.com"),
        ("api.example.com", None, "api.example.com"),
        ("api.example.com", "API.example.com.", "api.example.com"),
        ("*.example.com", "api.example.com", "api.example.com"),
        ("*.example.com", "a.b.example.com", "a.b.example.com"),
        ("*.example.com", "example.com", None),
        ("api.example.com", "*.example.com", "api.example.com"),
        ("*.example.com", "*.svc.example.com", "*.svc.example.com"),
        ("*.svc.example.com", "*.example.com", "*.svc.example.com"),
        ("*.example.com", "*.example.org", None),
        ("a.example.com", "b.example.com", None),
        ("*.example.com", "fooexample.com", None),
    ],
)
def test_hostname_intersection(listener, route, want):
    assert gw.hostname_intersection(listener, route) == want


def test_effective_hostnames():
    assert gw.effective_hostnames(None, []) == ["*"]
    assert gw.effective_hostnames("*.example.com", []) == ["*.example.com"]
    assert gw.effective_hostnames("*.example.com", ["a.example.com", "x.org", "a.example.com"]) == ["a.example.com"]


LABELS = {"tier": "gold", "env": "prod", gw.METADATA_NAME_LABEL: "team-a"}


@pytest.mark.parametrize(
    "selector,known,want",
    [
        ({}, True, True),
        ({"matchLabels": {"tier": "gold"}}, True, True),
        ({"matchLabels": {"tier": "silver"}}, True, False),
        ({"matchLabels": {"missing": "x"}}, True, False),
        ({"matchLabels": {"missing": "x"}}, False, None),
        ({"matchLabels": {gw.METADATA_NAME_LABEL: "team-a"}}, False, True),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["gold", "silver"]}]}, True, True),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["gold"]}]}, True, False),
        ({"matchExpressions": [{"key": "absent", "operator": "NotIn", "values": ["x"]}]}, True, True),
        ({"matchExpressions": [{"key": "absent", "operator": "NotIn", "values": ["x"]}]}, False, None),
        ({"matchExpressions": [{"key": "env", "operator": "Exists"}]}, True, True),
        ({"matchExpressions": [{"key": "absent", "operator": "DoesNotExist"}]}, True, True),
        ({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}, False, False),
        ({"matchExpressions": [{"key": "env", "operator": "Bogus"}]}, True, None),
        ({"matchExpressions": [{"key": "env", "operator": "In", "values": []}]}, True, None),
        ({"matchLabels": "x"}, True, None),
        ("x", True, None),
        # AND: one definite miss decides even when another requirement is undecided
        ({"matchLabels": {"tier": "silver", "missing": "x"}}, False, False),
    ],
)
def test_selector_matches(selector, known, want):
    assert gw.selector_matches(selector, LABELS, known) is want


def test_match_normalisation_and_precedence():
    a = gw.http_match_key({"path": {"type": "PathPrefix", "value": "/v1/"}})
    b = gw.http_match_key({"path": {"value": "/v1"}})
    assert a == b
    assert gw.http_match_key({}) == gw.http_match_key({"path": {"type": "PathPrefix", "value": "/"}})
    h1 = gw.http_match_key({"headers": [{"name": "X-A", "value": "1"}, {"name": "b", "value": "2"}]})
    h2 = gw.http_match_key({"headers": [{"name": "B", "value": "2"}, {"type": "Exact", "name": "x-a", "value": "1"}]})
    assert h1 == h2
    exact = gw.http_match_key({"path": {"type": "Exact", "value": "/v1"}})
    longer = gw.http_match_key({"path": {"value": "/v1/chat"}})
    method = gw.http_match_key({"path": {"value": "/v1"}, "method": "post"})
    ordered = sorted([a, method, longer, exact], key=gw.match_precedence)
    assert ordered == [exact, longer, method, a]
    assert gw.describe_match(method) == "PathPrefix /v1, method POST"


@pytest.mark.parametrize(
    "text,want", [("1.2", (1, 2)), ("v1.5.1", (1, 5)), (1.5, (1, 5)), ("junk", (1, 2)), (None, (1, 2))]
)
def test_parse_version(text, want):
    assert gw.parse_version(text) == want


def test_served_versions():
    g = gw.GATEWAY_GROUP
    assert gw.served(g, "ReferenceGrant", "v1", (1, 2)) is False
    assert gw.served(g, "ReferenceGrant", "v1", (1, 5)) is True
    assert gw.served(g, "ReferenceGrant", "v1beta1", (1, 6)) is True
    assert gw.served(g, "GRPCRoute", "v1alpha2", (1, 1)) is True
    assert gw.served(g, "GRPCRoute", "v1alpha2", (1, 2)) is False
    assert gw.served(g, "TCPRoute", "v1alpha2", (1, 9)) is True
    assert gw.served(g, "Unknown", "v1", (1, 2)) is None
    assert gw.served_versions(g, "TLSRoute", (1, 5)) == ["v1", "v1alpha3", "v1alpha2"]


MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata: {name: team, labels: {access: internal}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  listeners:
    - {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}
    - name: internal
      protocol: HTTP
      port: 8080
      allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {access: internal}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: team}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /api}}]
      backendRefs: [{name: api, port: 80}]
    - matches: [{path: {type: Exact, value: /api/health}}]
      backendRefs: [{name: health, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b, namespace: other}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: internal}]
"""


def test_graph_attachments_and_routing_table(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    from infergw_lint.index import Index
    from infergw_lint.loader import LoadResult, load

    loaded = LoadResult()
    load([str(tmp_path)], loaded)
    index = Index(loaded.documents)
    g = gw.graph(index)
    assert gw.graph(index) is g  # cached on the index
    routes = {r.name: r for r in g.routes}
    (att,) = g.attachments(routes["a"])
    assert att.status == gw.ATTACHED and [l.name for l in att.listeners] == ["http", "internal"]
    (att_b,) = g.attachments(routes["b"])
    assert att_b.status == gw.UNDECIDED  # namespace "other" has no Namespace object in the set
    assert gw.graph(index, assume_complete=True).attachments(routes["b"])[0].status == gw.NOT_ALLOWED
    table = g.routing_table(("Gateway", "infra", "gw", "http"))
    assert [(e.route.name, gw.describe_match(e.key)) for e in table] == [("a", "Exact /api/health"), ("a", "PathPrefix /api")]
    assert {l.key for l in g.all_listeners()} == {("Gateway", "infra", "gw", "http"), ("Gateway", "infra", "gw", "internal")}


@pytest.mark.parametrize("junk", ["", "x", "[]", "{}", "spec: 3", "spec: {listeners: 3, parentRefs: 3, rules: 3}"])
def test_graph_tolerates_junk(tmp_path, junk):
    for kind in ("Gateway", "HTTPRoute", "ReferenceGrant", "GatewayClass", "ListenerSet"):
        (tmp_path / f"{kind}.yaml").write_text(
            f"apiVersion: gateway.networking.k8s.io/v1\nkind: {kind}\nmetadata: {{name: x}}\n{junk}\n"
        )
    result = run([str(tmp_path)], Options(select=["IGW1", "IGW402"]))
    assert not result.internal_errors, result.internal_errors


def _one_pass_tables(g):
    """The routing tables as one pass over every route builds them (the way the graph built
    them before they were made per listener): table, per-listener and per-route lists."""
    table, by_listener, by_route, actions = {}, {}, {}, {}
    for route in g.routes:
        if route.kind not in ("HTTPRoute", "GRPCRoute"):
            continue
        matches = gw.rule_matches(route)
        if not matches:
            continue
        route_ns = g.index.namespace_of(route) or g.index.default_namespace
        rules = gw._list(route.get("spec", "rules"))
        acts = {i: gw.rule_action_key(route, rules[i], route_ns) for i in {m[0] for m in matches}}
        hosts = gw.route_hostnames(route)
        seen = set()
        for att in g.attachments(route):
            for l in att.listeners:
                if l.key in seen:
                    continue
                seen.add(l.key)
                for host in gw.effective_hostnames(l.hostname, hosts):
                    for rule_i, match_i, path, key in matches:
                        e = (id(route), rule_i, match_i, path, key, host, l.key, acts[rule_i])
                        table.setdefault((l.key, host, key), []).append(e)
                        actions.setdefault((l.key, host, key), set()).add(e[-1])
                        by_listener.setdefault(l.key, []).append(e)
                        by_route.setdefault(id(route), []).append(e)
    return table, by_listener, by_route, actions


@pytest.mark.parametrize("tree", real_trees("IGW1*"), ids=lambda p: p.rsplit("/", 2)[-1])
def test_routing_tables_per_listener_match_one_pass(tree):
    """Tables made per listener, on demand, hold what one pass over every route makes, in
    the same order -- asked in any order (here: the last route first)."""
    from infergw_lint.engine import load_index

    g = gw.graph(load_index([tree], Options()).ctx.index)
    table, by_listener, by_route, actions = _one_pass_tables(g)

    def as_tuple(e):
        return (id(e.route), e.rule_index, e.match_index, e.path, e.key, e.hostname, e.listener.key, e.action)

    for route in reversed(g.routes):
        assert [as_tuple(e) for e in g.route_entries(route)] == by_route.get(id(route), [])
    for (lkey, host, key), want in table.items():
        assert [as_tuple(e) for e in g.entries(lkey, host, key)] == want
        assert g.distinct_actions(lkey, host, key) == len(actions[(lkey, host, key)])
    for lkey, want in by_listener.items():
        assert [as_tuple(e) for e in g._listener_table(lkey)[2]] == want  # what routing_table sorts
        got = g.routing_table(lkey)
        assert sorted(map(as_tuple, got)) == sorted(want) and len(got) == len(want)
    for lkey in {l.key for l in g.all_listeners()} - set(by_listener):
        assert g.routing_table(lkey) == [] and g.entries(lkey, "*", ()) == []


def test_action_key_of_a_rule_with_keys_of_several_types(tmp_path):
    """A route rule with a key that is not a string beside the others (``1: x``): its
    action still has one text (JSON cannot sort such keys), so IGW105 compares it instead
    of failing on the route (an internal error before)."""
    rule = "  - {k}: x\n    matches: [{{path: {{value: /v1}}}}]\n    backendRefs: [{{name: s, port: 80}}]\n"
    route = (
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {name}, namespace: a}}\n"
        "spec:\n  parentRefs: [{{name: gw}}]\n  rules:\n"
    )
    (tmp_path / "m.yaml").write_text(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: a}\n"
        "spec:\n  gatewayClassName: x\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n"
        + route.format(name="r1") + rule.format(k=1) + route.format(name="r2") + rule.format(k=2)
        + route.format(name="r3") + rule.format(k=1)
    )
    result = run([str(tmp_path)], Options(select=["IGW105"]))
    assert not result.internal_errors, result.internal_errors
    # r2 routes differently from r1 and r3 (its rule has 2: x, not 1: x); r3 as r1 does
    found = sorted((f.resource["name"], f.message.split(":")[0]) for f in result.findings)
    assert found == [
        ("r1", "this match conflicts with HTTPRoute a/r2"), ("r2", "this match conflicts with HTTPRoute a/r1"),
        ("r3", "this match conflicts with HTTPRoute a/r2"),
    ]
    assert gw._canonical({1: "x", "a": [{2: None, "b": 1}]}) == gw._canonical({"a": [{"b": 1, 2: None}], 1: "x"})
    assert gw._canonical({1: "x"}) == '{"1": "x"}'  # one type of key: JSON's own text, as before
