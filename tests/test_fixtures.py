"""Every rule's fixtures: the findings must be exactly the inline expectations."""

from __future__ import annotations

import os
import pytest
from expect import fixture_files, read_expectations

from infergw_lint.expect import compare

from infergw_lint.cli import build_parser, stated_versions
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
    ns = build_parser().parse_args(args + [target])
    codes = {code} | {e[1] for e in expected} | {c.strip() for c in ",".join(ns.select or []).split(",") if c.strip()}
    data, config_path, rule_options = {}, None, {}
    if ns.config:  # `# args: --config NAME`: a configuration file next to the fixture
        from infergw_lint.config import load_config

        base = target if os.path.isdir(target) else os.path.dirname(target)
        cfg = load_config(os.path.join(base, ns.config))
        data, config_path, rule_options = cfg.data, cfg.path, cfg.rule_settings()[2]
    options = Options(select=sorted(codes), env=ns.env, assume_complete=ns.assume_complete,
                      versions=stated_versions(ns, data, config_path), rule_options=rule_options,
                      gateway_api_channel=ns.gateway_api_channel or "standard", crds=ns.crds,
                      gateways=tuple(ns.gateway))
    result = run([target], options)
    assert not result.internal_errors, result.internal_errors
    return result, expected


@pytest.mark.parametrize("code,target", _cases())
def test_fixture(code, target):
    result, expected = lint_fixture(code, target)
    shown = [f for f in result.findings if f.suppression is None]
    missing, unexpected = compare(shown, expected)
    assert not missing and not unexpected, (
        "missing: " + "; ".join(missing) + "\nunexpected: " + "; ".join(unexpected) + "\nall findings:\n" + _show(result)
    )


def _show(result) -> str:
    return "\n".join(
        f"  {f.path}:{f.line}:{f.column} {f.rule} {f.message}{' (suppressed)' if f.suppression else ''}"
        for f in result.findings
    ) or "  (none)"
