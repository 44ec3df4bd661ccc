"""quickschema.iter_errors against jsonschema: for the Bifrost config schemas (every release
range) it must give jsonschema's errors, in jsonschema's order (but for an object's extra
keys: in the value's order, not a set's), with the same path,
keyword, keyword value, instance and schema node, so IGW206 says the same thing without
importing jsonschema.  Differential over every Bifrost config the tests, the sample
manifests and ../shared/corpus hold, the configs of tests/test_bifrost_schema.py, and
hypothesis-mutated configs; then IGW206's reports through both paths."""

from __future__ import annotations

import copy
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft201909Validator

from conftest import ROOT, SHARED

from infergw_lint import quickschema
from infergw_lint.bifrost_releases import ranges, schema_for
from infergw_lint.domain import bifrost_configs
from infergw_lint.loader import LoadResult, load
from infergw_lint.rules import igw206_bifrost_config_schema as igw206
from infergw_lint.versions import Version
from test_quickschema import _mutations, json_values

RELEASES = [None] + list(ranges())
SCHEMAS = [schema_for(r) for r in RELEASES]
VALIDATORS = [Draft201909Validator(s) for s in SCHEMAS]


def _configs() -> list:
    paths = [os.path.join(ROOT, "sample_manifests"), os.path.join(ROOT, "tests")]
    if os.path.isdir(os.path.join(SHARED, "corpus")):
        paths.append(os.path.join(SHARED, "corpus"))
    res = LoadResult()
    load(paths, res)
    out = [cfg.data for doc in res.documents for cfg in bifrost_configs(doc)]
    from test_bifrost_schema import INVALID, SEED, VALID

    out += [SEED] + list(VALID.values()) + [c for _, c, _ in INVALID]
    unique = {}
    for cfg in out:
        unique.setdefault(repr(cfg), cfg)
    return list(unique.values())


CONFIGS = _configs()


def _shown(err) -> tuple:
    """An error's fields, exact in types (repr tells 1, 1.0, True and "1" apart)."""
    return (tuple(err.absolute_path), err.validator, repr(err.validator_value), repr(err.instance),
            json.dumps(err.schema, sort_keys=True) if isinstance(err.schema, dict) else repr(err.schema))


def _same_errors(value, first: int = len(SCHEMAS)) -> None:
    """... against the schema of every release range (or of the ``first`` ones)."""
    for sch, val in list(zip(SCHEMAS, VALIDATORS))[:first]:
        want = [_shown(e) for e in val.iter_errors(value)]
        got = [_shown(e) for e in quickschema.iter_errors(sch, value)]
        # the same errors; in jsonschema's order but for the extra keys of an object, which
        # jsonschema walks as a set (an order that changes with the process's string hashes)
        # and iter_errors in the value's order
        assert sorted(map(repr, got)) == sorted(map(repr, want)), json.dumps(value, default=str)[:400]


def test_every_bifrost_schema_is_explained():
    assert all(quickschema.explains(s) for s in SCHEMAS)


def test_configs_of_the_tests_and_corpus():
    assert len(CONFIGS) > 50
    for cfg in CONFIGS:
        _same_errors(cfg)


_ALTERNATIVES = (1, 1.0, True, "1", None, -1, 2.5, 0, False, "", [], {}, 10**20)


def test_every_leaf_of_every_config_replaced():
    """Nodes of each config replaced by one of the values jsonschema tells apart by type
    (1, 1.0, True, "1", ...), taken in turn."""
    n = 0
    for i, cfg in enumerate(CONFIGS):
        for j, path in enumerate(p for p in _mutations(cfg) if p):
            if (i + j) % 2:
                continue  # every other node (jsonschema's side costs about a millisecond)
            changed = copy.deepcopy(cfg)
            node = changed
            for seg in path[:-1]:
                node = node[seg]
            node[path[-1]] = _ALTERNATIVES[(i + j) % len(_ALTERNATIVES)]
            _same_errors(changed, 2)  # the newest range and the oldest
            n += 1
    assert n > 500


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_configs(data):
    """A config of the tests with one value replaced, removed, or a key added."""
    base = copy.deepcopy(data.draw(st.sampled_from([c for c in CONFIGS if isinstance(c, dict) and c])))
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _mutations(base)
        path = data.draw(st.sampled_from(paths))
        node = base
        for seg in path[:-1]:
            node = node[seg]
        action = data.draw(st.sampled_from(["replace", "remove", "add"]))
        if not path:
            action = "add"
        if action == "replace":
            node[path[-1]] = data.draw(json_values)
        elif action == "remove":
            del node[path[-1]]
        else:
            target = node[path[-1]] if path else base
            if isinstance(target, dict):
                target[data.draw(json_values.filter(lambda v: isinstance(v, str)) | st.sampled_from(
                    ["keys", "weight", "network_confg", "plugins", "providers"]))] = data.draw(json_values)
            elif isinstance(target, list):
                target.append(data.draw(json_values))
    _same_errors(base)


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_random_values(value):
    _same_errors(value)


class _Cfg:
    base = ()

    def __init__(self, data):
        self.data = data

    def path(self, *parts):
        return parts


def test_rule_reports_are_the_same_through_jsonschema(monkeypatch):
    """IGW206's messages, paths, keys and severities with quickschema and with jsonschema."""
    rule = igw206.RULE
    version = Version("bifrost", (1, 4, 0), "--bifrost-version", "cli")

    def reports():
        out = []
        for cfg in CONFIGS:
            for release in RELEASES:
                for keep in (False, True):
                    out.append(sorted([(r.path, r.message, r.key, r.severity)  # (the run sorts them too)
                                       for r in rule._check_config(_Cfg(cfg), keep, release, version)], key=repr))
        return out

    quick = reports()
    monkeypatch.setattr(igw206, "explains", lambda schema: False)
    assert reports() == quick
    assert any(quick)


@pytest.mark.parametrize("schema", [
    {"type": "object", "format": "uri"},
    {"oneOf": [{"type": "string"}]},
    {"properties": {"a": {"$ref": "https://example.com/x"}}},
    {"patternProperties": {"^x": {}}, "additionalProperties": False},
    {"type": "thing"},
    {"pattern": "("},
    {"$defs": {"a": {"$schema": "https://json-schema.org/draft-07/schema"}}, "$ref": "#/$defs/a"},
    {"$ref": "#/$defs/missing"},
])
def test_schemas_it_does_not_explain(schema):
    """Any other keyword, reference, type or pattern: jsonschema is asked instead."""
    assert not quickschema.explains(schema)
    with pytest.raises(ValueError):
        quickschema.iter_errors(schema, {})


def test_the_first_errors_of_a_config_do_not_depend_on_string_hashes(tmp_path):
    """Over MAX_ERRORS errors, IGW206 reports the first ones: the same ones in every process
    (jsonschema walks an object's extra keys as a set, whose order follows the process's
    string hashes: two runs of the same config reported different providers)."""
    import subprocess
    import sys

    providers = {f"custom{i}": {"keys": [{"value": "k", "models": ["m"], "weight": 1}], "netwrok_config": {}}
                 for i in range(igw206.MAX_ERRORS + 50)}
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"providers": providers}))
    outs = []
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-m", "infergw_lint", str(path), "--format", "json"],
                             capture_output=True, text=True, env=env, cwd=ROOT)
        outs.append([(f["field"], f["line"]) for f in json.loads(run.stdout)["findings"]])
    assert len(outs[0]) == igw206.MAX_ERRORS and outs[0] == outs[1] == outs[2]
    assert outs[0][0][0] == "providers.custom0.netwrok_config"
