"""Patterns that real upstream stacks showed (issue 15): kgateway route delegation, mesh
routes, other controllers, IGW207 positions and code.  The corpus itself is
tests/realworld/ (test_realworld.py); these are the unit-level checks of each pattern."""

from __future__ import annotations

import json
import os

from infergw_lint.engine import Options, run
from infergw_lint.gateway import delegated_children, backend_refs, is_mesh_route
from infergw_lint.routes import render, routing_map
from infergw_lint.rules.igw207_inline_secret import _env_lines, find_secret

HERE = os.path.dirname(os.path.abspath(__file__))
RW = os.path.join(HERE, "realworld")


def _index(path):
    return run([path], Options(select=["IGW101"])).index


def _route(index, ns, name):
    return next(d for d in index.of_kind("HTTPRoute") if d.name == name and index.namespace_of(d) == ns)


def test_delegation_children_follow_the_childs_parent_refs():
    # kgateway multiple_parents.yaml: route-b names infra/example-route only, so foo-route's
    # delegation to b/* selects nothing (golden output: foo.com serves /a/1 only)
    index = _index(os.path.join(RW, "kgateway", "delegation", "multiple_parents.yaml"))
    for parent, want in (("example-route", {"a/route-a", "b/route-b"}), ("foo-route", {"a/route-a"})):
        route = _route(index, "infra", parent)
        got = {f"{index.namespace_of(c)}/{c.name}" for b in backend_refs(route, index) for c in delegated_children(index, route, b)}
        assert got == want, parent


def test_label_delegation_and_the_all_namespaces_wildcard():
    index = _index(os.path.join(RW, "kgateway", "delegation", "label_based.yaml"))
    route = _route(index, "infra", "example-route")
    got = {b.name: [c.name for c in delegated_children(index, route, b)] for b in backend_refs(route, index)}
    assert got == {"example-svc": [], "infra-routes": ["infra-child"], "a-routes": ["route-a"], "all-routes": ["route-b"]}


def test_routes_map_shows_the_children():
    m = routing_map([os.path.join(RW, "kgateway", "delegation", "basic.yaml")], Options())
    data = json.loads(render("json", m))
    backends = [b for r in data["routes"] for b in r["backends"]]
    assert {"kind": "HTTPRoute", "name": "*", "delegates_to": ["a/route-a"]}.items() <= next(
        b for b in backends if b.get("kind") == "HTTPRoute"
    ).items()
    assert "delegates to HTTPRoute a/* -> a/route-a" in render("text", m)


def test_mesh_route_is_recognised():
    index = run([os.path.join(RW, "gateway-api-mesh")], Options(select=["IGW101"])).index
    mesh = _route(index, "gateway-conformance-mesh-consumer", "mesh-echo-add-header")
    assert is_mesh_route(mesh)


def test_foreign_controller_is_named_in_a_note():
    result = run([os.path.join(RW, "istio", "samples", "bookinfo__gateway-api__bookinfo-gateway.yaml")], Options())
    assert any("istio.io/gateway-controller" in n and "controllers:" in n for n in result.notes)
    judged = run([os.path.join(RW, "istio", "samples", "bookinfo__gateway-api__bookinfo-gateway.yaml")],
                 Options(controllers=("istio.io/gateway-controller",)))
    assert not any("istio.io/gateway-controller" in n for n in judged.notes)


def test_unknown_kind_under_a_listed_controller_is_judged(tmp_path):
    # a route of an Istio Gateway naming a kind nobody defines: left to Istio, unless listed
    (tmp_path / "r.yaml").write_text(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: a}\n"
        "spec:\n  gatewayClassName: istio\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: a}\n"
        "spec:\n  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: [{group: example.io, kind: Thing, name: t}]\n",
        encoding="utf-8",
    )
    quiet = run([str(tmp_path)], Options(select=["IGW104"]))
    assert not quiet.findings
    loud = run([str(tmp_path)], Options(select=["IGW104"], controllers=("istio.io/gateway-controller",)))
    assert [(f.rule, f.severity) for f in loud.findings] == [("IGW104", "error")]


def test_env_lines_skip_source_code():
    text = 'token := os.Getenv("TOKEN")\nkey = fmt.Sprintf("%s%s", a, b)\nsecret == other\nPASSWORD=hunter2x\n'
    assert [(n, k, v) for n, k, v, _, _ in _env_lines(text)] == [(3, "PASSWORD", "hunter2x")]


def test_short_passwords_and_ids():
    assert find_secret("admin", "password") is not None
    assert find_secret("admin", "admin_password") is not None
    assert find_secret("admin", "token") is None  # short non-password literals stay quiet
    assert find_secret("sk-bf-vk-prod-assistant-us-01", "id") is None
    assert find_secret("sk-bf-vk-prod-assistant-us-01", "value", ("governance", "virtual_keys", 0, "value"))


def test_block_scalar_secret_is_reported_on_its_own_line(tmp_path):
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata:\n  app.env: |\n"
        "    LOG_LEVEL=info\n    DB_PASSWORD=\"s3cr3tpass\"\n    API_TOKEN=plainTokenValue123\n",
        encoding="utf-8",
    )
    found = run([str(tmp_path)], Options(select=["IGW207"])).findings
    assert [(f.line, f.column) for f in found] == [(7, 18), (8, 15)]
    assert all("line" in f.message for f in found)


def test_igw301_suggestions_are_real_splits(tmp_path):
    from infergw_lint.rules.igw301_model_name_not_prefixed import RULE

    class Ctx:
        index = run([str(tmp_path)], Options()).index

    assert RULE._suggest(Ctx, "gemini-2.5-flash") == "gemini/gemini-2.5-flash"
    assert RULE._suggest(Ctx, "glm-5", "openai") == "openai/glm-5"
    assert RULE._suggest(Ctx, "openai-gpt-4o") == "openai/openai-gpt-4o"  # the name is never cut


def test_igw301_checks_only_clients_of_the_gateway(tmp_path):
    from infergw_lint.domain import talks_to_bifrost

    index = run([os.path.join(HERE, "..", "sample_manifests", "good")], Options()).index
    assert talks_to_bifrost("http://api.example.com/v1", index)  # an HTTPRoute hostname routing to Bifrost
    assert not talks_to_bifrost("http://localhost:11434/v1", index)
    assert not talks_to_bifrost(None, index)
    assert talks_to_bifrost("https://llm.corp.example/v1", index, ("https://llm.corp.example",))


def test_a_folder_of_independent_examples(tmp_path):
    """kgateway's translator inputs each define Gateway infra/example-gateway: linted as one
    tree they conflict (IGW105), and the report says why; linted one file at a time (the
    oracle's units) they do not; --context DIR reports only on the PATHs given."""
    folder = os.path.join(RW, "kgateway")
    tree = run([folder], Options(select=["IGW105"])).findings
    assert tree and all("defined in" in f.message and "lint each on its own" in f.message for f in tree)
    one = os.path.join(folder, "delegation", "basic.yaml")
    assert not run([one], Options(select=["IGW105"])).findings
    with_context = run([one], Options(select=["IGW105"], context=[folder])).findings
    assert {f.path for f in with_context} <= {one}
