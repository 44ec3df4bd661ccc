"""Kustomize overlays and Helm charts as input (lint/render.py).

Kustomize tests build the fixtures under tests/fixtures_render/ with the real tool
(``kustomize build`` or ``kubectl kustomize``) and skip when neither is on PATH.  Helm
is tested with a fake ``helm`` script that prints a stored ``helm template`` output (the
mapping from ``# Source:`` comments to templates), and with Helm's real engine: the helm
binary when on PATH, else the helm extra (helm-python-sdk, which the test extra installs,
so these run in CI); the ``sdk_only`` tests use the extra even where a binary exists.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

from infergw_lint import render
from infergw_lint.cli import main
from infergw_lint.engine import Options, identity, run
from infergw_lint.loader import LoadResult, UsageError
from infergw_lint.rule import fingerprint

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures_render")
KFIX = os.path.join(FIX, "kustomize")
CHART = os.path.join(FIX, "helm", "gw")



def _kustomize_with_origins() -> bool:
    """kustomize (or kubectl) on PATH, recent enough for buildMetadata (kustomize >= 4.5)."""
    if render.kustomize_command() is None:
        return False
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "t"))
        with open(os.path.join(tmp, "t", "kustomization.yaml"), "w") as fh:
            fh.write("resources: [ns.yaml]\n")
        with open(os.path.join(tmp, "t", "ns.yaml"), "w") as fh:
            fh.write("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n")
        try:
            text, wrapper, _ = render.build_kustomization(os.path.join(tmp, "t"))
        except UsageError:
            return False
        return bool(wrapper) and render.ORIGIN in text


needs_kustomize = pytest.mark.skipif(
    not _kustomize_with_origins(), reason="no kustomize or kubectl (kustomize >= 4.5) on PATH"
)
# the helm binary, or Helm's engine from the helm extra (helm-python-sdk, installed by the
# test extra so these tests run in CI)
needs_helm_engine = pytest.mark.skipif(
    not render.helm_available(), reason="neither helm on PATH nor the helm extra (pip install 'infergw-lint[helm]')"
)
needs_helm_sdk = pytest.mark.skipif(not render.helm_sdk_available(), reason="the helm extra (helm-python-sdk) is not installed")
DEMO = os.path.join(FIX, "helm", "demo")

SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"


def _where(rel: str, needle: str, after: str = "") -> tuple[int, int]:
    """1-based line and column of ``needle`` (after ``after`` on the same line) in a fixture."""
    with open(os.path.join(KFIX, rel) if not os.path.isabs(rel) else rel, encoding="utf-8") as fh:
        for n, line in enumerate(fh.read().split("\n"), 1):
            if after in line and needle in line[line.index(after) if after else 0:]:
                start = line.index(after) + len(after) if after else 0
                return n, line.index(needle, start) + 1
    raise AssertionError(f"{needle!r} not in {rel}")


def _lint(paths, **opts):
    result = run(paths, Options(**opts))
    assert result.internal_errors == []
    return result


@pytest.fixture
def kdir(monkeypatch):
    monkeypatch.chdir(KFIX)
    return KFIX


# ---------------------------------------------------------------------------------------
# kustomize: the done-when


@needs_kustomize
def test_prod_overlay_reports_public_lb_at_the_base_annotation_line(kdir):
    line, col = _where("base/gateway.yaml", "internet-facing", SCHEME)
    assert (line, col) == (10, 60)
    result = _lint(["overlays/prod"], select=["IGW401"])
    got = [(f.rule, f.path, f.line, f.column) for f in result.findings]
    assert got == [("IGW401", "base/gateway.yaml", 10, 60)]
    f = result.findings[0]
    # the field comes unchanged from the base: no "set by" note
    assert "set by" not in f.message and "changed by" not in f.message
    assert f.resource == {
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
        "namespace": "ai-gateway", "name": "prod-unified-gateway",
    }
    # the same place as linting the base file raw with --env prod
    raw = _lint(["base/gateway.yaml"], select=["IGW401"], env="prod", render=False)
    assert [(f.path, f.line, f.column) for f in raw.findings] == [("base/gateway.yaml", 10, 60)]


@needs_kustomize
def test_base_alone_reports_no_public_lb(kdir):
    assert _lint(["base"], select=["IGW401"]).findings == []  # built
    assert _lint(["base"], select=["IGW401"], render=False).findings == []  # raw


@needs_kustomize
def test_each_overlay_is_its_own_world(kdir):
    # the same Namespace, labelled prod in one overlay only: no leak into the other
    result = _lint(["overlays/dev", "overlays/prod"], select=["IGW401"])
    assert [f.resource["name"] for f in result.findings] == ["prod-unified-gateway"]
    dev = _lint(["overlays/dev"], select=["IGW401"])
    assert dev.findings == []


@needs_kustomize
def test_field_set_by_an_overlay_patch_is_reported_on_the_patch(kdir):
    result = _lint(["overlays/production"], select=["IGW401"])
    assert len(result.findings) == 1
    f = result.findings[0]
    line, col = _where("overlays/production/public-nlb.yaml", "internet-facing", SCHEME)
    assert (f.path, f.line, f.column) == ("overlays/production/public-nlb.yaml", line, col)
    assert "(set by overlay patch overlays/production/public-nlb.yaml)" in f.message


@needs_kustomize
def test_prod_from_the_overlay_path_segment_is_configurable(kdir, tmp_path):
    # "production" in the path makes it prod (no Namespace label in that overlay)
    assert len(_lint(["overlays/production"], select=["IGW401"]).findings) == 1
    assert _lint(["overlays/production"], select=["IGW401"], prod_segments=("live",)).findings == []
    # and through the configuration file
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("kustomize:\n  prod-segments: [live]\n")
    assert main(["--config", str(cfg), "--select", "IGW401", "overlays/production"]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("kustomize:\n  prod-segment: [live]\n")
    assert main(["--config", str(bad), "overlays/production"]) == 2


@needs_kustomize
def test_origin_annotations_never_reach_the_output(kdir, capsys):
    rc = main(["--format", "json", "overlays/prod", "overlays/production"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "config.kubernetes.io" not in out and "configuredIn" not in out
    data = json.loads(out)
    f = next(f for f in data["findings"] if f["rule"] == "IGW401" and f["path"] == "base/gateway.yaml")
    # fingerprints come from the rendered resource's identity
    ident = "gateway.networking.k8s.io/Gateway/ai-gateway/prod-unified-gateway"
    assert f["fingerprint"] == fingerprint("IGW401", ident, ("spec", "infrastructure", "annotations", SCHEME), 0)


@needs_kustomize
def test_rendered_data_has_no_build_metadata(kdir):
    raw, targets = render.split_targets(["overlays/prod", "generated"], Options())
    assert raw == [] and [t.kind for t in targets] == ["kustomize", "kustomize"]
    out = render.render(targets, Options(), LoadResult())
    assert {d.kind for d in out.documents} == {"Namespace", "Gateway", "ConfigMap"}
    for doc in out.documents:
        assert render.ORIGIN not in doc.annotations and render.TRANSFORMATIONS not in doc.annotations
        assert doc.origin is not None
    ns = next(d for d in out.documents if d.kind == "Namespace")
    assert "annotations" not in ns.data["metadata"]  # emptied, so removed
    assert identity(ns) == "/Namespace//ai-gateway"


def _rendered(target: str, kind: str):
    raw, targets = render.split_targets([target], Options())
    out = render.render(targets, Options(), LoadResult())
    return next(d for d in out.documents if d.kind == kind)


@needs_kustomize
def test_transformer_fields_map_to_the_kustomization_that_sets_them(kdir):
    gw = _rendered("overlays/prod", "Gateway")
    path, span, note = gw.origin.locate(("metadata", "name"), False)
    assert (path, span.line, span.column) == ("overlays/prod/kustomization.yaml", 3, 1)
    assert note == "(set by namePrefix in overlays/prod/kustomization.yaml)"
    path, span, note = gw.origin.locate(("metadata", "namespace"), False)
    assert (path, span.line, span.column) == ("base/kustomization.yaml", 3, 1)
    assert "namespace" in note
    # unchanged fields: the base, no note; a missing field: where it would go in the base
    path, span, note = gw.origin.locate(("spec", "listeners", 0, "port"), False)
    assert (path, span.line, span.column, note) == ("base/gateway.yaml", 13, 13, None)
    path, span, note = gw.origin.locate(("spec", "infrastructure", "parametersRef"), False)
    assert (path, span.line, note) == ("base/gateway.yaml", 8, None)
    # the Namespace label came from the overlay's patch
    ns = _rendered("overlays/prod", "Namespace")
    path, span, note = ns.origin.locate(("metadata", "labels", "environment"), False)
    assert (path, span.line, span.column) == ("overlays/prod/namespace-env.yaml", 6, 18)
    assert "set by overlay patch" in note


@needs_kustomize
def test_inline_json6902_patch_is_located_inside_the_kustomization(kdir):
    gw = _rendered("overlays/production", "Gateway")
    path, span, note = gw.origin.locate(("spec", "listeners", 0, "port"), False)
    line, col = _where("overlays/production/kustomization.yaml", "8080", "value: ")
    assert (path, span.line, span.column) == ("overlays/production/kustomization.yaml", line, col)
    assert "replace /spec/listeners/0/port" in note


@needs_kustomize
def test_generated_configmap_maps_into_the_generator_files(kdir):
    cm = _rendered("generated", "ConfigMap")
    path, span, note = cm.origin.locate(("data", "config.json", "providers", "openai", "keys"), False)
    assert (path, span.line, span.column, note) == ("generated/config.json", 4, 15, None)
    path, span, note = cm.origin.locate(("data", "LOG_LEVEL"), False)
    assert (path, span.line, span.column) == ("generated/kustomization.yaml", 9, 9)
    assert "configMapGenerator 'bifrost-config'" in note


@needs_kustomize
def test_suppression_in_a_base_file_covers_the_overlay_finding(tmp_path, monkeypatch):
    tree = tmp_path / "k"
    shutil.copytree(KFIX, tree)
    gw = tree / "base" / "gateway.yaml"
    gw.write_text(gw.read_text().replace(
        "scheme: internet-facing",
        'scheme: internet-facing  # infergw-lint: disable=IGW401 reason="behind CloudFront"',
    ))
    monkeypatch.chdir(tree)
    result = _lint(["overlays/prod"])
    f = next(f for f in result.findings if f.rule == "IGW401")
    assert f.suppression and f.suppression["justification"] == "behind CloudFront"
    # in the dev overlay the suppression matches nothing: that is not an unused suppression
    dev = _lint(["overlays/dev"])
    assert [f for f in dev.findings if f.rule == "IGW003"] == []


@needs_kustomize
def test_broken_kustomization_is_a_clear_usage_error(kdir, capsys):
    rc = main(["broken"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "broken" in err and "does-not-exist.yaml" in err
    assert "Traceback" not in err and "wrapper" not in err


def test_no_kustomize_tool_is_a_usage_error(kdir, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["overlays/prod"]) == 2
    assert "neither kustomize nor kubectl is on PATH" in capsys.readouterr().err
    # --no-render reads the directory raw, and says the kustomization was read raw
    assert main(["--no-render", "overlays/prod"]) == 0
    assert "raw" not in capsys.readouterr().err  # asked for: no note
    assert render.raw_kustomization_note([type("F", (), {"path": "overlays/prod/kustomization.yaml"})()]).startswith(
        "read 1 kustomization directory raw (overlays/prod)"
    )


def test_kustomize_flag_needs_a_kustomization(kdir, capsys):
    assert main(["--kustomize", os.path.join(FIX, "helm")]) == 2
    assert "no kustomization.yaml" in capsys.readouterr().err
    with pytest.raises(UsageError):
        render.split_targets([], Options(kustomize=["does-not-exist"]))


@needs_kustomize
def test_kustomize_flag_builds_and_reports_on_sources(kdir, capsys):
    assert main(["--select", "IGW401", "--kustomize", "overlays/prod"]) == 1
    assert "base/gateway.yaml:10:60" in capsys.readouterr().out


def test_only_named_directories_are_built(kdir):
    raw, targets = render.split_targets(["."], Options())
    assert raw == ["."] and targets == []


# ---------------------------------------------------------------------------------------
# helm


def _fake_helm(tmp_path, monkeypatch, output: str, fail: str | None = None) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "helm-args.json"
    script = bin_dir / "helm"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        + (f"sys.stderr.write({fail!r}); sys.exit(1)\n" if fail else "")
        + f"sys.stdout.write(open({output!r}, encoding='utf-8').read())\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
    return str(log)


def test_fake_helm_maps_findings_to_templates(tmp_path, monkeypatch):
    log = _fake_helm(tmp_path, monkeypatch, os.path.join(FIX, "helm", "gw-rendered-prod.txt"))
    monkeypatch.chdir(os.path.join(FIX, "helm"))
    result = _lint(["gw"], select=["IGW401"], helm_values=["gw/values-prod.yaml"])
    assert len(result.findings) == 1
    f = result.findings[0]
    # the template writes the value as {{ .Values.scheme | quote }}: the key's line
    line, col = _where(os.path.join(CHART, "templates", "gateway.yaml"), SCHEME)
    assert (f.path, f.line, f.column) == ("gw/templates/gateway.yaml", line, col) == ("gw/templates/gateway.yaml", 13, 7)
    assert "rendered by helm from templates/gateway.yaml" in f.message
    args = [json.loads(x) for x in open(log, encoding="utf-8")]
    assert args == [["template", "gw", "gw", "--values", "gw/values-prod.yaml"]]


def test_fake_helm_literal_value_is_exact(tmp_path, monkeypatch):
    _fake_helm(tmp_path, monkeypatch, os.path.join(FIX, "helm", "gw-rendered-prod.txt"))
    raw, targets = render.split_targets([CHART], Options())
    assert [t.kind for t in targets] == ["helm"]
    out = render.render(targets, Options(), LoadResult())
    gw = next(d for d in out.documents if d.kind == "Gateway")
    path, span, note = gw.origin.locate(("spec", "gatewayClassName"), False)
    assert path.endswith(os.path.join("gw", "templates", "gateway.yaml"))
    assert (span.line, span.column, note) == (10, 21, None)
    ns = next(d for d in out.documents if d.kind == "Namespace")
    path, span, note = ns.origin.locate(("metadata", "labels", "environment"), False)
    assert path.endswith("namespace.yaml") and span.line == 6 and "nearest match" in note


def test_fake_helm_failure_is_a_usage_error(tmp_path, monkeypatch, capsys):
    _fake_helm(tmp_path, monkeypatch, os.path.join(FIX, "helm", "gw-rendered-prod.txt"),
               fail="Error: template: gw/templates/gateway.yaml:3:9: bad\n")
    assert main(["--helm", CHART]) == 2
    err = capsys.readouterr().err
    assert "helm template failed: template: gw/templates/gateway.yaml:3:9: bad" in err
    assert "Traceback" not in err


def test_without_helm_templates_are_skipped_with_one_note(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render, "helm_sdk_available", lambda: False)
    result = _lint([CHART])
    assert [n for n in result.notes if "Helm template" in n] and len(result.notes) == 1
    assert [f for f in result.findings if f.rule == "IGW000"] == []
    assert main(["--helm", CHART]) == 2
    assert "helm is not on PATH" in capsys.readouterr().err
    assert main(["--values", os.path.join(CHART, "values-prod.yaml"), CHART]) == 2


def test_template_line_finds_nested_keys_in_order():
    text = "a:\n  name: x\nspec:\n  name: {{ .Values.n }}\n  port: 80\n"
    assert render.template_line(text, ("spec", "name"), "y") == (4, 3, 24, False)
    assert render.template_line(text, ("spec", "port"), 80) == (5, 9, 11, True)
    assert render.template_line(text, ("nothing",), 1)[:2] == (1, 1)


@needs_helm_engine
def test_real_helm_maps_to_templates(monkeypatch):
    monkeypatch.chdir(os.path.join(FIX, "helm"))
    result = _lint(["gw"], select=["IGW401"], helm_values=["gw/values-prod.yaml"], default_namespace="ai-gateway")
    assert [(f.path, f.line, f.column) for f in result.findings] == [("gw/templates/gateway.yaml", 13, 7)]
    assert _lint(["gw"], select=["IGW401"], default_namespace="ai-gateway").findings == []


@pytest.fixture
def sdk_only(monkeypatch):
    """Render with the helm extra even where a helm binary is on PATH."""
    monkeypatch.setattr(render, "helm_command", lambda: None)


@needs_helm_sdk
def test_helm_extra_renders_when_no_helm_binary(sdk_only, monkeypatch):
    monkeypatch.chdir(os.path.join(FIX, "helm"))
    result = _lint(["gw"], select=["IGW401"], helm_values=["gw/values-prod.yaml"], default_namespace="ai-gateway")
    # the same place as the real helm binary and the stored helm template output give
    assert [(f.path, f.line, f.column) for f in result.findings] == [("gw/templates/gateway.yaml", 13, 7)]
    assert "rendered by helm from templates/gateway.yaml" in result.findings[0].message
    assert _lint(["gw"], select=["IGW401"], default_namespace="ai-gateway").findings == []  # values.yaml: internal
    # what the engine printed is helm template's layout, # Source: comments included
    text, notes = render.render_chart("gw", ["gw/values-prod.yaml"], "ai-gateway")
    assert text.count("# Source: gw/templates/") == 2 and "internet-facing" in text and notes == []
    assert "name: ai-gateway" in text and "name: gw-gateway" in text  # --namespace and the release name


@needs_helm_sdk
def test_helm_extra_on_the_helm_create_scaffold(sdk_only, monkeypatch, capsys):
    """demo/ is the chart `helm create` writes (Helm v4): stock templates, _helpers.tpl,
    NOTES.txt and a test hook; values-prod.yaml adds an HTTPRoute with a bad rewrite."""
    monkeypatch.chdir(os.path.join(FIX, "helm"))
    clean = _lint(["demo"], default_namespace="apps")
    assert clean.findings == [] and clean.notes == []
    kinds = sorted(d.kind for d in render.render(render.split_targets(["demo"], Options())[1], Options(), LoadResult()).documents)
    assert kinds == ["Deployment", "Pod", "Service", "ServiceAccount"]  # NOTES.txt and empty templates left out

    result = _lint(["demo"], helm_values=["demo/values-prod.yaml"], default_namespace="apps")
    assert [(f.rule, f.path) for f in result.findings] == [("IGW106", "demo/templates/httproute.yaml")]
    f = result.findings[0]
    # the value comes from values-prod.yaml through toYaml: the nearest line is the template's filters key
    assert (f.line, f.column) == _where(os.path.join(DEMO, "templates", "httproute.yaml"), "filters:")
    assert "(rendered by helm from templates/httproute.yaml; the line is the nearest match in the template)" in f.message
    assert f.resource == {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "namespace": "apps", "name": "demo"}

    assert main(["--format", "json", "--values", "demo/values-prod.yaml", "--namespace", "apps", "demo"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [x["path"] for x in data["findings"]] == ["demo/templates/httproute.yaml"]


@needs_helm_sdk
def test_helm_extra_merges_values_files_in_order(sdk_only, tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("scheme: internet-facing\nenvironment: prod\n")
    b = tmp_path / "b.yaml"
    b.write_text("scheme: internal\n")
    text, _ = render.render_chart(CHART, [str(a), str(b)], "default")
    assert '"internal"' in text and "environment: prod" in text  # b wins for scheme; a's other key kept
    from infergw_lint import helm_sdk

    assert helm_sdk.merge({"a": {"b": 1, "c": 2}, "l": [1]}, {"a": {"b": 3}, "l": [2]}) == {"a": {"b": 3, "c": 2}, "l": [2]}


@needs_helm_sdk
def test_helm_extra_failures_are_usage_errors(sdk_only, tmp_path, monkeypatch, capsys):
    chart = tmp_path / "broken"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text("kind: ConfigMap\nx: {{ .Values.nope.deeper }}\n")
    assert main(["--helm", str(chart)]) == 2
    err = capsys.readouterr().err
    assert "helm template (helm extra) failed:" in err and "nil pointer" in err and "Traceback" not in err
    bad_values = tmp_path / "v.yaml"
    bad_values.write_text("a: [\n")
    assert main(["--helm", CHART, "--values", str(bad_values)]) == 2
    assert "helm template (helm extra) failed:" in capsys.readouterr().err
    bad_values.write_text("- a\n- b\n")
    assert main(["--helm", CHART, "--values", str(bad_values)]) == 2
    err = capsys.readouterr().err
    assert "helm template (helm extra) failed:" in err and "Traceback" not in err


@needs_helm_sdk
def test_helm_extra_keeps_the_render_timeout(sdk_only, tmp_path, monkeypatch, capsys):
    chart = tmp_path / "slow"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: slow\nversion: 0.1.0\n")
    (chart / "templates" / "loop.yaml").write_text(
        "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\nkind: ConfigMap\n"
    )
    monkeypatch.setenv("INFERGW_LINT_RENDER_TIMEOUT", "1")
    import time

    start = time.monotonic()
    assert main(["--helm", str(chart)]) == 2
    assert time.monotonic() - start < 30
    assert "did not finish in 1 s" in capsys.readouterr().err


@needs_helm_sdk
def test_helm_extra_imports_nothing_from_the_linted_tree(sdk_only, tmp_path, monkeypatch):
    """The engine runs in ``python -I``: a helm_python or infergw_lint package in the
    current directory (a hostile checkout) is never imported."""
    marker = tmp_path / "imported"
    for pkg in ("helm_python", "infergw_lint"):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text(f"open({str(marker)!r}, 'a').write({pkg!r})\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    text, _ = render.render_chart(CHART, [], "default")
    assert "# Source: gw/templates/gateway.yaml" in text
    assert not marker.exists()


# ---------------------------------------------------------------------------------------
# the kustomize invocation, with a fake kustomize (no real tool needed)

FAKE_OUTPUT = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  annotations:
    config.kubernetes.io/origin: |
      path: gateway.yaml
      repo: https://example.com/org/infra
      ref: v1.2.0
    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
  name: remote-gateway
  namespace: edge
"""


