"""Property-based tests: whatever the input, the linter never crashes and every finding
lies inside the file it names.

* random manifests: trees of mappings, lists and scalars, shaped like the resources and
  configs the rules read (kinds, keys and values come from the rules' own vocabulary),
  written as YAML (several styles, several documents), as JSON, and as ConfigMaps that
  embed JSON;
* random byte mutations of the sample manifests (flipped, inserted, deleted, duplicated
  and truncated bytes, plus YAML-significant tokens).

Invariants: no exception, no internal error (a rule that raised), every reporter renders,
and each finding has 1 <= line <= end_line <= the file's line count, column >= 1, the end
after the start, and columns within their lines.
"""

from __future__ import annotations

import glob
import json
import os
import re
import tempfile

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import infergw_lint.rules as rules_pkg  # noqa: E402
from infergw_lint import domain  # noqa: E402
from infergw_lint.engine import Options, run  # noqa: E402
from infergw_lint.reporters import FORMATS, render  # noqa: E402
from infergw_lint.source import SourceFile  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def _vocabulary() -> list[str]:
    """Identifiers the rules look for (string literals in the rule pack and domain code)."""
    sources = glob.glob(os.path.join(os.path.dirname(rules_pkg.__file__), "*.py"))
    sources += [domain.__file__, os.path.join(os.path.dirname(domain.__file__), "gateway.py")]
    words: set[str] = set()
    for path in sources:
        try:
            with open(path, encoding="utf-8") as fh:
                words.update(re.findall(r"[\"']([A-Za-z_$][A-Za-z0-9_.$/:-]{0,40})[\"']", fh.read()))
        except OSError:
            pass
    return sorted(words) or ["spec", "name"]


VOCAB = _vocabulary()
KINDS = [
    "Gateway", "HTTPRoute", "GRPCRoute", "TLSRoute", "ReferenceGrant", "GatewayClass", "GatewayParameters",
    "Service", "Deployment", "StatefulSet", "ConfigMap", "Secret", "Namespace", "List", "Pod", "CronJob",
    "Backend", "InferencePool", "HorizontalPodAutoscaler", "Ingress",
]
API_VERSIONS = [
    "v1", "apps/v1", "gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1",
    "gateway.networking.k8s.io/v1alpha2", "gateway.kgateway.dev/v1alpha1", "batch/v1", "x/y/z", "",
]
SAMPLES = sorted(
    p for p in glob.glob(os.path.join(ROOT, "sample_manifests", "**", "*"), recursive=True)
    if os.path.isfile(p) and p.endswith((".yaml", ".yml", ".json"))
) + sorted(glob.glob(os.path.join(ROOT, "sample_manifests", "*", "clients", ".continue", "*.json")))

# --------------------------------------------------------------------------------------
# strategies

keys = st.one_of(st.sampled_from(VOCAB), st.text(max_size=8), st.integers(-3, 3))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.sampled_from(VOCAB + API_VERSIONS + ["", "*", "env.X", "http://svc.ns.svc:80/x", "a/b/c", "1.0"]),
    st.text(max_size=30),
)
trees = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=40,
)
metadata = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.sampled_from(VOCAB), st.text(max_size=10), trees),
        "namespace": st.one_of(st.sampled_from(["ai-gateway", "ai-external", "default", ""]), trees),
        "labels": st.one_of(st.dictionaries(st.sampled_from(["environment", "env", "app"]), scalars), trees),
        "annotations": st.one_of(st.dictionaries(st.sampled_from(VOCAB), scalars, max_size=3), trees),
    },
)
resources = st.fixed_dictionaries(
    {"apiVersion": st.sampled_from(API_VERSIONS), "kind": st.sampled_from(KINDS)},
    optional={"metadata": metadata, "spec": trees, "data": trees, "items": st.lists(trees, max_size=3)},
)
bifrost_configs = st.fixed_dictionaries(
    {},
    optional={
        "$schema": st.sampled_from(["https://www.getbifrost.ai/schema", "x"]),
        "providers": trees,
        "plugins": st.lists(
            st.one_of(
                trees,
                st.fixed_dictionaries(
                    {"name": st.just("otel")}, optional={"config": trees, "enabled": st.booleans()}
                ),
            ),
            max_size=3,
        ),
        "version": st.one_of(st.just(2), scalars),
    },
)
documents = st.one_of(resources, bifrost_configs, trees)
FILE_NAMES = ["x.yaml", "config.json", "config.yaml", "values.yaml", ".aider.conf.yml", ".continue/config.json"]


