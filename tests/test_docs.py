"""Rule docs as pages: docs/rules/CODE.md is generated from the docstrings and kept current,
every finding links to its page, and `explain` shows the page."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from infergw_lint.docs import DOCS_URL, GENERATED, pages, render_markdown, rule_page, rule_url
from infergw_lint.rules import all_rules, get_rule

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs", "rules")
POLICIES = os.path.join(ROOT, "examples", "policies")


def lint(*args, cwd=None, env=None):
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", *args],
        cwd=cwd or ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_rule_pages_are_current():
    """docs/rules holds exactly the generated pages; regenerate with the command in the message."""
    wanted = pages(all_rules())
    present = {n for n in os.listdir(DOCS) if n.endswith(".md")}
    stale = sorted(n for n, text in wanted.items() if n not in present or open(os.path.join(DOCS, n), encoding="utf-8").read() != text)
    extra = sorted(present - set(wanted))
    assert not stale and not extra, (
        f"docs/rules is stale (stale: {stale}, not a rule: {extra}): run "
        "`infergw-lint rules --format docs --output docs/rules`"
    )


def test_every_builtin_rule_links_to_its_page():
    for rule in all_rules():
        url = rule_url(rule)
        assert url == f"{DOCS_URL}{rule.code}.md"
        assert os.path.isfile(os.path.join(DOCS, url.rsplit("/", 1)[1]))
        page = rule_page(rule)
        assert page.startswith(GENERATED) and f"# {rule.code}: {rule.name}" in page
        for section in ("What it does", "Why", "Example", "Fix"):
            assert f"\n## {section}\n" in page
        # the source link resolves inside the repository
        (src,) = re.findall(r"\]\(\.\./\.\./(rules/[^)]+)\)", page)
        assert os.path.isfile(os.path.join(ROOT, src))


def test_docs_url_matches_pyproject():
    text = open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8").read()
    repo = re.search(r'^Repository = "([^"]+)"', text, re.M).group(1)
    assert DOCS_URL == repo + "/blob/main/docs/rules/"


def test_generating_the_pages(tmp_path):
    (tmp_path / "IGW999.md").write_text(GENERATED + "\n# a rule that is gone\n")
    (tmp_path / "notes.md").write_text("hand-written, kept\n")
    code, _, err = lint("rules", "--format", "docs", "--output", str(tmp_path))
    assert code == 0, err
    assert not (tmp_path / "IGW999.md").exists() and (tmp_path / "notes.md").exists()
    assert (tmp_path / "IGW101.md").read_text() == open(os.path.join(DOCS, "IGW101.md"), encoding="utf-8").read()
    code, _, err = lint("rules", "-f", "docs")
    assert code == 2 and "--output" in err


def test_findings_carry_the_url_in_json_and_sarif():
    code, out, _ = lint("--format", "json", "--select", "IGW101,IGW402", "sample_manifests/bad")
    findings = json.loads(out)["findings"]
    assert findings and all(f["url"] == f"{DOCS_URL}{f['rule']}.md" for f in findings)
    code, out, _ = lint("--format", "sarif", "--select", "IGW101", "sample_manifests/bad")
    (desc,) = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert desc["helpUri"] == f"{DOCS_URL}IGW101.md"


def test_custom_policy_without_a_page_has_no_url():
    code, out, _ = lint("--format", "json", "--policies", POLICIES, "--select", "ACME001",
                        os.path.join(POLICIES, "tests", "workloads.yaml"))
    findings = json.loads(out)["findings"]
    assert findings and all(f["url"] is None for f in findings)


def test_explain_prints_markdown_when_not_a_terminal():
    code, out, _ = lint("explain", "IGW402")
    assert code == 0
    assert out.startswith("# IGW402: lb-annotations-not-propagated\n")
    assert "\n## Fix\n" in out and "\n```yaml\n" in out and "\x1b[" not in out
    assert out.rstrip().endswith(f"Online: <{DOCS_URL}IGW402.md>")


def test_explain_renders_markdown_with_colour_on_a_terminal():
    text = render_markdown(rule_page(get_rule("IGW201"), links=False), color=True, width=100)
    assert "\x1b[" in text  # styled
    assert "```" not in text and "## Why" not in text  # rendered, not the source
    assert "What it does" in text and '"providers"' in text


def test_explain_on_a_terminal_uses_the_pager(monkeypatch, capsys):
    from infergw_lint import cli

    paged = []
    monkeypatch.setattr(cli, "_page", paged.append)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli.main(["explain", "IGW101"]) == 0
    assert len(paged) == 1 and "\x1b[" in paged[0]
    assert cli.main(["explain", "--no-pager", "--no-color", "IGW101"]) == 0
    assert len(paged) == 1 and capsys.readouterr().out.startswith("# IGW101")


def test_rules_and_explain_take_policies():
    code, out, _ = lint("rules", "--policies", POLICIES)
    assert code == 0 and "ACME001" in out and "IGW101" in out
    code, out, _ = lint("rules", "-f", "json", "--policies", POLICIES)
    assert code == 0 and "ACME001" in {r["code"] for r in json.loads(out)}
    code, out, _ = lint("explain", "--policies", POLICIES, "ACME001")
    assert code == 0 and out.startswith("# ACME001: ") and "## What it does" in out
    code, _, err = lint("explain", "ACME001")
    assert code == 2 and "ACME001" in err
