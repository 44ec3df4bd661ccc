"""Bifrost rules per release: the same config lints differently with the release that reads
it (image tag of the mounting Deployment, --bifrost-version, versions: in the config)."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout

import pytest

from infergw_lint import bifrost_releases
from infergw_lint.cli import main
from infergw_lint.engine import Options, run
from infergw_lint.versions import Version

ROOT = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(ROOT, "data", "bifrost-examples")

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: bifrost-config, namespace: llm}
data:
  config.json: |
    {
      "$schema": "https://www.getbifrost.ai/schema",
      "version": 2,
      "plugins": [
        {"enabled": true, "name": "otel",
         "config": {"trace_type": "genai_extension", "protocol": "http",
                    "collector_url": "http://langfuse-web:3000/api/public/otel/v1/traces"}}
      ]
    }
"""


def deployment(tag: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: bifrost, namespace: llm}}
spec:
  template:
    spec:
      securityContext: {{fsGroup: 1000}}
      containers:
      - {{name: bifrost, image: "maximhq/bifrost:{tag}"}}
      volumes:
      - name: config
        configMap: {{name: bifrost-config}}
"""


def tree(tmp_path, tag: str | None, config: str | None = None) -> str:
    root = tmp_path / (tag or "none")
    root.mkdir()
    docs = [CONFIGMAP] + ([deployment(tag)] if tag else [])
    (root / "bifrost.yaml").write_text("---\n".join(docs), encoding="utf-8")
    if config is not None:
        (root / ".infergw-lint.yaml").write_text(config, encoding="utf-8")
    return str(root)


def findings(path: str, *args: str) -> list[tuple]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        main([*args, "--select", "IGW202,IGW206", "--format", "json", path])
    data = json.loads(out.getvalue())
    return [(f["rule"], f["severity"], f["field"]) for f in data["findings"]]


def diff(path: str, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        main([*args, "--select", "IGW202", "--diff", path])
    return out.getvalue()


TRACE = "data['config.json'].plugins[0].config.trace_type"
VERSION_KEY = "data['config.json'].version"


def test_same_configmap_lints_by_the_release_of_its_deployment(tmp_path):
    old = findings(tree(tmp_path, "v1.4.2"), "--no-config")
    new = findings(tree(tmp_path, "v1.5.3"), "--no-config")
    # v1.4.2: genai_extension is not a value yet, and "version" is a v1.5 key
    assert ("IGW202", "error", TRACE) in old
    assert ("IGW206", "warning", VERSION_KEY) in old
    # v1.5.3: both are right
    assert new == []


def test_config_versions_and_flag_decide_without_a_deployment(tmp_path):
    assert findings(tree(tmp_path, None, 'versions: {bifrost: "1.5"}\n')) == []
    old = findings(tree(tmp_path, "v1.5.3", 'versions:\n  bifrost: "1.4"\n'))  # the config wins over the image
    assert ("IGW202", "error", TRACE) in old
    assert findings(tree(tmp_path, "v1.4.2"), "--no-config", "--bifrost-version", "1.5.0") == []


def test_fix_writes_the_value_of_the_release(tmp_path):
    old = diff(tree(tmp_path, "v1.4.2"), "--no-config")
    assert '-         "config": {"trace_type": "genai_extension"' in old and '+         "config": {"trace_type": "otel"' in old
    cm_otel = tmp_path / "otel"
    cm_otel.mkdir()
    (cm_otel / "bifrost.yaml").write_text(
        "---\n".join([CONFIGMAP.replace('"genai_extension"', '"otel"'), deployment("v1.5.3")]), encoding="utf-8")
    new = diff(str(cm_otel), "--no-config")
    assert '+         "config": {"trace_type": "genai_extension"' in new
    (cm_otel / ".infergw-lint.yaml").write_text('versions: {bifrost: "1.4"}\n', encoding="utf-8")
    assert diff(str(cm_otel)) == ""  # "otel" is right for 1.4: nothing to fix


def test_unknown_release_keeps_the_seed_rule_and_says_how_to_state_it(tmp_path):
    result = run([tree(tmp_path, None)], Options(select=["IGW202"]))
    [f] = result.findings
    assert f.severity == "error"
    assert 'before v1.5: "otel"; v1.5 and later: "genai_extension"' in f.message
    assert "--bifrost-version" in f.message and "versions:" in f.message


def test_known_broken_release_is_reported(tmp_path):
    f = findings(tree(tmp_path, "v1.5.13"), "--no-config")
    assert ("IGW202", "error", "data['config.json'].plugins[0].name") in f
    assert findings(tree(tmp_path, "v1.5.14"), "--no-config") == []


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(EXAMPLES) if n.endswith(".json")))
def test_current_upstream_examples_have_no_igw206_finding(name):
    result = run([os.path.join(EXAMPLES, name)], Options(select=["IGW206"]))
    assert [f.message for f in result.findings] == []


def test_schema_per_release_range():
    old, new = bifrost_releases.ranges()
    assert "version" not in bifrost_releases.schema_for(old)["properties"]
    assert "version" in bifrost_releases.schema_for(new)["properties"]
    assert bifrost_releases.schema_for(None) is bifrost_releases.schema_for(new) or (
        bifrost_releases.schema_for(None)["properties"].keys() == bifrost_releases.schema_for(new)["properties"].keys())
    assert bifrost_releases.range_for(Version("bifrost", (1, 4, 2), "", "cli")) is old
    assert bifrost_releases.range_for(Version("bifrost", (2, 2, 5), "", "cli")) is new
    assert bifrost_releases.range_for(Version("bifrost", (1,), "", "cli")) is None
    assert bifrost_releases.range_for(Version("bifrost", None, "", "unknown")) is None
    meta = bifrost_releases.data()
    assert meta["checked"] and len(meta["upstream"]["schema"]["commit"]) == 40 and meta["upstream"]["licence"]


def test_igw206_names_the_release_for_a_newer_key(tmp_path):
    result = run([tree(tmp_path, "v1.4.2")], Options(select=["IGW206"]))
    [f] = result.findings
    assert "newer Bifrost releases" in f.message and "v1.4.2" in f.message


FIXTURES = os.path.join(ROOT, "fixtures")


def test_bare_model_name_is_a_warning_where_the_catalog_may_resolve_it():
    # the client's apiBase (http://gateway/v1) is the Bifrost gateway: --gateway gateway
    [f] = run([os.path.join(FIXTURES, "IGW301", "catalog-v1.5")], Options(select=["IGW301"], gateways=("gateway",))).findings
    assert f.severity == "warning" and "model catalog" in f.message
    unknown = run([os.path.join(FIXTURES, "IGW301", "catalog-v1.5", ".continue")],
                  Options(select=["IGW301"], gateways=("gateway",))).findings
    assert [g.severity for g in unknown] == ["error"] and "a release before v1.5 is assumed" in unknown[0].message


def test_empty_models_list_denies_from_v1_5_only():
    new = run([os.path.join(FIXTURES, "IGW302", "empty-models-v1.5.3")], Options(select=["IGW302"])).findings
    assert len(new) == 1 and '"version": 1' in new[0].message
    assert run([os.path.join(FIXTURES, "IGW302", "empty-models-v1.4.2")], Options(select=["IGW302"])).findings == []


def test_plugins_only_config_json_is_a_bifrost_config():
    from infergw_lint.domain import looks_like_bifrost

    plugins = {"plugins": [{"name": "otel", "enabled": True, "config": {}}]}
    assert looks_like_bifrost(plugins, "config.json")
    assert not looks_like_bifrost(plugins, "settings.json")
    assert not looks_like_bifrost({"plugins": ["eslint"]}, "config.json")
    assert not looks_like_bifrost({"plugins": []}, "config.json")
