"""The native CEL engine against cel-python, rule by rule: every rule text of every bundled
CRD file compiles natively, and evaluates to what celpy gives on the values the test
manifests reach (tests/crd/cel_cases.yaml, the IGW50x fixtures, sample_manifests/) and on
small variants of them (a field dropped, a list emptied, cut, repeated or reversed).  The
only differences allowed are celpy's documented bugs (see ``celpy_bug``)."""

from __future__ import annotations

import glob
import gzip
import json
import os

import pytest
from conftest import ROOT

from infergw_lint import crd
from infergw_lint.crd import cel
from infergw_lint.crd.cel import fallback
from infergw_lint.crd.cel.compile import compile_expr
from infergw_lint.crd.cel.lexer import CompileError
from infergw_lint.crd.cel.values import CelError, NoSuchKey

MAX_VALUES_PER_RULE = 60


def bundled_texts(pattern: str = "*.json.gz") -> set:
    texts = set()

    def walk(node):
        if isinstance(node, dict):
            for r in node.get("x-kubernetes-validations") or ():
                if isinstance(r, dict) and isinstance(r.get("rule"), str):
                    texts.add(r["rule"])
                    if isinstance(r.get("messageExpression"), str):
                        texts.add(r["messageExpression"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for path in sorted(glob.glob(os.path.join(crd.DATA, pattern))):
        with gzip.open(path) as fh:
            walk(json.load(fh))
    return texts


def test_every_bundled_rule_compiles_natively():
    """A newly bundled CRD whose rules use a construct the native engine lacks fails here,
    with the construct named (e.g. "unsupported function foo()"), instead of silently
    falling back to celpy."""
    texts = bundled_texts()
    assert len(texts) >= 90
    refused = {}
    for text in sorted(texts):
        if cel.is_transition(text):
            continue
        try:
            compile_expr(text)
        except Exception as exc:  # CompileError, Unsupported
            refused[text] = str(exc)
    assert not refused, "add these constructs to lint/crd/cel: " + json.dumps(refused, indent=1)


# ---- the values the test manifests reach ------------------------------------------------------

_SAMPLES: dict = {}


def samples() -> dict:
    """rule text -> {json key: converted value} reached by the test manifests."""
    if _SAMPLES:
        return _SAMPLES
    from test_crd_cel import CASES, judge

    from infergw_lint.engine import Options, run

    original = cel._run

    def recording(val, sch, p, rules, *args, **kwargs):
        converted = cel.to_cel(val, sch)
        for r in rules:
            if isinstance(r, dict) and isinstance(r.get("rule"), str) and not cel.is_transition(r["rule"]):
                texts = [r["rule"]] + ([r["messageExpression"]] if isinstance(r.get("messageExpression"), str) else [])
                for text in texts:
                    bucket = _SAMPLES.setdefault(text, {})
                    if len(bucket) < 400:
                        bucket.setdefault(json.dumps(converted, sort_keys=True), converted)
        return original(val, sch, p, rules, *args, **kwargs)

    cel._run = recording
    try:
        for case in CASES:
            for which in ("good", "bad"):
                judge(case, which)
        trees = [os.path.join(ROOT, "sample_manifests")] + sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "IGW5*")))
        run(trees, Options(select=["IGW501", "IGW502", "IGW503"]))
        # kgateway's own end-to-end manifests, each folder against its own release's bundle
        for folder in sorted(glob.glob(os.path.join(ROOT, "tests", "crd", "kgateway", "*.*"))):
            minor = os.path.basename(folder)
            run([folder], Options(select=["IGW501", "IGW502", "IGW503"], versions={"kgateway": (minor, "--kgateway-version")}))
    finally:
        cel._run = original
    return _SAMPLES


