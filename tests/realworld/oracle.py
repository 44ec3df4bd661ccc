"""The real-world corpus oracle: lint each unit of tests/realworld/ and compare the findings
with expectations.yaml (what upstream's stated outcome, or a hand triage, says).

A unit is one upstream example linted on its own (a test case, a sample), plus the shared
files its upstream test applies with it (`with:`), exactly as a user lints a tree of
independent examples one at a time (docs/realworld.md).  Used by tests/test_realworld.py and
benchmarks/realworld.py.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

import yaml

from infergw_lint.engine import Options, run

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTATIONS = os.path.join(HERE, "expectations.yaml")
LINTED = (".yaml", ".yml", ".json")


@dataclass
class Outcome:
    unit: str
    expected: set = field(default_factory=set)  # (rule, file, line): true findings
    tolerated: set = field(default_factory=set)  # (rule, file, line): triaged false findings still reported
    found: set = field(default_factory=set)  # (rule, file, line)
    severities: dict = field(default_factory=dict)  # (rule, file, line) -> severity
    missed_upstream: list = field(default_factory=list)  # upstream rejections no rule judges
    internal_errors: list = field(default_factory=list)

    @property
    def unexpected(self) -> set:
        return self.found - self.expected - self.tolerated

    @property
    def missing(self) -> set:
        return self.expected - self.found


def load() -> dict:
    with open(EXPECTATIONS, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def units(spec: dict) -> list[tuple[str, dict]]:
    """(name, entry) for every linted file of the corpus: entries of expectations.yaml by
    file name, and every other file as a unit of its own with no expected finding."""
    listed = spec.get("units") or {}
    shared = {w for e in listed.values() for w in (e or {}).get("with", [])}
    out = []
    for dirpath, dirs, files in os.walk(HERE):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(LINTED) or name == "expectations.yaml":
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), HERE).replace(os.sep, "/")
            if rel in shared and rel not in listed:
                continue
            out.append((rel, listed.get(rel) or {}))
    return out


def lint_unit(rel: str, entry: dict, defaults: dict) -> Outcome:
    files = [rel] + list(entry.get("with", []))
    version = entry.get("gateway-api-version")
    if version is None:  # the release the upstream project's files are written for, by folder
        version = next((v for d, v in (defaults.get("gateway-api-version") or {}).items() if rel.startswith(d)), None)
    channel = entry.get("gateway-api-channel") or next(
        (v for d, v in (defaults.get("gateway-api-channel") or {}).items() if rel.startswith(d)), "standard"
    )
    kgateway = entry.get("kgateway-version") or next(
        (v for d, v in (defaults.get("kgateway-version") or {}).items() if rel.startswith(d)), None
    )
    options = Options(gateway_api_version=str(version) if version else None, gateway_api_channel=channel,
                      versions={"kgateway": (str(kgateway), "--kgateway-version")} if kgateway else {})
    result = run([os.path.join(HERE, f) for f in files], options)
    out = Outcome(rel)
    for f in result.findings:
        key = (f.rule, os.path.relpath(f.path, HERE).replace(os.sep, "/"), f.line)
        out.found.add(key)
        out.severities[key] = f.severity
    for item in entry.get("expect") or []:
        out.expected.add((item["rule"], item.get("file", rel), item["line"]))
    for item in entry.get("false-findings") or []:
        out.tolerated.add((item["rule"], item.get("file", rel), item["line"]))
    out.missed_upstream = list(entry.get("not-judged") or [])
    out.internal_errors = list(result.internal_errors)
    return out


def run_all() -> list[Outcome]:
    spec = load()
    defaults = spec.get("defaults") or {}
    return [lint_unit(rel, entry, defaults) for rel, entry in units(spec)]


def per_rule(outcomes: list[Outcome]) -> dict[str, dict]:
    """rule -> {tp, fp, fn, precision, recall}: a finding is a true positive when the
    expectations list it, a false positive otherwise; an expected finding not reported is a
    false negative."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for o in outcomes:
        for key in o.found:
            (tp if key in o.expected else fp)[key[0]] += 1
        for key in o.missing:
            fn[key[0]] += 1
        for item in o.missed_upstream:  # upstream rejections a rule leaves alone by design
            if isinstance(item, dict) and item.get("rule"):
                fn[item["rule"]] += 1
    out = {}
    for rule in sorted(set(tp) | set(fp) | set(fn)):
        t, p, n = tp[rule], fp[rule], fn[rule]
        out[rule] = {
            "tp": t, "fp": p, "fn": n,
            "precision": t / (t + p) if t + p else None,
            "recall": t / (t + n) if t + n else None,
        }
    return out
