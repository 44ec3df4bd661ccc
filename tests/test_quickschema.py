"""The quick schema check may only say "valid" when jsonschema agrees."""

from __future__ import annotations

import copy
import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft201909Validator

from infergw_lint.domain import bifrost_configs
from infergw_lint.loader import load
from infergw_lint.quickschema import is_valid
from infergw_lint.rules.igw206_bifrost_config_schema import schema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from infergw_lint.bifrost_releases import ranges  # noqa: E402

SCHEMA = schema(ranges()[0])  # the samples run Bifrost v1.3.9 (trace_type "otel")
VALIDATOR = Draft201909Validator(SCHEMA)


def _configs(path):
    return [cfg.data for doc in load([path]).documents for cfg in bifrost_configs(doc)]


GOOD = _configs(os.path.join(ROOT, "sample_manifests", "good"))
BAD = _configs(os.path.join(ROOT, "sample_manifests", "bad"))


def test_valid_sample_configs_take_the_fast_path():
    assert GOOD
    for cfg in GOOD:
        assert VALIDATOR.is_valid(cfg)
        assert is_valid(SCHEMA, cfg), "the quick check should know the good samples are valid"


def test_invalid_configs_are_never_called_valid():
    assert BAD
    for cfg in BAD:
        assert not VALIDATOR.is_valid(cfg)
        assert not is_valid(SCHEMA, cfg)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2, allow_nan=False) | st.sampled_from(
        [1, 1.0, 0.0, "1", "", "otel", "genai_extension", "http", "grpc", "env.KEY", "openai", "ollama", "glm-5",
         "x", "config.json", "x" * 300]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["keys", "name", "value", "weight", "models", "network_config", "base_url", "plugins",
                         "enabled", "config", "trace_type", "protocol", "collector_url", "headers", "providers",
                         "openai", "ollama", "extra", "$schema", "profiles", "custom_provider_config",
                         "base_provider_type", "concurrency_and_buffer_size", "proxy_config", "type", "url"]),
        inner, max_size=4,
    ),
    max_leaves=12,
)


def _mutations(cfg):
    """The paths of every node of ``cfg`` (the places a small edit can change)."""
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + (i,))

    walk(cfg, ())
    return paths


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_quick_valid_implies_jsonschema_valid(data):
    base = copy.deepcopy(GOOD[0])
    paths = _mutations(base)
    path = data.draw(st.sampled_from(paths[1:]))
    new = data.draw(json_values)
    node = base
    for seg in path[:-1]:
        node = node[seg]
    node[path[-1]] = new
    if is_valid(SCHEMA, base):
        assert VALIDATOR.is_valid(base), json.dumps(base)[:500]


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_random_values(value):
    if is_valid(SCHEMA, value):
        assert VALIDATOR.is_valid(value)
