"""The command line: exit codes, output shapes, the sample manifests end to end."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from infergw_lint.cli import main
from infergw_lint.rules import all_rules

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "sample_manifests")


def lint(*args, cwd=None):
    """Run the installed console script; returns (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", *args],
        cwd=cwd or ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_good_samples_are_clean():
    code, out, err = lint("sample_manifests/good")
    assert code == 0, out + err
    assert out.startswith("0 errors, 0 warnings")
    assert "Traceback" not in err


def test_bad_samples_trip_every_rule():
    code, out, err = lint("--format", "json", "sample_manifests/bad")
    assert code == 1
    data = json.loads(out)
    fired = {f["rule"] for f in data["findings"]}
    missing = {r.code for r in all_rules()} - fired
    assert not missing, f"sample_manifests/bad does not trip {sorted(missing)}"
    assert "Traceback" not in err


def test_json_shape_and_relative_paths():
    code, out, _ = lint("--format", "json", "--select", "IGW101", "sample_manifests/bad")
    data = json.loads(out)
    assert data["version"] == 1
    assert set(data["summary"]) >= {"files", "resources", "errors", "warnings"}
    (f,) = data["findings"]
    assert f["path"] == os.path.join("sample_manifests/bad", "40-routes.yaml")
    assert (f["rule"], f["name"], f["severity"]) == ("IGW101", "missing-reference-grant", "error")
    assert (f["line"], f["column"]) == (40, 11)
    assert f["end_line"] >= f["line"]
    assert f["resource"] == {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                             "namespace": "ai-gateway", "name": "bifrost-route"}
    assert data["summary"]["errors"] == 1


def test_text_format_lines():
    code, out, _ = lint("--select", "IGW202", "sample_manifests/bad")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("sample_manifests/bad/50-bifrost.yaml:41:25: IGW202 [*] ") and len(lines[0]) <= 120
    assert "                        ^^^^^^^^^^^^^^^^^ error" in out  # the caret under the value
    assert lines[-2].startswith("1 error, 0 warnings") and lines[-1] == "[*] 1 fixable with `--fix`"
    code, out, _ = lint("--format", "concise", "--select", "IGW202", "sample_manifests/bad")
    assert out.splitlines()[0].startswith("sample_manifests/bad/50-bifrost.yaml:41:25  IGW202  error  ")


def test_missing_path_is_usage_error():
    code, out, err = lint("does/not/exist")
    assert code == 2
    assert "no such file" in err and "Traceback" not in err


def test_no_path_is_usage_error():
    code, _, err = lint()
    assert code == 2 and "no PATH" in err


def test_bad_flag_is_usage_error():
    code, _, err = lint("--format", "xml", "sample_manifests/good")
    assert code == 2


def test_select_ignore_and_fail_on():
    code, out, _ = lint("--ignore", "IGW0,IGW1,IGW2,IGW3,IGW4,IGW5", "sample_manifests/bad")
    assert code == 0 and out.startswith("0 errors")
    code, out, _ = lint("--select", "bifrost-otel-trace-type", "--fail-on", "never", "sample_manifests/bad")
    assert code == 0 and "IGW202" in out


def test_env_flag_makes_everything_prod(tmp_path):
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: lb\n  annotations:\n"
        "    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing\nspec: {type: LoadBalancer}\n"
    )
    assert lint(str(tmp_path))[0] == 0
    code, out, _ = lint("--env", "prod", str(tmp_path))
    assert code == 1 and "IGW401" in out


def test_stdin(monkeypatch, capsys):
    text = open(os.path.join(SAMPLES, "bad", "50-bifrost.yaml"), encoding="utf-8").read()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code = main(["--select", "IGW201", "--format", "json", "-"])
    out = capsys.readouterr().out
    assert code == 1
    (f,) = json.loads(out)["findings"]
    assert f["path"] == "-" and f["line"] == 25


def test_context_reports_only_given_files(tmp_path):
    route = os.path.join(SAMPLES, "good", "40-routes.yaml")
    # alone, the cross-namespace route has no grant in sight
    code, out, _ = lint("--select", "IGW101", route)
    assert code == 1
    # with the tree as context, the grant in another file is found and only the route file is reported
    code, out, _ = lint("--select", "IGW101", "--context", "sample_manifests/good", route)
    assert code == 0, out
    code, out, _ = lint("--format", "json", "--context", "sample_manifests/bad",
                        os.path.join("sample_manifests", "bad", "40-routes.yaml"))
    paths = {f["path"] for f in json.loads(out)["findings"]}
    assert paths == {os.path.join("sample_manifests", "bad", "40-routes.yaml")}


def test_multiple_outputs(tmp_path):
    j = tmp_path / "out.json"
    code, out, _ = lint("--format", "text", "--format", "json", "--output", str(j), "sample_manifests/bad")
    assert code == 1
    assert json.loads(j.read_text())["version"] == 1
    assert "IGW101" in out


def test_version_and_help():
    code, out, _ = lint("--version")
    assert code == 0 and out.startswith("infergw-lint ")
    code, out, _ = lint("--help")
    assert code == 0 and "explain CODE" in out and "--fail-on" in out


def test_rules_and_explain():
    code, out, _ = lint("rules")
    assert code == 0
    for rule in all_rules():
        assert rule.code in out and rule.name in out
    code, out, _ = lint("explain", "IGW203")
    assert code == 0
    for section in ("What it does", "Why", "Example", "Fix"):
        assert section in out
    code, _, err = lint("explain", "IGW999")
    assert code == 2 and "IGW999" in err


def test_broken_file_does_not_stop_the_others(tmp_path):
    (tmp_path / "a.yaml").write_text("key: [unclosed\n")
    (tmp_path / "b.json").write_text('{"providers": [], "plugins": []}')
    code, out, err = lint("--format", "json", str(tmp_path))
    rules = sorted(f["rule"] for f in json.loads(out)["findings"])
    assert code == 1 and rules == ["IGW000", "IGW201"]
    assert "Traceback" not in err


@pytest.mark.parametrize("blob", [b"", b"---\n", b"- a\n- b\n", b"just a scalar\n", b"\xef\xbb\xbf{}\n"])
def test_odd_documents_are_quiet(tmp_path, blob):
    (tmp_path / "x.yaml").write_bytes(blob)
    code, out, err = lint(str(tmp_path))
    assert code == 0 and "Traceback" not in err


def test_whole_sample_tree_keeps_good_and_bad_apart():
    """The README's first command lints sample_manifests/ as one tree: good/ lives in its own
    namespaces, so it stays clean and bad/ still trips every rule."""
    code, out, _ = lint("--format", "json", "sample_manifests/")
    findings = json.loads(out)["findings"]
    assert code == 1
    assert not [f for f in findings if "/good/" in f["path"]]
    assert {r.code for r in all_rules()} <= {f["rule"] for f in findings}


def test_a_directory_without_manifests_says_so(tmp_path):
    (tmp_path / "README.md").write_text("# nothing to lint\n")
    code, out, err = lint(str(tmp_path))
    assert code == 0 and "no *.yaml, *.yml or *.json files" in err
