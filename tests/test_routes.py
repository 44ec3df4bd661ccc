"""``infergw-lint routes`` (lint/routes.py): the routing map of the sample manifests, the
JSON shape, statuses that agree with the rules, and the diagram formats."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from conftest import shared_path

from infergw_lint.cli import main
from infergw_lint.engine import Options, run
from infergw_lint.routes import FORMATS, render, render_text, routing_map

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOOD = os.path.join(ROOT, "sample_manifests", "good")
BAD = os.path.join(ROOT, "sample_manifests", "bad")
GOLDEN = os.path.join(ROOT, "tests", "golden", "routes-good.md")


def routes_cli(capsys, *args):
    code = main(["routes", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def rows_of(path, **options):
    code_json = render("json", routing_map([path], Options(**options)))
    return json.loads(code_json)["routes"]


# A set with the awkward cases: weights, a redirect, header modifiers (values never shown),
# a mirror, a rule without backends, a regex path with characters every format must
# escape, a GRPCRoute, TLSRoutes, a newer route shadowed by an older one, a Gateway that is
# missing and one that is outside the set, a kind nobody serves.
TRICKY = """\
apiVersion: v1
kind: Namespace
metadata: {name: infra}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {team: a}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: kgw}
spec: {controllerName: kgateway.dev/kgateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: kgw
  listeners:
  - name: web
    protocol: HTTP
    port: 80
    hostname: "*.example.com"
    allowedRoutes: {namespaces: {from: All}}
  - name: tls
    protocol: TLS
    port: 443
    tls: {mode: Passthrough}
    allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {team: a}}}}
