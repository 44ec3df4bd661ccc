"""Configuration discovery and validation, CLI overrides, baseline, custom policies."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "sample_manifests")

PUBLIC_SVC = """\
apiVersion: v1
kind: Service
metadata:
  name: lb
  namespace: edge
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
spec: {type: LoadBalancer}
"""

BIFROST_DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: bifrost, namespace: ai}
spec:
  template:
    spec:
      securityContext: {fsGroup: 1000}
      containers: [{name: b, image: maximhq/bifrost:v1}]
"""


def lint(*args, cwd):
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def findings(out: str) -> list:
    return json.loads(out)["findings"]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(textwrap.dedent(text))


def test_config_in_parent_directory_is_found(tmp_path):
    write(tmp_path / "repo" / "manifests" / "svc.yaml", PUBLIC_SVC)
    write(tmp_path / "repo" / ".infergw-lint.yaml", "env: prod\n")
    code, out, _ = lint("--format", "json", "manifests", cwd=tmp_path / "repo")
    assert code == 1 and [f["rule"] for f in findings(out)] == ["IGW401"]
    # the command line overrides the file
    code, out, _ = lint("--env", "dev", "manifests", cwd=tmp_path / "repo")
    assert code == 0


def test_discovery_order_yaml_before_pyproject_and_nearest_wins(tmp_path):
    write(tmp_path / "repo" / "pyproject.toml", '[tool.infergw-lint]\nenv = "prod"\n')
    write(tmp_path / "repo" / "svc.yaml", PUBLIC_SVC)
    code, _, _ = lint("svc.yaml", cwd=tmp_path / "repo")
    assert code == 1  # pyproject [tool.infergw-lint] is read
    write(tmp_path / "repo" / ".infergw-lint.yaml", "env: dev\n")
    code, _, _ = lint("svc.yaml", cwd=tmp_path / "repo")
    assert code == 0  # .infergw-lint.yaml in the same directory wins over pyproject.toml
    write(tmp_path / "repo" / "sub" / ".infergw-lint.yml", "env: prod\n")
    write(tmp_path / "repo" / "sub" / "svc.yaml", PUBLIC_SVC)
    code, _, _ = lint("sub", cwd=tmp_path / "repo")
    assert code == 1  # the nearest config above the linted path wins
    code, _, _ = lint("--no-config", "sub", cwd=tmp_path / "repo")
    assert code == 0
    code, _, _ = lint("--config", str(tmp_path / "repo" / ".infergw-lint.yaml"), "sub", cwd=tmp_path / "repo")
    assert code == 0


def test_unknown_key_is_an_error_with_its_line(tmp_path):
    write(tmp_path / ".infergw-lint.yaml", "env: prod\nrules:\n  IGW203:\n    severty: warning\n")
    write(tmp_path / "svc.yaml", PUBLIC_SVC)
    code, out, err = lint("svc.yaml", cwd=tmp_path)
    assert code == 2
    assert ".infergw-lint.yaml:4:5" in err and "severty" in err


def test_bad_value_is_an_error_with_its_line(tmp_path):
    write(tmp_path / ".infergw-lint.yaml", "fail-on: sometimes\n")
    write(tmp_path / "svc.yaml", PUBLIC_SVC)
    code, _, err = lint("svc.yaml", cwd=tmp_path)
    assert code == 2 and ".infergw-lint.yaml:1:10" in err and "fail-on" in err


def test_pyproject_error_names_the_line(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.infergw-lint]\nfail-on = "error"\nbogus = 1\n')
    write(tmp_path / "svc.yaml", PUBLIC_SVC)
    code, _, err = lint("svc.yaml", cwd=tmp_path)
    assert code == 2 and "pyproject.toml:6:1" in err and "bogus" in err


def test_unknown_rule_in_config_is_an_error(tmp_path):
    write(tmp_path / ".infergw-lint.yaml", "rules:\n  IGW999: false\n")
    write(tmp_path / "svc.yaml", PUBLIC_SVC)
    code, _, err = lint("svc.yaml", cwd=tmp_path)
    assert code == 2 and "IGW999" in err


def test_broken_config_yaml_is_usage_error(tmp_path):
    write(tmp_path / ".infergw-lint.yaml", "rules: [unclosed\n")
    write(tmp_path / "svc.yaml", PUBLIC_SVC)
    code, _, err = lint("svc.yaml", cwd=tmp_path)
    assert code == 2 and ".infergw-lint.yaml:" in err