def _fake_kustomize(tmp_path, monkeypatch, body: str) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "kustomize-args.txt"
    script = bin_dir / "kustomize"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, time\n"
        f"log = open({str(log)!r}, 'a')\n"
        "log.write(repr(sys.argv[1:]) + '\\n')\n"
        "k = os.path.join(sys.argv[2], 'kustomization.yaml')\n"
        "log.write(open(k).read() if os.path.exists(k) else '')\n"
        "log.close()\n" + body
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return str(log)


def test_kustomize_is_preferred_and_run_through_a_wrapper(kdir, tmp_path, monkeypatch):
    out = tmp_path / "out.yaml"
    out.write_text(FAKE_OUTPUT)
    log = _fake_kustomize(tmp_path, monkeypatch, f"sys.stdout.write(open({str(out)!r}).read())\n")
    assert render.kustomize_command()[1:] == ["build"]
    result = _lint(["overlays/prod"], select=["IGW401"], env="prod")
    text = open(log, encoding="utf-8").read()
    assert "buildMetadata: [originAnnotations, transformerAnnotations]" in text
    wrapper = eval(text.splitlines()[0])[1]  # ['build', WRAPPER_DIR]
    rel = os.path.relpath(os.path.realpath(os.path.join(KFIX, "overlays", "prod")), os.path.realpath(wrapper))
    assert f'resources:\n- "{rel.replace(os.sep, "/")}"\n' in text
    # a remote origin cannot be opened: reported on the overlay's kustomization, saying so
    f = result.findings[0]
    assert f.path == "overlays/prod/kustomization.yaml" and f.line == 4
    assert "from remote resource https://example.com/org/infra//gateway.yaml?ref=v1.2.0" in f.message
    assert "config.kubernetes.io" not in f.message


