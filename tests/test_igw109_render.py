"""IGW109 on rendered input: a kustomize overlay and a Helm chart report an apiVersion the
cluster does not serve on the line of the user's own file (the base resource, the template),
and a CRD rendered with them decides for its kind as it does in files read as they are.

Kustomize runs for real (``kustomize`` or ``kubectl kustomize``, skipped without them); Helm
through its engine (the helm binary or the helm extra, which the test setup installs)."""

from __future__ import annotations

import os

from test_igw109_crds import GRANT_V1, crd
from test_render import needs_helm_engine, needs_kustomize

from infergw_lint.engine import Options, run

KGW_CONFIG = """\
apiVersion: kgateway.dev/v1alpha1
kind: GatewayClassConfig
metadata: {name: ai-gateway, namespace: kgateway-system}
spec: {}
"""


def _igw109(paths, **kw):
    result = run(list(paths), Options(select=["IGW109"], **kw))
    assert result.internal_errors == []
    return result.findings


def _base(tmp_path, *extra: str):
    """base/ with the v1 ReferenceGrant and kgateway.dev config (plus ``extra`` files, named
    crd-N.yaml) and overlays/prod/ building it into another namespace."""
    base = tmp_path / "base"
    base.mkdir()
    (base / "grant.yaml").write_text(GRANT_V1, encoding="utf-8")
    (base / "config.yaml").write_text(KGW_CONFIG, encoding="utf-8")
    names = ["grant.yaml", "config.yaml"]
    for i, text in enumerate(extra):
        (base / f"crd-{i}.yaml").write_text(text, encoding="utf-8")
        names.append(f"crd-{i}.yaml")
    (base / "kustomization.yaml").write_text(f"resources: [{', '.join(names)}]\n", encoding="utf-8")
    prod = tmp_path / "overlays" / "prod"
    prod.mkdir(parents=True)
    (prod / "kustomization.yaml").write_text("resources: [../../base]\nnamespace: prod-gw\n", encoding="utf-8")


@needs_kustomize
def test_overlay_reports_the_versions_on_the_base_files(tmp_path, monkeypatch):
    _base(tmp_path)
    monkeypatch.chdir(tmp_path)
    got = sorted((f.path, f.line, f.column, f.message.split(":")[0]) for f in _igw109(["overlays/prod"]))
    assert got == [
        ("base/config.yaml", 1, 13, "API group 'kgateway.dev' does not exist"),
        ("base/grant.yaml", 1, 13, "ReferenceGrant gateway.networking.k8s.io/v1 is not served by Gateway API v1.2"),
    ]
    # the same places as the base files read as they are
    raw = sorted((f.path, f.line, f.column) for f in _igw109(["base/grant.yaml", "base/config.yaml"]))
    assert [g[:3] for g in got] == raw
    # the overlay's namespace is the resource's in the report
    assert {f.resource["namespace"] for f in _igw109(["overlays/prod"])} == {"prod-gw"}


@needs_kustomize
def test_a_crd_rendered_with_the_overlay_decides_for_its_kind(tmp_path, monkeypatch):
    _base(tmp_path, crd("ReferenceGrant", [("v1", True), ("v1beta1", True)]))
    monkeypatch.chdir(tmp_path)
    assert [f.path for f in _igw109(["overlays/prod"])] == ["base/config.yaml"]
    # a CRD that stops serving v1 names itself in the finding
    for p in (tmp_path / "base").iterdir():
        if p.name.startswith("crd-"):
            p.write_text(crd("ReferenceGrant", [("v1beta1", True), ("v1", False)]), encoding="utf-8")
    found = [f for f in _igw109(["overlays/prod"]) if f.path == "base/grant.yaml"]
    assert len(found) == 1 and "served: false" in found[0].message


@needs_helm_engine
def test_chart_reports_the_version_on_the_template_line(tmp_path, monkeypatch):
    chart = tmp_path / "gw"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: gw\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "values.yaml").write_text("grantVersion: gateway.networking.k8s.io/v1\n", encoding="utf-8")
    (chart / "templates" / "grant.yaml").write_text(
        "# a grant for the routes\n" + GRANT_V1.replace("gateway.networking.k8s.io/v1\n", "{{ .Values.grantVersion }}\n", 1),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    found = _igw109(["gw"], default_namespace="ai-gateway")
    assert [(f.path, f.line) for f in found] == [(os.path.join("gw", "templates", "grant.yaml"), 2)]
    assert "rendered by helm from templates/grant.yaml" in found[0].message
    values = tmp_path / "v1beta1.yaml"
    values.write_text("grantVersion: gateway.networking.k8s.io/v1beta1\n", encoding="utf-8")
    assert _igw109(["gw"], default_namespace="ai-gateway", helm_values=[str(values)]) == []