def test_rule_disable_severity_and_options(tmp_path):
    write(tmp_path / "d.yaml", BIFROST_DEPLOY)
    write(tmp_path / "svc.yaml", PUBLIC_SVC)
    write(tmp_path / ".infergw-lint.yaml", """\
        env: prod
        rules:
          public-lb-in-prod: warning
          IGW203:
            options: {fs_group: 2000}
        """)
    code, out, _ = lint("--format", "json", ".", cwd=tmp_path)
    got = {(f["rule"], f["severity"]) for f in findings(out)}
    assert got == {("IGW401", "warning"), ("IGW203", "error")}
    assert code == 1
    write(tmp_path / ".infergw-lint.yaml", "env: prod\nfail-on: error\nrules:\n  IGW203: false\n  IGW401: warning\n")
    code, out, _ = lint("--format", "json", ".", cwd=tmp_path)
    assert [f["rule"] for f in findings(out)] == ["IGW401"] and code == 0
    # --fail-on on the command line overrides the file
    code, _, _ = lint("--fail-on", "warning", ".", cwd=tmp_path)
    assert code == 1
    # --select of a rule the config disables runs it
    code, out, _ = lint("--format", "json", "--select", "IGW203", ".", cwd=tmp_path)
    assert [f["rule"] for f in findings(out)] == []  # fsGroup 1000 is the default again


def test_exclude_globs(tmp_path):
    write(tmp_path / "manifests" / "svc.yaml", PUBLIC_SVC)
    write(tmp_path / "vendor" / "chart" / "broken.yaml", "a: [\n")
    write(tmp_path / ".infergw-lint.yaml", "env: prod\nexclude: ['vendor/**', '*.generated.yaml']\n")
    write(tmp_path / "manifests" / "x.generated.yaml", "b: [\n")
    code, out, _ = lint("--format", "json", ".", cwd=tmp_path)
    assert [f["rule"] for f in findings(out)] == ["IGW401"]


def test_environment_mapping_by_path_and_namespace_labels(tmp_path):
    write(tmp_path / "overlays" / "prod" / "svc.yaml", PUBLIC_SVC)
    write(tmp_path / "overlays" / "dev" / "svc.yaml", PUBLIC_SVC)
    write(tmp_path / "ns" / "svc.yaml", PUBLIC_SVC.replace("namespace: edge", "namespace: shop"))
    write(tmp_path / "ns" / "ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {tier: live}\n")
    write(tmp_path / ".infergw-lint.yaml", """\
        environments:
          - env: prod
            paths: ["overlays/prod/**"]
          - env: prod
            namespace-labels: {tier: [live]}
        """)
    code, out, _ = lint("--format", "json", ".", cwd=tmp_path)
    paths = sorted(f["path"] for f in findings(out))
    assert paths == [os.path.join(".", "ns", "svc.yaml"), os.path.join(".", "overlays", "prod", "svc.yaml")]


def test_baseline_round_trip_survives_moved_lines(tmp_path):
    shutil.copytree(os.path.join(SAMPLES, "bad"), tmp_path / "bad")
    base = tmp_path / "baseline.json"
    code, _, err = lint("--write-baseline", str(base), "bad", cwd=tmp_path)
    assert code == 0 and "wrote" in err
    code, out, _ = lint("--format", "json", "--baseline", str(base), "bad", cwd=tmp_path)
    data = json.loads(out)
    assert code == 0 and data["summary"]["errors"] == 0
    assert all(f.get("suppressed") for f in data["findings"])
    # move things around: a new document on top of a file shifts every line
    p = tmp_path / "bad" / "50-bifrost.yaml"
    p.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unrelated, namespace: ai-external}\n---\n" + p.read_text())
    code, out, _ = lint("--format", "json", "--baseline", str(base), "bad", cwd=tmp_path)
    assert code == 0, [f for f in findings(out) if not f.get("suppressed")]
    # a new problem is not in the baseline
    (tmp_path / "bad" / "new.yaml").write_text(PUBLIC_SVC.replace("edge", "ai-gateway"))
    code, out, _ = lint("--format", "json", "--baseline", str(base), "bad", cwd=tmp_path)
    new = [f for f in findings(out) if not f.get("suppressed")]
    assert code == 1 and [f["rule"] for f in new] == ["IGW401"]


def test_bad_baseline_is_usage_error(tmp_path):
    write(tmp_path / "svc.yaml", PUBLIC_SVC)
    write(tmp_path / "b.json", "{}")
    assert lint("--baseline", "b.json", "svc.yaml", cwd=tmp_path)[0] == 2
    assert lint("--baseline", "missing.json", "svc.yaml", cwd=tmp_path)[0] == 2


def test_example_policies_pass_their_own_tests():
    code, out, _ = lint("test", "examples/policies", cwd=ROOT)
    assert code == 0, out
    assert out.strip().splitlines()[-1].endswith("0 failed")


def test_policy_test_reports_failures(tmp_path):
    shutil.copytree(os.path.join(ROOT, "examples", "policies"), tmp_path / "p")
    with open(tmp_path / "p" / "tests" / "routes.yaml", "a", encoding="utf-8") as fh:
        fh.write("---\napiVersion: v1\nkind: Service\nmetadata: {name: x}  # expect: ACME003\n")
    code, out, _ = lint("test", "p", cwd=tmp_path)
    assert code == 1 and "FAIL" in out and "1 failed" in out


