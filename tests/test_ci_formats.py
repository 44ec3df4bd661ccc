"""CI report formats: ``--format junit`` (validated against the Jenkins xUnit plugin's
JUnit schema, tests/schemas/junit-10.xsd), ``--format gitlab`` (GitLab Code Quality, checked
against the shape GitLab documents) and the SARIF options for code scanning (security tags,
``--sarif-category``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from infergw_lint.engine import Result
from infergw_lint.reporters import FORMATS, render
from infergw_lint.reporters.gitlab import to_gitlab
from infergw_lint.reporters.junit import render_junit
from infergw_lint.reporters.sarif import to_sarif
from infergw_lint.rule import Finding, split_message
from infergw_lint.rules import all_rules, get_rule
from infergw_lint.source import Span

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAD = os.path.join("sample_manifests", "bad")
GOOD = os.path.join("sample_manifests", "good")
XSD = os.path.join(ROOT, "tests", "schemas", "junit-10.xsd")

# GitLab's Code Quality report format (docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format):
# a JSON array of objects with these required fields; severity is one of five names;
# location.path is relative to the repository (no ./ and no absolute path); a line is 1-based.
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "type": {"const": "issue"},
            "categories": {"type": "array", "items": {"type": "string"}},
            "content": {"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": "^(?!/)(?!\\./)(?![A-Za-z]:)\\S"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}, "end": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def lint(*args, cwd=None, env=None):
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", *args], cwd=cwd or ROOT, capture_output=True, text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def junit_schema():
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema (test extras) validates the JUnit output")
    return xmlschema.XMLSchema(XSD)


def _finding(rule="IGW401", message="m", path="a.yaml", severity="error", url=None, help=None, **kw):
    f = Finding(rule=rule, name=get_rule(rule).name if get_rule(rule) else rule, severity=severity,
                message=message, path=path, span=Span(3, 5, 3, 9), fingerprint=kw.pop("fingerprint", "f" * 32), **kw)
    if url is not None:  # per-rule documentation link and help line (issue 17)
        f.url = url
    if help is not None:
        f.help = help
    return f


def _result(findings, **kw):
    return Result(findings=findings, files=kw.pop("files", 1), resources=1, rules=kw.pop("rules", all_rules()), **kw)


def test_formats_are_listed():
    assert {"junit", "gitlab"} <= set(FORMATS)


# ---------------------------------------------------------------------------------------
# JUnit


def test_junit_for_the_bad_samples_validates(junit_schema):
    code, out, _ = lint("--format", "junit", BAD)
    assert code == 1
    junit_schema.validate(out)
    _, js, _ = lint("--format", "json", BAD)
    findings = [f for f in json.loads(js)["findings"] if not f.get("suppressed")]
    root = ET.fromstring(out)
    cases = root.findall("./testsuite/testcase")
    assert int(root.get("tests")) == len(cases) == len(findings)
    assert int(root.get("failures")) == len(root.findall("./testsuite/testcase/failure")) == len(findings)
    # one suite per file, named by the path as reported
    # (plus the run's own suite when the run has notes, e.g. the assumed Gateway API release)
    assert {s.get("name") for s in root.findall("testsuite")} - {"infergw-lint"} == {f["path"] for f in findings}
    first = findings[0]
    case = next(c for c in cases if c.get("classname") == first["path"]
                and c.get("name") == f"{first['rule']} {first['name']} at {first['line']}:{first['column']}")
    failure = case.find("failure")
    assert failure.get("type") == first["severity"]
    short = split_message(first["message"])
    assert failure.get("message") == short.short + (" …" if short.continued else "")  # the text format's first line
    assert failure.text.startswith(f"{first['path']}:{first['line']}:{first['column']}: {first['rule']}")
    assert first["message"] in failure.text  # the whole message in the body
    assert "resource: " in failure.text and "field: " in failure.text


def test_junit_clean_run_is_one_passing_case(junit_schema):
    code, out, _ = lint("--format", "junit", GOOD)
    assert code == 0
    junit_schema.validate(out)
    root = ET.fromstring(out)
    (case,) = root.findall("./testsuite/testcase")
    assert list(case) == [] and case.get("name").startswith("no findings in ")
    assert root.get("failures") == "0" and root.get("tests") == "1"


def test_junit_suppressed_internal_errors_notes_and_hostile_text(junit_schema):
    hostile = "evil \x1b[31mred\x07 \u202e & <tag> \"q\" 'a'\nline two \ud800 \ufffe"
    findings = [
        _finding(message=hostile, path="dir/\x00name.yaml", url="https://example.com/IGW401.md", help="do this"),
        _finding(rule="IGW207", suppression={"kind": "inSource", "justification": "fake keys"}),
    ]
    result = _result(findings, notes=["a note <x>"], internal_errors=["rule IGW101 crashed: boom"])
    out = render_junit(result)
    junit_schema.validate(out)
    root = ET.fromstring(out)  # well-formed: no raw control characters
    assert "\x1b" not in out and "\x00" not in out and "\x07" not in out
    failure = root.find(".//failure")
    assert failure.get("message").startswith("evil \\x1b[31mred\\x07 \\u202e & <tag>")
    assert "\u202e" not in out and "\ufffe" not in out
    assert "\nline two" in failure.text
    assert "help: do this" in failure.text and "docs: https://example.com/IGW401.md" in failure.text
    skipped = root.find(".//skipped")
    assert skipped.get("message") == "suppressed: fake keys"
    error = root.find(".//error")
    assert error.get("message") == "rule IGW101 crashed: boom"
    assert "note: a note <x>" in root.find(".//system-out").text
    assert root.get("errors") == "1" and root.get("failures") == "1"


# ---------------------------------------------------------------------------------------
# GitLab Code Quality


def _gitlab_validator():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(GITLAB_SCHEMA)
    return Draft202012Validator(GITLAB_SCHEMA)


def test_gitlab_for_the_bad_samples_validates():
    code, out, _ = lint("--format", "gitlab", BAD)
    assert code == 1
    issues = json.loads(out)
    errors = list(_gitlab_validator().iter_errors(issues))
    assert not errors, errors[:3]
    _, js, _ = lint("--format", "json", BAD)
    findings = [f for f in json.loads(js)["findings"] if not f.get("suppressed")]
    assert len(issues) == len(findings)
    assert len({i["fingerprint"] for i in issues}) == len(issues)  # GitLab keeps one issue per fingerprint
    for issue, f in zip(issues, findings):
        assert issue["check_name"] == f["rule"]
        assert issue["location"]["path"] == f["path"].replace(os.sep, "/")
        assert issue["location"]["lines"]["begin"] == f["line"]
        short = split_message(f["message"])
        assert issue["description"] == f"{f['rule']} {f['name']}: " + short.short + (" …" if short.continued else "")
        if short.rest:  # the whole message where GitLab shows details
            assert issue["content"]["body"].startswith(f["message"])
    sev = {i["check_name"]: i["severity"] for i in issues}
    assert sev["IGW401"] == "critical" and sev["IGW207"] == "critical"  # security rules
    assert sev["IGW101"] == "major"
    assert {i["severity"] for i in issues if i["check_name"] == "IGW105"} <= {"minor"}
    # fingerprints do not move with line numbers: the same run again gives the same ones
    _, again, _ = lint("--format", "gitlab", BAD)
    assert [i["fingerprint"] for i in json.loads(again)] == [i["fingerprint"] for i in issues]


def test_gitlab_paths_relative_to_the_project_dir_and_clean_run(tmp_path):
    code, out, _ = lint("--format", "gitlab", os.path.join(ROOT, BAD), env={"CI_PROJECT_DIR": ROOT})
    paths = {i["location"]["path"] for i in json.loads(out)}
    assert paths and all(p.startswith("sample_manifests/bad/") for p in paths)
    code, out, _ = lint("--format", "gitlab", GOOD)
    assert code == 0 and json.loads(out) == []


def test_gitlab_leaves_out_suppressed_and_keeps_fingerprints_unique():
    same = "a" * 32
    findings = [
        _finding(fingerprint=same), _finding(fingerprint=same),
        _finding(fingerprint=same, path="b.yaml"),
        _finding(rule="IGW105", severity="warning"),
        _finding(rule="IGW003", severity="info"),
        _finding(suppression={"kind": "inSource", "justification": "x"}),
    ]
    issues = to_gitlab(_result(findings), root=os.getcwd())
    assert len(issues) == 5
    assert len({i["fingerprint"] for i in issues}) == 5
    assert [i["severity"] for i in issues] == ["critical", "critical", "critical", "minor", "info"]
    assert not list(_gitlab_validator().iter_errors(issues))
    stdin = to_gitlab(_result([_finding(path="-")]), root=os.getcwd())
    assert stdin[0]["location"]["path"] == "stdin"


# ---------------------------------------------------------------------------------------
# SARIF for code scanning


def test_security_rules_carry_the_security_tag():
    sarif = to_sarif(_result([]))
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    # exposure (public load balancers) and secrets (inline credentials) are security rules
    for code in ("IGW401", "IGW402", "IGW207"):
        props = rules[code]["properties"]
        assert "security" in props["tags"], code
        assert float(props["security-severity"]) >= 5.0, code
    for rule in all_rules():
        tags = set(rule.tags)
        if tags & {"security", "exposure", "secrets"}:
            assert "security" in rules[rule.code]["properties"]["tags"]
        if not tags & {"security", "exposure", "secrets", "rbac", "network-policy"}:
            assert "security" not in rules[rule.code]["properties"]["tags"], rule.code


def test_sarif_category_sets_automation_details(tmp_path):
    out = tmp_path / "prod.sarif"
    code, stdout, err = lint("--format", "sarif", "--output", str(out), "--sarif-category", "infergw-lint/prod", BAD)
    assert code == 1, err
    run = json.loads(out.read_text())["runs"][0]
    assert run["automationDetails"] == {"id": "infergw-lint/prod/"}
    _, plain, _ = lint("--format", "sarif", GOOD)
    assert "automationDetails" not in json.loads(plain)["runs"][0]
    assert to_sarif(_result([]), category="a/")["runs"][0]["automationDetails"]["id"] == "a/"


def test_sarif_category_misuse_is_a_usage_error():
    code, _, err = lint("--sarif-category", "x", GOOD)
    assert code == 2 and "--sarif-category is for SARIF output" in err
    code, _, err = lint("--format", "sarif", "--sarif-category", " ", GOOD)
    assert code == 2 and "printable characters" in err


def test_every_format_renders_a_result_with_everything():
    findings = [_finding(), _finding(rule="IGW207", suppression={"kind": "external"})]
    result = _result(findings, notes=["n"], internal_errors=["e"])
    for fmt in FORMATS:
        assert render(fmt, result)


def test_help_and_docs_lines_without_repeating_the_message():
    f = _finding(message="short line; put it behind CloudFront", help="put it behind CloudFront",
                 url="https://example.com/IGW401.md")
    (issue,) = to_gitlab(_result([f]), root=os.getcwd())
    assert issue["content"]["body"] == "docs: https://example.com/IGW401.md"  # the help is in the message already
    g = _finding(message="short line", help="use an internal scheme")
    (issue,) = to_gitlab(_result([g]), root=os.getcwd())
    assert issue["content"]["body"] == "help: use an internal scheme"
    assert "help: use an internal scheme" in render_junit(_result([g]))
