"""IGW104 takes a backendRef kind as known when a CRD defines it, wherever that CRD is
given: in the linted set, in --context, or with --crds (the CRD files the cluster has).
Before, a CRD given with --crds was not asked, and the route was told its kind was unknown."""

from __future__ import annotations

import textwrap

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

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def _igw104(paths, **kw):
    result = run(list(paths), Options(select=["IGW104"], **kw))
    assert not result.internal_errors, result.internal_errors
    return result.findings


def test_unknown_kind_without_its_crd(tmp_path):
    (f,) = _igw104([_write(tmp_path, "route.yaml", ROUTE)])
    assert "'Widget'" in f.message and "not a known backend kind" in f.message


def test_its_crd_anywhere_makes_it_known(tmp_path):
    route = _write(tmp_path, "route.yaml", ROUTE)
    crd = _write(tmp_path, "crd.yaml", CRD)
    assert not _igw104([route, crd])  # in the linted set
    assert not _igw104([route], context=[crd])  # --context
    assert not _igw104([route], crds=[crd])  # --crds


def test_a_crd_of_another_kind_or_group_does_not(tmp_path):
    route = _write(tmp_path, "route.yaml", ROUTE)
    other = _write(tmp_path, "crd.yaml", CRD.replace("kind: Widget", "kind: Gadget"))
    group = _write(tmp_path, "crd2.yaml", CRD.replace("group: example.com", "group: example.org"))
    assert len(_igw104([route], crds=[other, group])) == 1