def test_custom_policies_from_config_and_cli(tmp_path):
    shutil.copytree(os.path.join(ROOT, "examples", "policies"), tmp_path / "policies")
    write(tmp_path / "m" / "deploy.yaml", BIFROST_DEPLOY.replace("maximhq/bifrost:v1", "maximhq/bifrost:latest"))
    code, out, _ = lint("--format", "json", "--policies", "policies", "m", cwd=tmp_path)
    assert [f["rule"] for f in findings(out)] == ["ACME001"] and code == 0  # a warning
    write(tmp_path / ".infergw-lint.yaml", "policies: [policies]\nrules:\n  ACME001: error\n")
    code, out, _ = lint("--format", "json", "m", cwd=tmp_path)
    assert [(f["rule"], f["severity"]) for f in findings(out)] == [("ACME001", "error")] and code == 1
    code, out, _ = lint("explain", "IGW101", cwd=tmp_path)
    assert code == 0


@pytest.mark.parametrize(
    "policy,needle",
    [
        ("id: X1\nname: x\nseverity: fatal\ndescription: d\nassert: {}\n", "severity"),
        ("id: IGW101\nname: x\nseverity: error\ndescription: d\nassert: {}\n", "built-in"),
        ("id: X1\nname: x\nseverity: error\ndescription: d\nassert: {type: 12}\n", "not a valid JSON Schema"),
    ],
)
def test_invalid_policies_are_usage_errors(tmp_path, policy, needle):
    write(tmp_path / "p" / "a.yaml", policy)
    write(tmp_path / "svc.yaml", PUBLIC_SVC)
    code, _, err = lint("--policies", "p", "svc.yaml", cwd=tmp_path)
    assert code == 2 and needle in err


def test_igw202_accepts_the_trace_types_the_config_names(tmp_path):
    shutil.copy(os.path.join(ROOT, "tests", "fixtures", "IGW202", "bad.json"), tmp_path / "config.json")
    code, out, _ = lint("--format", "json", "--select", "IGW202", ".", cwd=tmp_path)
    assert code == 1 and [f["rule"] for f in findings(out)] == ["IGW202"]
    write(tmp_path / ".infergw-lint.yaml", "rules:\n  IGW202:\n    options: {trace_types: [genai_extension]}\n")
    code, out, _ = lint("--format", "json", "--select", "IGW202", ".", cwd=tmp_path)
    assert code == 0 and findings(out) == []
    write(tmp_path / ".infergw-lint.yaml", "rules:\n  IGW202:\n    options: {trace_types: [vercel]}\n")
    code, out, _ = lint("--format", "json", "--select", "IGW202", ".", cwd=tmp_path)
    assert '"vercel"' in findings(out)[0]["message"]


def test_a_pyproject_that_cannot_hold_our_section_is_not_parsed(tmp_path):
    """Another tool's pyproject.toml (no 'infergw' in it, no \\u escape that could spell
    it) is not ours: not parsed, so a broken one does not stop the run, and tomllib is not
    imported for it.  One that may hold the section is still parsed and still refused when
    broken."""
    from infergw_lint.config import _may_hold_section

    write(tmp_path / "repo" / "pyproject.toml", '[project\nname = "x"\n')  # broken TOML, not ours
    write(tmp_path / "repo" / "svc.yaml", PUBLIC_SVC)
    code, _, err = lint("svc.yaml", cwd=tmp_path / "repo")
    assert code != 2 and "pyproject" not in err
    write(tmp_path / "repo" / "pyproject.toml", '[tool.infergw-lint\nenv = "prod"\n')  # broken, ours
    code, _, err = lint("svc.yaml", cwd=tmp_path / "repo")
    assert code == 2 and "pyproject.toml" in err
    # the key spelled with escapes is still looked for
    assert _may_hold_section(b'[tool."\\u0069nfergw-lint"]\nenv = "prod"\n')
    assert not _may_hold_section(b'[project]\nname = "x"\n[tool.ruff]\nline-length = 120\n')
    import tomllib

    assert tomllib.loads('[tool."\\u0069nfergw-lint"]\nenv = "prod"\n')["tool"]["infergw-lint"] == {"env": "prod"}


def test_a_configuration_file_past_the_size_limit_is_refused(tmp_path, monkeypatch):
    """A config file found in the tree is input like any other: read up to a bound."""
    import infergw_lint.loader as loader_mod
    from infergw_lint.config import ConfigError, load_config

    monkeypatch.setattr(loader_mod, "MAX_FILE_BYTES", 64)
    write(tmp_path / ".infergw-lint.yaml", "env: prod\n" + "# padding\n" * 20)
    with pytest.raises(ConfigError, match="larger than 64 bytes"):
        load_config(str(tmp_path / ".infergw-lint.yaml"), "yaml")
    write(tmp_path / "pyproject.toml", '[tool.infergw-lint]\nenv = "prod"\n' + "# padding\n" * 20)
    with pytest.raises(ConfigError, match="larger than 64 bytes"):
        load_config(str(tmp_path / "pyproject.toml"), "pyproject")
