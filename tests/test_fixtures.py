"""Every rule's fixtures: the findings must be exactly the inline expectations."""

from __future__ import annotations

import os
from collections import Counter

import pytest
from expect import fixture_files, read_expectations

from infergw_lint.cli import build_parser
from infergw_lint.engine import Options, run

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def _cases():
    cases = []
    for code in sorted(os.listdir(FIXTURES)):
        base = os.path.join(FIXTURES, code)
        if not os.path.isdir(base):
            continue
        for entry in sorted(os.listdir(base)):
            full = os.path.join(base, entry)
            if entry.endswith(".expect"):
                continue
            if os.path.isdir(full) or entry.endswith((".yaml", ".yml", ".json")):
                cases.append(pytest.param(code, full, id=f"{code}/{entry}"))
    return cases


def lint_fixture(code: str, target: str):
    files = fixture_files(target) if os.path.isdir(target) else [target]
    expected, args = [], []
    for f in files:
        e, a = read_expectations(f)
        expected += e
        args += a
    codes = {code} | {e[1] for e in expected}
    ns = build_parser().parse_args(args + [target])
    options = Options(select=sorted(codes), env=ns.env, assume_complete=ns.assume_complete)
    result = run([target], options)
    assert not result.internal_errors, result.internal_errors
    return result, expected


@pytest.mark.parametrize("code,target", _cases())
def test_fixture(code, target):
    result, expected = lint_fixture(code, target)
    got_exact = Counter((f.path, f.rule, f.line, f.column) for f in result.findings)
    # expectations without a column match any column on their line
    got_lines = Counter((f.path, f.rule, f.line) for f in result.findings)
    for path, c, line, col in expected:
        if col is None:
            want_key = (path, c, line)
            assert got_lines[want_key] > 0, f"expected {c} at {path}:{line}, got:\n" + _show(result)
            got_lines[want_key] -= 1
        else:
            assert got_exact[(path, c, line, col)] > 0, f"expected {c} at {path}:{line}:{col}, got:\n" + _show(result)
            got_exact[(path, c, line, col)] -= 1
            got_lines[(path, c, line)] -= 1
    extra = +got_lines
    assert not extra, "unexpected findings:\n" + _show(result)


def _show(result) -> str:
    return "\n".join(f"  {f.path}:{f.line}:{f.column} {f.rule} {f.message}" for f in result.findings) or "  (none)"