def test_kustomize_timeout_is_a_usage_error(kdir, tmp_path, monkeypatch, capsys):
    _fake_kustomize(tmp_path, monkeypatch, "time.sleep(10)\n")
    monkeypatch.setenv("INFERGW_LINT_RENDER_TIMEOUT", "1")
    assert main(["overlays/prod"]) == 2
    assert "did not finish in 1 s" in capsys.readouterr().err


def test_old_kustomize_without_build_metadata_still_lints(kdir, tmp_path, monkeypatch):
    out = tmp_path / "out.yaml"
    out.write_text(FAKE_OUTPUT.replace("config.kubernetes.io/origin", "x-origin-ignored"))
    body = (
        "if 'buildMetadata' in open(k).read(): sys.stderr.write('Error: unknown field buildMetadata'); sys.exit(1)\n"
        f"sys.stdout.write(open({str(out)!r}).read())\n"
    )
    _fake_kustomize(tmp_path, monkeypatch, body)
    result = _lint(["overlays/prod"], select=["IGW401"], env="prod")
    assert [(f.path, f.line) for f in result.findings] == [("overlays/prod/kustomization.yaml", 4)]
    assert any("built without origin annotations" in n for n in result.notes)


def test_raw_kustomization_note_names_only_files_so_named():
    """raw_kustomization_note asks first whether a path ends with a kustomization's name (the
    basename is taken only then): a file whose name merely ends the same way is no
    kustomization."""
    paths = ["kustomization.yaml", "a/kustomization.yml", "b/Kustomization", "c/xkustomization.yaml",
             "d/myKustomization", "e/kustomization.yaml.bak", "f/g/kustomization.yaml", "h/routes.yaml"]
    files = [type("F", (), {"path": p})() for p in paths]
    assert render.raw_kustomization_note(files) == (
        "read 4 kustomization directories raw (., a, b and 1 more): name an overlay directory as PATH "
        "(or --kustomize DIR) to lint what it builds"
    )