class _BlockDumper(yaml.SafeDumper):
    pass


def _str(dumper, value):
    style = "|" if "\n" in value and value == value.strip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


@st.composite
def manifest_files(draw):
    """(relative path, bytes) of one random manifest or config file."""
    name = draw(st.sampled_from(FILE_NAMES))
    if name.endswith(".json"):
        doc = draw(st.one_of(bifrost_configs, resources, trees))
        text = json.dumps(doc, indent=draw(st.sampled_from([None, 2, 4])), ensure_ascii=draw(st.booleans()))
        return name, text.encode()
    docs = draw(st.lists(documents, min_size=1, max_size=3))
    if draw(st.booleans()):  # a ConfigMap embedding JSON, the Bifrost way
        embedded = json.dumps(draw(bifrost_configs), indent=draw(st.sampled_from([None, 2])))
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bifrost"},
                     "data": {draw(st.sampled_from(["config.json", "c.json", "x"])): embedded}})
    text = yaml.dump_all(
        docs, Dumper=_BlockDumper, default_flow_style=draw(st.sampled_from([False, True, None])),
        allow_unicode=draw(st.booleans()), explicit_start=draw(st.booleans()), width=draw(st.sampled_from([40, 80, 10**6])),
        sort_keys=False,
    )
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return name, text.encode("utf-8")


TOKENS = [b":", b": ", b"- ", b"\t", b"{", b"}", b"[", b"]", b"'", b'"', b"\n", b"\r\n", b"---\n", b"&a ", b"*a",
          b"<<: *a\n", b"!!python/object:os.system ", b"!x ", b"\xff", b"\x00", b"\xef\xbb\xbf", b"# ", b"\\u00",
          b"|\n", b">-\n", b"  ", b",", b"{{ .Values.x }}", b"\xe2\x80\xa8", b"%YAML 1.1\n", b"? "]


@st.composite
def mutated_samples(draw):
    """(relative path, bytes) of a sample manifest with random byte-level damage."""
    path = draw(st.sampled_from(SAMPLES))
    with open(path, "rb") as fh:
        data = bytearray(fh.read())
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "token", "delete", "duplicate", "truncate"]))
        n = len(data)
        at = draw(st.integers(0, n))
        if op == "flip" and n:
            data[min(at, n - 1)] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "duplicate" and n:
            end = min(n, at + draw(st.integers(1, 200)))
            to = draw(st.integers(0, n))
            data[to:to] = data[at:end]
        elif op == "truncate":
            del data[at:]
    rel = os.path.relpath(path, os.path.join(ROOT, "sample_manifests"))
    return rel, bytes(data)


# --------------------------------------------------------------------------------------
# the invariant


def lint_and_check(rel: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="infergw-fuzz-") as tmp:
        path = os.path.join(tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(content)
        result = run([tmp], Options(env="prod"))
        assert not result.internal_errors, result.internal_errors
        for fmt in FORMATS:
            render(fmt, result)
        text = content.decode("utf-8-sig", "replace")
        src = SourceFile(path, text)
        lines = src.line_count
        for f in result.findings:
            where = f"{f.rule} {f.path}:{f.line}:{f.column}-{f.span.end_line}:{f.span.end_column} ({lines} lines)"
            assert f.path == path, where
            assert 1 <= f.line <= f.span.end_line <= lines, where
            assert f.column >= 1, where
            assert (f.span.end_line, f.span.end_column) > (f.line, f.column), where
            assert f.column <= len(src.line_text(f.line)) + 1, where
            assert f.span.end_column <= len(src.line_text(f.span.end_line)) + 2, where


@FUZZ
@given(manifest_files())
def test_random_manifests_never_crash(file):
    lint_and_check(*file)


@FUZZ
@given(mutated_samples())
def test_mutated_samples_never_crash(file):
    lint_and_check(*file)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.sampled_from(["x.yaml", "config.json"]))
def test_random_bytes_never_crash(content, name):
    lint_and_check(name, content)
