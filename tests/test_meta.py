"""Every rule documents itself and has fixtures with positives and negatives."""

from __future__ import annotations

import os
import re

import pytest
from expect import fixture_files, read_expectations

from infergw_lint.rule import DOC_SECTIONS, SEVERITIES
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
