"""The stack profile (lint/versions.py): which releases a run lints against, and why."""

from __future__ import annotations

import json
import textwrap

import pytest

from infergw_lint.cli import main
from infergw_lint.engine import Options, run
from infergw_lint.versions import Version, parse

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: bifrost-config, namespace: llm}
data:
  config.json: |
    {"$schema": "https://www.getbifrost.ai/schema",
     "providers": {"openai": {"keys": [{"name": "k", "value": "dummy", "weight": 1}]}}}
"""


def deployment(image: str, name: str = "bifrost", configmap: str = "bifrost-config", ns: str = "llm") -> str:
    return textwrap.dedent(f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}, namespace: {ns}}}
        spec:
          template:
            spec:
              securityContext: {{fsGroup: 1000}}
              containers:
              - name: bifrost
                image: {image}
              volumes:
              - name: config
                configMap: {{name: {configmap}}}
        """)


def crd(bundle: str) -> str:
    return textwrap.dedent(f"""\
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: httproutes.gateway.networking.k8s.io
          annotations:
            gateway.networking.k8s.io/bundle-version: {bundle}
            gateway.networking.k8s.io/channel: standard
        spec:
          group: gateway.networking.k8s.io
          names: {{kind: HTTPRoute, plural: httproutes}}
          scope: Namespaced
          versions: []
        """)


def write(tmp_path, name: str, *docs: str):
    path = tmp_path / name
    path.write_text("---\n".join(docs), encoding="utf-8")
    return str(path)


def profile_of(paths, **kw):
    return run(paths, Options(select=["IGW202"], **kw)).versions


@pytest.mark.parametrize("text,parts", [
    ("1.5", (1, 5)), ("v1.5.3", (1, 5, 3)), ("V2.1.0-rc.1", (2, 1, 0)), (" 1.4.2 ", (1, 4, 2)),
    ("latest", None), ("1", None), ("", None), (None, None), ("1.5.3.4", None), ("v1.5.3\n", (1, 5, 3)),
])
def test_parse(text, parts):
    assert parse(text) == parts


def test_comparisons_with_partial_versions():
    v15 = Version("bifrost", (1, 5), "test", "config")
    assert v15.at_least("1.5") is True
    assert v15.at_least("1.4.9") is True
    assert v15.at_least("1.5.9") is None  # the patch release decides
    assert v15.at_least("1.6") is False
    assert v15.below("1.5") is False
    v153 = Version("bifrost", (1, 5, 3), "test", "manifest")
    assert v153.at_least("1.5.9") is False and v153.at_least("1.5") is True
    assert v153.within("1.5.12", "1.5.13") is False
    assert Version("bifrost", (1, 5, 12), "", "cli").within("1.5.12", "1.5.13") is True
    assert Version("bifrost", (1, 5, 13), "", "cli").within("1.5.12", "1.5.13") is True
    assert Version("bifrost", (1, 5, 14), "", "cli").within("1.5.12", "1.5.13") is False
    assert v15.within("1.5.12", "1.5.13") is None
    unknown = Version("bifrost", None, "nothing", "unknown")
    assert unknown.at_least("1.5") is None and unknown.below("1.5") is None and str(unknown) == "unknown"


def test_bifrost_version_from_the_mounting_deployment(tmp_path):
    f = write(tmp_path, "a.yaml", CONFIGMAP, deployment("maximhq/bifrost:v1.5.3"))
    result = run([f], Options(select=["IGW202"]))
    p = result.versions
    assert p.bifrost.parts == (1, 5, 3) and p.bifrost.origin == "manifest"
    assert "maximhq/bifrost:v1.5.3" in p.bifrost.source and "Deployment llm/bifrost" in p.bifrost.source
    cm = next(d for d in result.index.documents if d.kind == "ConfigMap")
    assert p.bifrost_for(cm).parts == (1, 5, 3)


def test_each_config_gets_the_release_of_its_own_workload(tmp_path):
    other_cm = CONFIGMAP.replace("bifrost-config", "old-config")
    f = write(
        tmp_path, "a.yaml", CONFIGMAP, other_cm,
        deployment("maximhq/bifrost:v1.5.3"), deployment("maximhq/bifrost:v1.4.2", name="old", configmap="old-config"),
    )
    result = run([f], Options(select=["IGW202"]))
    p = result.versions
    assert p.bifrost.parts is None and "disagree" in p.bifrost.source
    assert not any("disagree" in n for n in result.notes)  # normal for Bifrost; -v shows it
    cms = {d.name: d for d in result.index.documents if d.kind == "ConfigMap"}
    assert p.bifrost_for(cms["bifrost-config"]).parts == (1, 5, 3)
    assert p.bifrost_for(cms["old-config"]).parts == (1, 4, 2)


def test_latest_tag_is_unknown(tmp_path):
    f = write(tmp_path, "a.yaml", CONFIGMAP, deployment("maximhq/bifrost:latest"))
    p = profile_of([f])
    assert p.bifrost.parts is None and "names no release" in p.bifrost.source


def test_values_file_image_next_to_the_config(tmp_path):
    path = tmp_path / "values.yaml"
    path.write_text(textwrap.dedent("""\
        image: {repository: docker.io/maximhq/bifrost, tag: v1.5.3}
        bifrost:
          config:
            $schema: https://www.getbifrost.ai/schema
            providers: {openai: {keys: [{name: k, value: dummy, weight: 1}]}}
            plugins: []
        """), encoding="utf-8")
    result = run([str(path)], Options(select=["IGW202"]))
    doc = result.index.documents[0]
    assert result.versions.bifrost_for(doc).parts == (1, 5, 3)


