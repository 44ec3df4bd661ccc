"""Every finding's first line is a whole statement: on the sample manifests, every rule
fixture and the real-world corpus, no short line is cut mid-sentence ("…") and none is
longer than ``SHORT_LIMIT`` (lint/rule.py ``split_message``), as a ruff message is one
short line with the explanation and the remedy after it."""

from __future__ import annotations

import os

import pytest
from test_fixtures import _cases, lint_fixture

from infergw_lint.engine import Options, run
from infergw_lint.rule import SHORT_LIMIT, split_message

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREES = ("sample_manifests", os.path.join("tests", "fixtures"), os.path.join("tests", "realworld"))

# A first line may be cut only where a value the user wrote is itself too long to fit (a
# long name quoted as the subject): (rule, a substring of the message).  None today.
ALLOWED_CUTS: tuple = ()


def _bad_lines(findings) -> list:
    out = []
    for f in findings:
        parts = split_message(f.message)
        if len(parts.short) > SHORT_LIMIT or (
            parts.continued and not any(f.rule == r and s in f.message for r, s in ALLOWED_CUTS)
        ):
            out.append(f"{f.path}:{f.line}:{f.column} {f.rule}: {parts.short!r} | {parts.rest[:120]!r}")
    return out


@pytest.mark.parametrize("tree", TREES)
def test_no_first_line_is_cut_in_the_linted_trees(tree):
    path = os.path.join(ROOT, tree)
    if not os.path.isdir(path):
        pytest.skip(f"{tree} is absent on this checkout")
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        result = run([tree], Options())
    finally:
        os.chdir(old)
    assert result.findings
    bad = _bad_lines(result.findings)
    assert not bad, f"{len(bad)} first lines cut or too long:\n" + "\n".join(bad)


def test_no_first_line_is_cut_in_any_rule_fixture():
    bad = []
    for case in _cases():
        code, target = case.values
        result, _ = lint_fixture(code, target)
        bad += _bad_lines(result.findings)
    assert not bad, f"{len(bad)} first lines cut or too long:\n" + "\n".join(sorted(set(bad)))