def variants(value):
    """The value and small edits of it, one at a time, at the top level and one level down."""
    yield value
    if isinstance(value, dict):
        for k, v in value.items():
            yield {kk: vv for kk, vv in value.items() if kk != k}
            if isinstance(v, list):
                for alt in ([], v[:1], v + v[:1], v[::-1]):
                    yield {**value, k: alt}
            elif isinstance(v, dict):
                for kk in v:
                    yield {**value, k: {x: y for x, y in v.items() if x != kk}}
            elif isinstance(v, str):
                for alt in ("", v.upper(), "/" + v, v + "//", "1h", "0s", "10.0.0.1"):
                    yield {**value, k: alt}
    elif isinstance(value, list):
        for alt in ([], value[:1], value + value[:1], value[::-1]):
            yield alt
        for i, item in enumerate(value[:4]):
            if isinstance(item, dict):
                for k in item:
                    yield value[:i] + [{kk: vv for kk, vv in item.items() if kk != k}] + value[i + 1:]
    elif isinstance(value, str):
        for alt in ("", "/", "a//b", "1h", "90m", "2h", "0s", "1.5h", "10.0.0.1", "*.example.com", "Example", "a b"):
            yield alt


def native_outcome(prog, value):
    try:
        got = prog.run(value)
    except NoSuchKey as exc:
        return ("no such key", str(exc.key))
    except (CelError, RecursionError):
        return ("error",)
    return ("value", got if isinstance(got, (bool, str)) else repr(got))


def celpy_outcome(prog, value):
    try:
        got = prog.run(value)
    except Exception as exc:
        m = cel._NO_SUCH_KEY.search(str(exc)) or cel._NO_SUCH_KEY.search(repr(exc))
        return ("no such key", m.group(1)) if m else ("error",)
    if type(got).__name__ == "BoolType":
        return ("value", bool(got))
    if isinstance(got, str):
        return ("value", str(got))
    return ("value", repr(got))


def celpy_bug(text: str, native, celpy) -> bool:
    """The differences where celpy is wrong (each pinned by a test in test_cel_semantics.py):
    - celpy raises an error from inside exists_one/map/filter, so an enclosing `||`, `&&` or
      `?:` cannot absorb it; cel-go returns the error as a value and absorbs it;
    - celpy turns an error in the condition of `?:` into a "no matching overload" error, so
      a missing field there was no verdict; cel-go returns the condition's error;
    - celpy lacks the Kubernetes `format` library, and `matches` there is Python's `re`, not RE2."""
    if celpy[0] != "value" and native[0] == "value" and fallback.raising_macro(text):
        return True
    if "format." in text and celpy == ("error",):
        return True
    if native[0] == "no such key" and celpy == ("error",) and "?" in text:
        return True  # celpy turns an error in the condition of `?:` into "no matching overload"
    return False


@pytest.fixture(scope="module")
def sampled():
    return samples()


@pytest.mark.parametrize("pattern, share", [
    ("gateway-api-*.json.gz", 0.8),  # tests/crd/cel_cases.yaml covers every Gateway API rule
    ("kgateway-*.json.gz", 0.5),  # kgateway's own e2e manifests reach about 55% of its rule texts
])
def test_the_manifests_reach_most_rules(sampled, pattern, share):
    texts = {t for t in bundled_texts(pattern) if not cel.is_transition(t)}
    reached = texts & set(sampled)
    assert len(reached) >= share * len(texts), sorted(texts - reached)


def test_native_engine_agrees_with_celpy(sampled):
    disagreements = []
    compared = 0
    for text, values in sorted(sampled.items()):
        native = compile_expr(text)
        if ".?" in text:
            continue  # CEL optional field selection (kgateway 2.3+ rules): celpy cannot parse it
        try:
            slow = fallback.program(text)
        except CompileError:
            continue  # celpy cannot parse it either: nothing to compare with
        seen = set()
        for base in list(values.values()):
            for v in variants(base):
                key = json.dumps(v, sort_keys=True)
                if key in seen:
                    continue
                seen.add(key)
                if len(seen) > MAX_VALUES_PER_RULE:
                    break
                a = native_outcome(native, v)
                b = celpy_outcome(slow, v)
                compared += 1
                if a != b and not celpy_bug(text, a, b):
                    disagreements.append((text, key[:300], a, b))
            if len(seen) > MAX_VALUES_PER_RULE:
                break
    assert compared > 1000
    assert not disagreements, "\n".join(f"{t}\n  self={v}\n  native={a} celpy={b}" for t, v, a, b in disagreements[:20])