def test_gateway_api_from_crd_bundle_and_default(tmp_path):
    assert profile_of([write(tmp_path, "crd.yaml", crd("v1.4.0"))]).gateway_api.parts == (1, 4, 0)
    default = profile_of([write(tmp_path, "cm.yaml", CONFIGMAP)]).gateway_api
    assert default.parts == (1, 2) and default.origin == "default"


def test_kgateway_from_controller_image_and_chart_label(tmp_path):
    dep = deployment("cr.kgateway.dev/kgateway-dev/kgateway:v2.1.2", name="kgateway", ns="kgateway-system")
    assert profile_of([write(tmp_path, "k.yaml", dep)]).kgateway.parts == (2, 1, 2)
    svc = textwrap.dedent("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: kgateway
          namespace: kgateway-system
          labels: {helm.sh/chart: kgateway-v2.2.0}
        spec: {ports: [{port: 9977}]}
        """)
    assert profile_of([write(tmp_path, "s.yaml", svc)]).kgateway.parts == (2, 2, 0)


def test_stated_versions_win_over_the_manifests(tmp_path):
    f = write(tmp_path, "a.yaml", CONFIGMAP, deployment("maximhq/bifrost:v1.4.2"), crd("v1.4.0"))
    result = run([f], Options(select=["IGW202"], versions={"bifrost": ("1.5", "--bifrost-version"),
                                                              "gateway-api": ("1.3", "versions.gateway-api")}))
    p = result.versions
    assert p.bifrost.parts == (1, 5) and p.bifrost.origin == "cli"
    assert p.gateway_api.parts == (1, 3) and p.gateway_api.origin == "config"
    cm = next(d for d in result.index.documents if d.kind == "ConfigMap")
    assert p.bifrost_for(cm).parts == (1, 5)
    assert any("linting against v1.5" in n for n in result.notes)


def test_cli_flags_config_and_json_sarif_output(tmp_path, capsys):
    f = write(tmp_path, "a.yaml", CONFIGMAP, deployment("maximhq/bifrost:v1.4.2"))
    (tmp_path / ".infergw-lint.yaml").write_text('versions: {kgateway: "2.2", gateway-api: "1.4"}\n', encoding="utf-8")
    assert main(["--format", "json", "--bifrost-version", "v1.5.3", f]) in (0, 1)
    out = json.loads(capsys.readouterr().out)
    v = out["versions"]
    assert v["bifrost"] == {"version": "1.5.3", "origin": "cli", "source": "--bifrost-version"}
    assert v["kgateway"]["version"] == "2.2" and v["kgateway"]["origin"] == "config"
    assert v["kgateway"]["source"].startswith("versions.kgateway in ")
    assert v["gateway-api"]["version"] == "1.4"
    assert main(["--format", "sarif", f]) in (0, 1)
    sarif = json.loads(capsys.readouterr().out)
    props = sarif["runs"][0]["properties"]["versions"]
    assert props["bifrost"]["version"] == "1.4.2" and props["bifrost"]["origin"] == "manifest"


def test_verbose_prints_the_profile(tmp_path, capsys):
    f = write(tmp_path, "a.yaml", CONFIGMAP, deployment("maximhq/bifrost:v1.4.2"))
    main(["--no-config", "-v", f])
    err = capsys.readouterr().err
    assert "versions: Bifrost v1.4.2 (image maximhq/bifrost:v1.4.2 of Deployment llm/bifrost" in err
    assert "versions: kgateway unknown" in err
    assert "versions: Gateway API v1.2 (default" in err


@pytest.mark.parametrize("argv", [["--bifrost-version", "latest"], ["--kgateway-version", "2"], ["--gateway-api-version", "x"]])
def test_bad_flag_is_a_usage_error(tmp_path, capsys, argv):
    f = write(tmp_path, "a.yaml", CONFIGMAP)
    assert main(["--no-config", *argv, f]) == 2
    assert "is not a" in capsys.readouterr().err


def test_config_version_must_be_a_string(tmp_path, capsys):
    f = write(tmp_path, "a.yaml", CONFIGMAP)
    (tmp_path / ".infergw-lint.yaml").write_text("versions:\n  bifrost: 1.5\n", encoding="utf-8")
    assert main([f]) == 2
    err = capsys.readouterr().err
    assert ".infergw-lint.yaml:2:" in err and "quoted string" in err


def test_hostile_image_text_is_cleaned(tmp_path):
    f = write(tmp_path, "a.yaml", CONFIGMAP, deployment('"maximhq/bifrost:v1.5.3\\u001b[31m"'))
    p = profile_of([f])
    assert "\x1b" not in p.bifrost.source


def test_a_development_bundle_is_no_release():
    """Upstream's main branch writes bundle-version v0.0.0-dev on its CRDs: not release 0.0
    (460 IGW109 findings on the conformance manifests said v1 kinds are not served by it)."""
    from infergw_lint.versions import _bundle_release

    assert _bundle_release("v0.0.0-dev") is None and _bundle_release("v0.0") is None
    assert _bundle_release("v1.5.1") == (1, 5, 1) and _bundle_release("v0.8.0") == (0, 8, 0)
    assert _bundle_release("nonsense") is None
