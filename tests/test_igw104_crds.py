"""IGW104 takes a backendRef kind as known when a CRD defines it, wherever that CRD is
given: in the linted set, in --context, or with --crds (the CRD files the cluster has).
Before, a CRD given with --crds was not asked, and the route was told its kind was unknown."""

from __future__ import annotations

from test_igw109_crds import crd, write

from infergw_lint.engine import Options, run

ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: ns}
spec:
  gatewayClassName: kgateway
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: ns}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{group: example.com, kind: Widget, name: w}]
"""


def crd_of(kind="Widget", group="example.com") -> str:
    return crd(kind, [("v1", True)], group=group)


def _igw104(paths, **kw):
    result = run(list(paths), Options(select=["IGW104"], **kw))
    assert not result.internal_errors, result.internal_errors
    return result.findings


def test_unknown_kind_without_its_crd(tmp_path):
    (f,) = _igw104([write(tmp_path, "route.yaml", ROUTE)])
    assert "'Widget'" in f.message and "not a known backend kind" in f.message


def test_its_crd_anywhere_makes_it_known(tmp_path):
    route = write(tmp_path, "route.yaml", ROUTE)
    definition = write(tmp_path, "crd.yaml", crd_of())
    assert not _igw104([route, definition])  # in the linted set
    assert not _igw104([route], context=[definition])  # --context
    assert not _igw104([route], crds=[definition])  # --crds


def test_a_crd_of_another_kind_or_group_does_not(tmp_path):
    route = write(tmp_path, "route.yaml", ROUTE)
    other = write(tmp_path, "crd.yaml", crd_of(kind="Gadget"))
    group = write(tmp_path, "crd2.yaml", crd_of(group="example.org"))
    assert len(_igw104([route], crds=[other, group])) == 1


def test_backend_problems_without_grants_are_the_others():
    """IGW104 asks ``backend_problems(..., grants=False)``: the same problems as the full
    answer without IGW101's, for every backendRef of the fixtures and sample manifests."""
    import os

    from infergw_lint import engine
    from infergw_lint.gateway import backend_problems, backend_refs

    here = os.path.dirname(__file__)
    paths = [os.path.join(here, "fixtures", "IGW104"), os.path.join(here, "fixtures", "IGW101"),
             os.path.join(here, "..", "sample_manifests")]
    loaded = engine.load_index([p for p in paths if os.path.exists(p)], engine.Options())
    ctx = loaded.ctx
    compared = dropped = 0
    for doc in loaded.loaded.documents:
        if doc.flavor != "k8s" or doc.kind not in ("HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"):
            continue
        for b in backend_refs(doc, ctx.index):
            full = backend_problems(ctx, doc, b)
            assert backend_problems(ctx, doc, b, grants=False) == [p for p in full if p.code != "IGW101"]
            compared += 1
            dropped += sum(p.code == "IGW101" for p in full)
    assert compared > 20 and dropped > 0
