"""An autofix never makes things worse: run on sample_manifests/bad, each fix (alone, and all
of them together) leaves no finding of a higher severity than before and introduces no new
finding -- the IGW402 fix that moved an internet-facing scheme into effect in prod is the
case this guards (IGW401 fired on the moved annotation)."""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter

import pytest

from infergw_lint.engine import Options, run
from infergw_lint.fix import apply_fixes
from infergw_lint.rule import SEVERITY_RANK, field_path
from infergw_lint.rules import all_rules

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAD = os.path.join(ROOT, "sample_manifests", "bad")
FIXABLE = sorted(r.code for r in all_rules() if r.fixable)


def _lint(work):
    return run([work], Options())


def _group(f) -> tuple:
    """What a finding is about: its rule and its resource (or file, for documents that are
    not resources)."""
    res = f.resource or {}
    return (f.rule, os.path.basename(f.path), res.get("kind"), res.get("namespace"), res.get("name"))


_CODE = re.compile(r"`[^`]*`|\d+")


def _existed(before, f) -> bool:
    """Was the field the finding is on already in the document before the fix?"""
    res = f.resource or {}
    for doc in before.index.documents if before.index is not None else ():
        if os.path.basename(doc.path) == os.path.basename(f.path) and doc.kind == res.get("kind") \
                and doc.name == res.get("name"):
            try:
                return doc.get(*f.field) is not None
            except Exception:
                return False
    return False


def _worse(before, after) -> list[str]:
    """The findings after a fix that are new or more severe. An after-finding is the same as a
    before-finding of its rule and resource when it is on the same field; or when only the
    names in its message changed (a fix renamed the path: IGW201 keys providers by name);
    or when it is on a field that was already there (the rule re-anchored on what is left).
    A finding that follows a moved field to where it takes effect (IGW401 on
    spec.infrastructure after IGW402 moved the scheme there) is new."""
    old = [f for f in before.findings if f.suppression is None]
    new = [f for f in after.findings if f.suppression is None]
    problems = []
    same_field = Counter((_group(f), f.field) for f in old)
    messages = {(_group(f), _CODE.sub("#", f.message)) for f in old}
    groups = Counter(_group(f) for f in old)
    top: dict = {}
    for f in old:
        top[_group(f)] = max(top.get(_group(f), 0), SEVERITY_RANK[f.severity])
    seen_field: Counter = Counter()
    for f in new:
        g = _group(f)
        seen_field[(g, f.field)] += 1
        if seen_field[(g, f.field)] <= same_field[(g, f.field)]:
            pass
        elif (g, _CODE.sub("#", f.message)) in messages or (groups[g] and _existed(before, f)):
            pass
        else:
            problems.append(f"new finding {f.rule} at {f.path}:{f.line}:{f.column} {field_path(f.field)}: {f.message}")
            continue
        if SEVERITY_RANK[f.severity] > top.get(g, 0):
            problems.append(f"higher severity {f.severity} for {g}: {f.message}")
    for g, n in Counter(_group(f) for f in new).items():
        if n > groups[g]:
            problems.append(f"more findings of {g} ({groups[g]} -> {n})")
    return problems


def _fix_and_compare(tmp_path, codes) -> tuple[list[str], list]:
    work = str(tmp_path / "bad")
    shutil.copytree(BAD, work)
    before = _lint(work)
    chosen = type(before)(**{**before.__dict__, "findings": [f for f in before.findings if f.rule in codes]})
    report = apply_fixes(chosen, Options())
    after = _lint(work)
    return _worse(before, after), report


@pytest.mark.parametrize("code", FIXABLE)
def test_each_fix_alone_makes_nothing_worse(code, tmp_path):
    problems, report = _fix_and_compare(tmp_path, {code})
    assert not problems, f"{code} --fix made things worse: {problems}"


def test_all_fixes_together_make_nothing_worse(tmp_path):
    problems, report = _fix_and_compare(tmp_path, set(FIXABLE))
    assert not problems, problems
    assert report.fixed_count > 0


def test_igw402_keeps_a_prod_internet_facing_scheme_out_of_effect(tmp_path):
    problems, report = _fix_and_compare(tmp_path, {"IGW402"})
    reasons = [why for ff in report.files for f, why in ff.refused if f.rule == "IGW402"]
    assert any("would make this prod gateway's load balancer public (IGW401)" in why for why in reasons)
    text = open(tmp_path / "bad" / "20-gateway.yaml", encoding="utf-8").read()
    infra = text.split("infrastructure:", 1)[1]
    assert "aws-load-balancer-type" in infra and "internet-facing" not in infra
    assert "aws-load-balancer-scheme: \"internet-facing\"" in text.split("spec:", 1)[0]