---
apiVersion: v1
kind: Service
metadata: {name: svc-a, namespace: apps}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: svc-b, namespace: apps}
spec: {ports: [{port: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: split, namespace: apps, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  hostnames: ["api.example.com", "other.org"]
  rules:
  - matches:
    - path: {type: RegularExpression, value: '/v[0-9]+/"x"|<y>#`z`'}
      headers: [{name: X-Tricky, value: 'a"b|c<d>#e\\f'}]
      method: post
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: Authorization, value: "Bearer sk-secret-token"}]
        remove: [x-debug]
    - type: RequestMirror
      requestMirror: {backendRef: {name: svc-b, port: 8080}}
    backendRefs:
    - {name: svc-a, port: 80, weight: 90}
    - {name: svc-b, port: 8081, weight: 10}
  - matches: [{path: {type: Exact, value: /old}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, statusCode: 301}
  - matches: [{path: {type: PathPrefix, value: /nothing}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: later, namespace: apps, creationTimestamp: "2024-06-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: web}]
  hostnames: ["api.example.com"]
  rules:
  - matches: [{path: {type: Exact, value: /old}}]
    backendRefs: [{name: svc-a, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: lost, namespace: apps}
spec:
  parentRefs: [{name: nogw, namespace: infra}, {name: gw, namespace: elsewhere}]
  rules: [{backendRefs: [{name: svc-a, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - matches: [{method: {service: pkg.Svc, method: Get}}]
    backendRefs: [{name: svc-a, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: passthrough, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: tls}]
  hostnames: ["secure.example.com"]
  rules: [{backendRefs: [{name: svc-a, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: pass2, namespace: infra}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: tls}]
  rules: [{backendRefs: [{kind: Weird, group: x.io, name: w, port: 1}]}]
"""


@pytest.fixture
def tricky(tmp_path):
    (tmp_path / "m.yaml").write_text(TRICKY)
    return str(tmp_path)


# ---- the sample manifests ----------------------------------------------------------------

def test_good_markdown_matches_golden(capsys):
    code, out, _ = routes_cli(capsys, "--format", "markdown", GOOD)
    assert code == 0
    if os.environ.get("UPDATE_GOLDEN"):
        with open(GOLDEN, "w", encoding="utf-8") as fh:
            fh.write(out)
    with open(GOLDEN, encoding="utf-8") as fh:
        assert out == fh.read(), "routes markdown changed; rerun with UPDATE_GOLDEN=1 if intended"


def test_good_is_the_seed_summary():
    """Seed section 2.5, computed, with Langfuse on a hostname of its own (a stripped
    /langfuse prefix breaks the Next.js app: IGW111): /v1/* -> Bifrost, / on
    langfuse.example.com -> Langfuse; everything serves."""
    rows = rows_of(GOOD)
    got = [(r["hostname"], r["match"]["path"]["value"], r["backends"][0]["name"], [f["description"] for f in r["filters"]], r["status"]) for r in rows]
    assert got == [
        ("langfuse.example.com", "/", "langfuse-web", [], "ok"),
        ("api.example.com", "/v1/", "bifrost-service", [], "ok"),
    ]
    assert {(r["gateway"], r["listener"]) for r in rows} == {("llm-gateway/unified-gateway", "http")}
    v1 = rows[-1]
    assert v1["backends"] == [{"namespace": "llm-bifrost", "name": "bifrost-service", "port": 8080, "weight": 1}]
    assert v1["route"] == "llm-gateway/bifrost-route"


def test_bad_shows_broken_edges_with_reasons():
    rows = rows_of(BAD)
    by_route: dict = {}
    for r in rows:
        by_route.setdefault(r["route"], []).append(r)
    assert all(r["status"] != "ok" for r in rows)  # the GatewayClass names no real controller (IGW107)
    (bifrost,) = by_route["ai-gateway/bifrost-route"]
    assert "no ReferenceGrant in 'ai-external' allows HTTPRoute from 'ai-gateway'" in bifrost["status"]
    assert "(IGW101)" in bifrost["status"]
    assert "conflicts with HTTPRoute ai-inference/vllm-route" in bifrost["status"]
    (vllm,) = by_route["ai-inference/vllm-route"]
    assert "shadowed by HTTPRoute ai-gateway/bifrost-route" in vllm["status"]
    assert "Service ai-inference/vllm-service not found (IGW104)" in vllm["status"]
    # the vLLM row comes after the Bifrost one: same match, the tie goes by namespace/name
    assert rows.index(bifrost) < rows.index(vllm)
    (admin,) = by_route["ai-external/bifrost-admin"]
    assert admin["gateway"] == "ai-gateway/internal-gateway" and admin["listener"] == "http"
    assert admin["status"].startswith("not allowed:") and "gateway-access=internal" in admin["status"]
    (ui,) = by_route["observability/langfuse-ui"]
    assert ui["listener"] == "https" and "sectionName 'https' names no listener" in ui["status"]
    assert "GatewayClass kgateway" in ui["status"] and "(IGW107)" in ui["status"]


def test_bad_text_and_diagrams_name_the_broken_edges(capsys):
    code, out, err = routes_cli(capsys, BAD)
    assert code == 0
    assert "no ReferenceGrant" in out and "shadowed by HTTPRoute ai-gateway/bifrost-route" in out
    assert "not allowed: listener http (HTTP/8080)" in out
    assert "could not be parsed" in err  # 70-broken.yaml: said on stderr, not silently dropped
    _, mermaid, _ = routes_cli(capsys, "-f", "mermaid", BAD)
    for label in ("no ReferenceGrant", "shadowed", "namespace not allowed", "no such listener", "Service not found"):
        assert re.search(r'-\.->\|"' + re.escape(label) + r'"\|', mermaid), label
    _, dot, _ = routes_cli(capsys, "-f", "dot", BAD)
    assert re.search(r'\[label="no ReferenceGrant", style=dashed, color="#d32f2f"', dot)


# ---- statuses agree with the rules ---------------------------------------------------------

CODES = {"IGW101", "IGW102", "IGW103", "IGW104", "IGW105"}
ROUTE_KINDS = {"HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"}


def _agreement(path):
    """(route, code) pairs lint reports and the map does not, and the reverse."""
    res = run([path], Options())
    assert not res.internal_errors
    linted = set()
    for f in res.findings:
        r = f.resource or {}
        if f.rule in CODES and r.get("kind") in ROUTE_KINDS:
            linted.add((r["kind"], f"{r['namespace']}/{r['name']}", f.rule))
    mapped, with_rows = set(), set()
    for _, row in routing_map([path], Options()).rows():
        with_rows.add((row.route_kind, row.route))
        mapped |= {(row.route_kind, row.route, p.code) for p in row.all_problems() if p.code in CODES}
    shown = {x for x in linted if x[:2] in with_rows}  # routes attached to a mesh Service have no row
    return shown - mapped, mapped - linted


def test_statuses_agree_with_the_rules(tricky):
    for path in (BAD, GOOD, tricky):
        assert _agreement(path) == (set(), set()), path


def test_statuses_agree_with_the_rules_on_the_conformance_corpus():
    path = shared_path("corpus", "gateway-api-conformance")
    assert _agreement(path) == (set(), set())


def test_tricky_rows(tricky):
    rows = rows_of(tricky)
    web = [r for r in rows if r["listener"] == "web"]
    # exact before prefix before regex on api.example.com; the wildcard host (gRPC) last
    assert [(r["hostname"], r["match"].get("path", {}).get("type")) for r in web] == [
        ("api.example.com", "Exact"), ("api.example.com", "Exact"),
        ("api.example.com", "PathPrefix"), ("api.example.com", "RegularExpression"),
        ("*.example.com", None),
    ]
    redirect, later, nothing, regex, grpc = web
    assert redirect["filters"] == [{"type": "RequestRedirect", "description": "redirect scheme https (301)"}]
    assert redirect["status"] == "conflicts with HTTPRoute apps/later: same match, and the older route serves it (IGW105)"
    assert later["status"].startswith("shadowed by HTTPRoute apps/split: same match, and that route is older")
    assert "the gateway answers 500" in nothing["status"]
    assert [(b["name"], b["weight"]) for b in regex["backends"]] == [("svc-a", 90), ("svc-b", 10)]
    assert regex["match"]["method"] == "POST" and regex["match"]["headers"][0]["name"] == "X-Tricky"
    assert "Service apps/svc-b has no port 8081 (ports: 8080) (IGW104)" in regex["status"]
    descriptions = " ".join(f["description"] for f in regex["filters"])
    assert "set Authorization" in descriptions and "sk-secret" not in json.dumps(rows)
    assert grpc["match"] == {"method": {"type": "Exact", "service": "pkg.Svc", "method": "Get"}}
    tls = {r["route"]: r for r in rows if r["listener"] == "tls"}
    assert tls["apps/passthrough"]["status"] == "ok" and tls["apps/passthrough"]["match"] == {}
    assert "kind 'Weird'" in tls["infra/pass2"]["status"] and "not allowed" in tls["infra/pass2"]["status"]
    lost = {r["gateway"]: r["status"] for r in rows if r["route"] == "apps/lost"}
    assert lost == {
        "infra/nogw": "Gateway infra/nogw not found (IGW103)",
        "elsewhere/gw": "unverified: Gateway elsewhere/gw is not in the linted set",
    }


def test_partial_tree_is_unverified_not_broken(tmp_path):
    (tmp_path / "routes.yaml").write_text(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: team}\n"
        "spec:\n  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: s, port: 80}]}]\n"
    )
    (row,) = rows_of(str(tmp_path))
    assert row["status"] == (
        "unverified: Gateway infra/gw is not in the linted set; unverified: Service team/s is not in the linted set"
    )
    (row,) = rows_of(str(tmp_path), assume_complete=True)
    assert row["status"] == "Gateway infra/gw not found (IGW103); Service team/s not found (IGW104)"


# ---- formats -------------------------------------------------------------------------------

def test_json_shape(capsys, tricky):
    for path in (GOOD, BAD, tricky):
        code, out, _ = routes_cli(capsys, "--format", "json", path)
        assert code == 0
        data = json.loads(out)
        assert set(data) == {"version", "routes"} and data["version"] == 1
        assert data["routes"]
        for r in data["routes"]:
            assert list(r) == ["gateway", "listener", "hostname", "match", "filters", "backends", "route", "status"]
            assert re.fullmatch(r"[^/]+/[^/]+", r["gateway"]) and re.fullmatch(r"[^/]+/[^/]+", r["route"])
            assert r["listener"] is None or isinstance(r["listener"], str)
            assert isinstance(r["hostname"], str) and isinstance(r["match"], dict) and isinstance(r["status"], str)
            assert all(set(f) == {"type", "description"} for f in r["filters"])
            for b in r["backends"]:
                assert {"namespace", "name", "port", "weight"} <= set(b)
                assert set(b) - {"namespace", "name", "port", "weight"} <= {"kind", "group", "delegates_to"}  # non-Service kinds; delegation: its children
                assert isinstance(b["weight"], int) and (b["port"] is None or isinstance(b["port"], int))


def test_output_file_and_usage_errors(capsys, tmp_path):
    target = tmp_path / "routes.json"
    code, out, _ = routes_cli(capsys, "-f", "json", "-o", str(target), GOOD)
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["version"] == 1
    assert routes_cli(capsys, "-f", "json")[0] == 2  # no PATH
    code, _, err = routes_cli(capsys, str(tmp_path / "nope"))
    assert code == 2 and "no such file" in err
    assert main(["routes", "-f", "svg", GOOD]) == 2
    capsys.readouterr()


def test_context_and_load_like_lint(capsys, tmp_path):
    """--context supplies the grants and Services of files not given as PATH."""
    routes = os.path.join(GOOD, "40-routes.yaml")
    code, out, _ = routes_cli(capsys, "-f", "json", routes)
    statuses = {r["route"]: r["status"] for r in json.loads(out)["routes"]}
    assert all(s.startswith("unverified:") for s in statuses.values()), statuses
    code, out, _ = routes_cli(capsys, "-f", "json", "--context", GOOD, routes)
    assert {r["status"] for r in json.loads(out)["routes"]} == {"ok"}


def test_plain_text_and_rich(capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = routes_cli(capsys, GOOD)
    assert "\x1b[" not in out
    lines = out.splitlines()
    assert lines[0] == "Gateway llm-gateway/unified-gateway, listener http (HTTP/80)"
    assert lines[1].split() == ["#", "HOSTNAME", "MATCH", "FILTERS", "BACKENDS", "ROUTE", "STATUS"]
    assert "langfuse.example.com" in out and lines[-1] == "2 route matches on 1 listener: 2 ok"
    colored = render_text(routing_map([BAD], Options()), color=True, width=400)
    assert "\x1b[" in colored and "┃" in colored and "no ReferenceGrant in 'ai-external'" in colored


def _mermaid_ok(text: str):
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes, edges, styles = set(), [], []
    for line in lines[1:]:
        s = line.strip()
        m = re.fullmatch(r"([A-Za-z0-9_]+)(\[\"|\(\[\"|\[\(\")(.*)(\"\]|\"\]\)|\"\)\])", s)
        if m:
            assert m.group(1) not in nodes, f"node {m.group(1)} defined twice"
            nodes.add(m.group(1))
            label = m.group(3)
            assert '"' not in label and "|" not in label and "`" not in label
            assert "<" not in label.replace("<br/>", "") and ">" not in label.replace("<br/>", "")
            continue
        m = re.fullmatch(r'([A-Za-z0-9_]+) (-->|-\.->)(\|"([^"|]*)"\|)? ([A-Za-z0-9_]+)', s)
        if m:
            edges.append((m.group(1), m.group(2), m.group(5)))
            continue
        m = re.fullmatch(r"linkStyle (\d+) stroke:#[0-9a-f]{6},.*stroke-dasharray.*", s)
        if m:
            styles.append(int(m.group(1)))
            continue
        assert re.fullmatch(r"(classDef|class) .+", s), f"unexpected mermaid line: {s}"
    assert edges and all(a in nodes and b in nodes for a, _, b in edges)
    assert styles == [i for i, (_, arrow, _) in enumerate(edges) if arrow == "-.->"]  # dashed edges are coloured
    return nodes, edges


def test_mermaid_sanity(capsys, tricky):
    for path in (GOOD, BAD, tricky):
        code, out, _ = routes_cli(capsys, "-f", "mermaid", path)
        assert code == 0
        nodes, edges = _mermaid_ok(out)
    good_nodes, good_edges = _mermaid_ok(routes_cli(capsys, "-f", "mermaid", GOOD)[1])
    assert all(arrow == "-->" for _, arrow, _ in good_edges)  # nothing broken in the good set
    # 1 Gateway, 1 listener, 2 route rules, 2 Services
    assert len(good_nodes) == 6 and len(good_edges) == 1 + 2 + 2
    assert "#quot;x#quot;#124;#lt;y#gt;#35;#96;z#96;" in routes_cli(capsys, "-f", "mermaid", tricky)[1]


def test_node_ids_are_stable(tmp_path, capsys):
    """The same object keeps its node id when unrelated objects come and go."""
    ids = set(re.findall(r"^  ([A-Za-z0-9_]+)\[", routes_cli(capsys, "-f", "mermaid", GOOD)[1], re.M))
    for name in os.listdir(GOOD):
        if name.endswith(".yaml"):
            shutil.copy(os.path.join(GOOD, name), tmp_path / name)
    (tmp_path / "99-extra.yaml").write_text(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: extra, namespace: ai-gateway}\n"
        "spec:\n  parentRefs: [{name: unified-gateway}]\n  rules: [{matches: [{path: {value: /health}}], backendRefs: [{name: h, port: 80}]}]\n"
    )
    again = set(re.findall(r"^  ([A-Za-z0-9_]+)\[", routes_cli(capsys, "-f", "mermaid", str(tmp_path))[1], re.M))
    assert ids < again


def test_markdown_escapes_cells(tricky):
    md = render("markdown", routing_map([tricky], Options()))
    table_rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    for line in table_rows:
        # every row has exactly the 7 columns: no unescaped pipe leaks out of a cell
        assert len(re.split(r"(?<!\\)\|", line)) == 9, line
    assert "`` RegularExpression /v[0-9]+/\"x\"\\|<y>#`z`" in md


def test_dot_text(tricky):
    dot = render("dot", routing_map([tricky], Options()))
    assert dot.startswith("digraph routing_map {") and dot.rstrip().endswith("}")
    assert '\\"x\\"|<y>#`z`' in dot and "e\\\\f" in dot  # quotes and backslashes escaped
    assert re.search(r'label="shadowed", style=dashed, color="#d32f2f"', dot)
    assert re.search(r'label="not in the set", style=dashed, color="#f9a825"', dot)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed (apt-get install graphviz)")
def test_dot_renders_with_graphviz(capsys, tricky, tmp_path):
    for path in (GOOD, BAD, tricky):
        code, out, _ = routes_cli(capsys, "-f", "dot", path)
        assert code == 0
        proc = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.strip() == "", proc.stderr  # no syntax warnings either
        assert "<svg" in proc.stdout
    assert "no ReferenceGrant" in subprocess.run(
        ["dot", "-Tsvg"], input=routes_cli(capsys, "-f", "dot", BAD)[1], capture_output=True, text=True, timeout=60,
    ).stdout


@pytest.mark.parametrize("junk", ["", "x", "[]", "{}", "spec: 3", "spec: {listeners: 3, parentRefs: 3, rules: 3}",
                                  "spec: {listeners: [{name: 1, port: x}], parentRefs: [{name: x, sectionName: 3}], "
                                  "rules: [{matches: 3, filters: [3, {type: URLRewrite, urlRewrite: 3}], backendRefs: [3, {name: 3}]}]}"])
def test_junk_does_not_crash(tmp_path, junk):
    for kind in ("Gateway", "HTTPRoute", "GRPCRoute", "TLSRoute", "ReferenceGrant", "GatewayClass", "ListenerSet"):
        (tmp_path / f"{kind}.yaml").write_text(
            f"apiVersion: gateway.networking.k8s.io/v1\nkind: {kind}\nmetadata: {{name: x}}\n{junk}\n"
        )
    m = routing_map([str(tmp_path)], Options())
    for fmt in FORMATS:
        assert isinstance(render(fmt, m), str)


def test_readme_example_is_the_golden_file():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    with open(GOLDEN, encoding="utf-8") as fh:
        golden = fh.read()
    assert "```markdown\n" + golden.rstrip("\n") + "\n```" in readme, "README's Routing map example is out of date"
