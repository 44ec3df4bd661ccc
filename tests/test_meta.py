"""Every rule documents itself and has fixtures with positives and negatives."""

from __future__ import annotations

import os
import re

import pytest
from expect import fixture_files, read_expectations

from infergw_lint.rule import DOC_SECTIONS, SEVERITIES, code_blocks, parse_docs
from infergw_lint.rules import all_rules

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_metadata(rule):
    assert re.fullmatch(r"IGW\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.severity in SEVERITIES
    float(rule.security_severity)
    module = type(rule).__module__.rsplit(".", 1)[-1]
    assert module.startswith(rule.code.lower() + "_"), f"module {module} does not carry the code {rule.code}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_docs_have_every_section(rule):
    docs = rule.docs
    assert docs.title, f"{rule.code}: docstring has no title line"
    for section in DOC_SECTIONS:
        assert docs.sections.get(section, "").strip(), f"{rule.code}: docstring lacks a '{section}' section"


DOC_LANGUAGES = {"yaml", "json", "jsonc", "sh", "console", "toml", "text"}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_docs_are_markdown(rule):
    """Docstrings are Markdown: `## Section` headings, `backticks`, fenced code blocks with a
    language; no reStructuredText left (underlined headings, ``literals``, indented code)."""
    import sys

    doc = sys.modules[type(rule).__module__].__doc__
    lines = doc.splitlines()
    fence = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("```"):
            if fence is None:
                fence = stripped
                lang = stripped[3:].strip()
                assert lang in DOC_LANGUAGES, f"{rule.code} line {i + 1}: code block without a known language ({stripped!r})"
            else:
                assert stripped == "```", f"{rule.code} line {i + 1}: unexpected {stripped!r} inside a code block"
                fence = None
            continue
        if fence is not None:
            continue
        assert "``" not in line, f"{rule.code} line {i + 1}: ``double backticks`` (use `single`)"
        assert not (re.fullmatch(r"[-=]{3,}", stripped) and i and lines[i - 1].strip()), (
            f"{rule.code} line {i + 1}: underlined heading (use `## {lines[i - 1].strip()}`)"
        )
        if line.startswith("    ") and i and not lines[i - 1].strip():
            prev = next((ln for ln in reversed(lines[:i]) if ln.strip()), "")
            assert prev.startswith(("- ", "* ", "  ")), f"{rule.code} line {i + 1}: indented code block (fence it)"
    assert fence is None, f"{rule.code}: unclosed code block"
    docs = rule.docs
    assert list(docs.sections)[: len(DOC_SECTIONS)] == list(DOC_SECTIONS), f"{rule.code}: sections out of order"
    assert code_blocks(docs.sections["Example"]), f"{rule.code}: the Example has no code block"


def test_docs_reader_keeps_the_older_layout_working():
    """A custom Python policy written with underlined headings and indented code still has docs."""
    docs = parse_docs(
        "Title line.\n\nWhat it does\n------------\nReports ``x``.\n\nExample\n-------\n    kind: A\n    spec: {}\n\n"
        "Fix\n---\nDo it.\n\nAutofix: no.\n"
    )
    assert docs.title == "Title line."
    assert list(docs.sections) == ["What it does", "Example", "Fix"]
    assert docs.sections["What it does"] == "Reports `x`."
    assert code_blocks(docs.sections["Example"]) == [("yaml", "kind: A\nspec: {}")]
    assert docs.sections["Fix"].endswith("Autofix: no.")


def test_markdown_headings_inside_code_blocks_are_code():
    docs = parse_docs("T\n\n## Example\n\n```sh\n## not a heading\n```\n\n## Fix\n\nok\n")
    assert list(docs.sections) == ["Example", "Fix"]
    assert "## not a heading" in docs.sections["Example"]
    assert "    ## not a heading" in docs.text()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_positive_and_negative_fixtures(rule):
    base = os.path.join(FIXTURES, rule.code)
    assert os.path.isdir(base), f"{rule.code}: no fixture directory tests/fixtures/{rule.code}"
    positive = negative = 0
    for entry in os.listdir(base):
        full = os.path.join(base, entry)
        if entry.endswith(".expect"):
            continue
        files = fixture_files(full) if os.path.isdir(full) else [full]
        codes = [e[1] for f in files for e in read_expectations(f)[0]]
        if rule.code in codes:
            positive += 1
        else:
            negative += 1
    assert positive, f"{rule.code}: no fixture expects a finding"
    assert negative, f"{rule.code}: no fixture without a finding (a negative case)"


def test_codes_are_unique():
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


def test_readme_rule_table_is_current():
    from infergw_lint.cli import rules_markdown

    readme = open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "README.md"), encoding="utf-8").read()
    table = readme.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0].strip()
    assert table == rules_markdown(RULES).strip(), (
        "README rule table is stale: paste the output of `infergw-lint rules --format markdown`"
    )
