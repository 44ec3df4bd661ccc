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


NS = "n" * 60 + "-x"  # a namespace and Service names of the longest valid length (63)
LONG = "s" * 60 + "-x"


def test_long_object_names_leave_the_first_line_whole(tmp_path):
    """Where naming the object would not fit, the first line says what is wrong without the
    name (lint/rule.py ``brief``) and the rest names it: nothing is cut, nothing lost."""
    (tmp_path / "m.yaml").write_text(f"""\
apiVersion: v1
kind: Namespace
metadata:
  name: apps
---
apiVersion: v1
kind: Namespace
metadata:
  name: {NS}
---
apiVersion: v1
kind: Service
metadata:
  name: present
  namespace: {NS}
spec:
  ports: [{{port: 80}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: apps
spec:
  gatewayClassName: kgateway
  listeners: [{{name: http, port: 80, protocol: HTTP}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: {LONG}
  namespace: apps
spec:
  parentRefs: [{{name: {LONG}, namespace: {NS}}}, {{name: gw}}]
  rules:
    - backendRefs:
        - {{name: {LONG}, port: 80}}
        - {{name: present, namespace: {NS}, port: 80}}
        - {{name: {LONG}, namespace: {NS}, port: 80}}
""")
    result = run([str(tmp_path)], Options(assume_complete=True))
    rules = {f.rule for f in result.findings}
    assert {"IGW101", "IGW103", "IGW104"} <= rules, rules
    assert not _bad_lines(result.findings)
    for f in result.findings:
        if f.rule in ("IGW101", "IGW103", "IGW104"):
            assert LONG in f.message or NS in f.message  # the name is still in the message
