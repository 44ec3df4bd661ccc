"""The check's document-independent first-use work done while loading is split (lint/warm.py):
a warmed run says exactly what an unwarmed one says, and only a split load pays for it.

The caches the warm-up fills belong to the process, so each run compared here is made in a
fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from infergw_lint import engine, parallel, warm
from infergw_lint.engine import Options, run

from fresh import imported_by_run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "sample_manifests")
TREES = [
    os.path.join(ROOT, p)
    for p in ("sample_manifests", "tests/fixtures", "tests/realworld", "tests/crd", "tests/crds")
    if os.path.isdir(os.path.join(ROOT, p))
]

forks = pytest.mark.skipif(parallel.jobs(2) == 1, reason="splitting over processes is Linux only")

# Runs in a fresh interpreter: lints TREES (with the warm-up first, by hand or through a
# split load, or without it) and prints what the run says, and which steps ran.
RUNNER = r"""
import json, sys
from infergw_lint import engine, parallel, warm
from infergw_lint.engine import Options, run
from infergw_lint.rules import all_rules

how, trees = sys.argv[1], json.loads(sys.argv[2])
steps = []
warm_up = warm.warm_up
def spied(rules, options=None):
    steps.append(sorted({r.code for r in rules}))
    failed = warm_up(rules, options)
    assert not failed, failed
    return failed
warm.warm_up = spied
jobs = 1
if how == "warmed":
    spied(engine.select_rules(all_rules(), Options()))
elif how == "split":
    parallel.MIN_BYTES = 0
    parallel.MIN_DOCUMENTS = 0
    jobs = 2
result = run(trees, Options(jobs=jobs))
print(json.dumps({
    "warmed": len(steps),
    "findings": [f.to_json() for f in result.findings],
    "notes": result.notes,
    "internal": result.internal_errors,
    "cel": "infergw_lint.crd.cel" in sys.modules,
}))
"""


def _lint(how: str, trees=TREES) -> dict:
    env = dict(os.environ, INFERGW_LINT_NO_CACHE="1")
    env.pop(parallel.ENV, None)
    proc = subprocess.run([sys.executable, "-c", RUNNER, how, json.dumps(trees)], cwd=ROOT, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cold() -> dict:
    return _lint("cold")


def test_a_warmed_run_says_what_an_unwarmed_run_says(cold):
    warmed = _lint("warmed")
    assert cold["warmed"] == 0 and warmed["warmed"] == 1
    assert len(cold["findings"]) > 500 and cold["notes"]
    assert warmed["findings"] == cold["findings"]
    assert warmed["notes"] == cold["notes"]  # the same notes, in the same order (order of first use)
    assert warmed["internal"] == cold["internal"] == []


@forks
def test_a_split_load_warms_once_and_says_the_same(cold):
    split = _lint("split")
    if split["warmed"] == 0:  # pragma: no cover - a thread left by the interpreter kept it in one process
        pytest.skip("the load was not split")
    assert split["warmed"] == 1
    assert split["findings"] == cold["findings"]
    assert split["notes"] == cold["notes"]


def test_no_warm_up_for_a_small_or_single_process_run(monkeypatch):
    called = []
    monkeypatch.setattr(engine, "_warm_up", lambda active, options: called.append(1))
    run([os.path.join(SAMPLES, "good")], Options(jobs=4))  # below MIN_BYTES: one process loads
    assert called == []
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "MIN_DOCUMENTS", 0)
    run([SAMPLES], Options(jobs=1))  # one process asked
    assert called == []
    if parallel.jobs(2) > 1:
        run([SAMPLES], Options(jobs=2))
        assert called == [1]


def test_a_small_run_does_not_import_the_warm_up():
    assert not imported_by_run(["sample_manifests/bad"], "infergw_lint.warm")


@forks
def test_fork_map_warms_after_forking_and_only_beside_a_child(monkeypatch):
    parent = os.getpid()
    calls = []
    # called once, in this process, and the parts are still all computed
    assert parallel.fork_map(lambda x: x * 3, [1, 2, 3, 4], 2, warm=lambda: calls.append(os.getpid())) == [3, 6, 9, 12]
    assert calls == [parent]

    def fails():
        raise RuntimeError("a warm-up that fails")

    assert parallel.fork_map(lambda x: -x, [1, 2, 3], 2, warm=fails) == [-1, -2, -3]
    calls.clear()
    assert parallel.fork_map(lambda x: x, [1, 2, 3], 1, warm=lambda: calls.append(1)) == [1, 2, 3]  # one process
    assert calls == []

    def no_fork():
        raise OSError("no process to spare")

    monkeypatch.setattr(os, "fork", no_fork)
    assert parallel.fork_map(lambda x: x + 1, [1, 2, 3], 2, warm=lambda: calls.append(1)) == [2, 3, 4]
    assert calls == []  # no child beside it: the warm-up would only add to the serial time


def test_a_failing_step_is_named_and_the_others_still_run(monkeypatch):
    done = []

    def breaks(rules):
        raise ValueError("broken")

    monkeypatch.setattr(warm, "_STEPS", (
        ("breaks", None, breaks), ("then", None, lambda rules: done.append(1)),
        ("not for these rules", frozenset({"IGW999"}), lambda rules: done.append(2)),
    ))
    assert warm.warm_up([]) == ["breaks"]
    assert done == [1]


def test_steps_run_for_their_rules_only():
    """No active CRD rule: the CEL engine stays out; IGW206 only: its schemas are made and
    the run reuses them (the quick validator does not weigh a schema again)."""
    code = (
        "import sys\n"
        "from infergw_lint import warm, quickschema, bifrost_releases\n"
        "from infergw_lint.engine import Options, run\n"
        "from infergw_lint.rules import all_rules\n"
        "rules = [r for r in all_rules() if r.code == 'IGW206']\n"
        "assert warm.warm_up(rules) == []\n"
        "print('infergw_lint.crd.cel' in sys.modules, len(bifrost_releases._SCHEMAS) > 0)\n"
        "weighed = []\n"
        "explained = quickschema._explained\n"
        "quickschema._explained = lambda root: weighed.append(1) or explained(root)\n"
        "result = run(['tests/fixtures/IGW206'], Options(select=['IGW206']), rules=rules)\n"
        "print(len(result.findings) > 0, len(weighed))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True", "True", "0"], proc.stdout


def test_the_difflib_step_serves_the_rules_that_suggest_names():
    """SUGGEST_CODES names every rule whose module asks difflib for a "did you mean"."""
    rules_dir = os.path.join(ROOT, "rules")
    found = set()
    for name in os.listdir(rules_dir):
        if name.startswith("igw") and name.endswith(".py"):
            with open(os.path.join(rules_dir, name), encoding="utf-8") as fh:
                text = fh.read()
            if "close_matches" in text or "difflib" in text:
                found.add(name[:6].upper())
    assert found == set(warm.SUGGEST_CODES)
