"""quickschema.blind_key, which lets IGW206 validate once the copies of a config that
differ only in strings the schema reads as "a string": two configs with the same key must
get the same errors (paths, keywords, schema nodes) and IGW206 the same reports."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from infergw_lint import quickschema
from infergw_lint.rules import igw206_bifrost_config_schema as igw206
from infergw_lint.versions import Version
from test_bifrost_schema_errors import CONFIGS, RELEASES, SCHEMAS, _Cfg
from test_quickschema import _mutations, json_values


def _schema_strings(node, out):
    """Every string of a schema (enum and const values among them, and property names)."""
    if isinstance(node, dict):
        for k, v in node.items():
            out.add(k)
            _schema_strings(v, out)
    elif isinstance(node, list):
        for v in node:
            _schema_strings(v, out)
    elif isinstance(node, str):
        out.add(node)
    return out


STRINGS = sorted(set().union(*(_schema_strings(s, set()) for s in SCHEMAS))) + [
    "", " ", "x" * 300, "http://a.b.svc.cluster.local:8000", "env.OPENAI_KEY", "1", "true", "null",
]


def _errors(schema, value) -> list:
    """The errors without their instances (a left-out string is not shown in a message)."""
    return [(tuple(e.absolute_path), e.validator, repr(e.validator_value), id(e.schema))
            for e in quickschema.iter_errors(schema, value)]


def _reports(value, release) -> list:
    version = Version("bifrost", (1, 4, 0), "--bifrost-version", "cli")
    rule = igw206.RULE
    return [[(r.path, r.message, r.key, r.severity) for r in rule._check_config(_Cfg(value), keep, release, version)]
            for keep in (False, True)]


def _left_out(schema, value) -> list:
    """Paths of the strings ``blind_key`` leaves out of ``value``'s key."""
    names = quickschema._names_for(schema)
    out = []

    def walk(v, path, keep):
        if isinstance(v, str) and type(v) is str:
            if not keep:
                out.append(path)
        elif type(v) is dict:
            for k, item in v.items():
                walk(item, path + (k,), keep or (type(k) is str and k in names))
        elif type(v) is list:
            for i, item in enumerate(v):
                walk(item, path + (i,), keep)

    walk(value, (), False)
    return out


def _replaced(value, paths, strings):
    out = copy.deepcopy(value)
    for path, s in zip(paths, strings):
        node = out
        for seg in path[:-1]:
            node = node[seg]
        node[path[-1]] = s
    return out


def test_every_bifrost_schema_is_weighed():
    assert all(quickschema._names_for(s) is not None for s in SCHEMAS)


def test_copies_with_other_strings_get_the_same_errors():
    """Every config of the tests and corpus, its left-out strings replaced by schema words."""
    n = 0
    for i, cfg in enumerate(CONFIGS):
        for sch, release in zip(SCHEMAS, RELEASES):
            paths = _left_out(sch, cfg)
            if not paths:
                continue
            twin = _replaced(cfg, paths, [STRINGS[(i * 7 + j) % len(STRINGS)] for j in range(len(paths))])
            key = quickschema.blind_key(sch, cfg)
            assert key is not None and key == quickschema.blind_key(sch, twin)
            assert _errors(sch, cfg) == _errors(sch, twin)
            assert _reports(cfg, release) == _reports(twin, release)
            n += 1
    assert n > 50


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_copies(data):
    """A mutated config of the tests, and a copy of it with other left-out strings: the same
    key, errors and reports; a copy with a kept value changed has another key."""
    base = copy.deepcopy(data.draw(st.sampled_from([c for c in CONFIGS if isinstance(c, dict) and c])))
    for _ in range(data.draw(st.integers(0, 3))):
        path = data.draw(st.sampled_from(_mutations(base)))
        if not path:
            continue
        node = base
        for seg in path[:-1]:
            node = node[seg]
        node[path[-1]] = data.draw(json_values | st.sampled_from(STRINGS))
    pick = data.draw(st.integers(0, len(SCHEMAS) - 1))
    sch, release = SCHEMAS[pick], RELEASES[pick]
    paths = _left_out(sch, base)
    twin = _replaced(base, paths, [data.draw(st.sampled_from(STRINGS) | st.text(max_size=30)) for _ in paths])
    key = quickschema.blind_key(sch, base)
    assert key is not None and key == quickschema.blind_key(sch, twin)
    assert _errors(sch, base) == _errors(sch, twin)
    assert _reports(base, release) == _reports(twin, release)


def test_kept_values_and_types_make_another_key():
    sch = SCHEMAS[0]
    cfg = {"plugins": [{"name": "otel", "enabled": True, "config": {"trace_type": "otel", "collector_url": "http://a"}}]}
    key = quickschema.blind_key(sch, cfg)
    assert key == quickschema.blind_key(sch, _replaced(cfg, [("plugins", 0, "config", "collector_url")], ["http://b"]))
    for path, other in [
        (("plugins", 0, "config", "trace_type"), "genai_extension"),  # read by an enum
        (("plugins", 0, "name"), "maxim"),
        (("plugins", 0, "enabled"), 1),  # True and 1 are equal in Python, not to the schema
        (("plugins", 0, "config", "collector_url"), 5),  # a string and a number
    ]:
        assert quickschema.blind_key(sch, _replaced(cfg, [path], [other])) != key


def test_no_key_for_what_it_cannot_weigh():
    sch = SCHEMAS[0]
    assert quickschema.blind_key({"enum": ["a"]}, "a") is None  # a string read at the root
    assert quickschema.blind_key({"additionalProperties": {"pattern": "^a"}}, {"x": "a"}) is None  # under any name
    assert quickschema.blind_key({"oneOf": [{}]}, {}) is None  # a keyword iter_errors does not know
    assert quickschema.blind_key(sch, {"providers": {"a": object()}}) is None  # not a JSON value
    deep = []
    for _ in range(500):
        deep = [deep]
    assert quickschema.blind_key(sch, {"providers": deep}) is None  # too deep
    assert quickschema.blind_key(sch, {"providers": list(range(200_000))}) is None  # too large


def _replayed(value, twin, release, keep: bool) -> list:
    """IGW206's reports of ``twin`` made from the errors ``value`` gave (as far as its
    reading of them went), as ``check`` makes them for a copy with the same key."""
    rule = igw206.RULE
    version = Version("bifrost", (1, 4, 0), "--bifrost-version", "cli")
    read: list = []
    list(rule._check_config(_Cfg(value), keep, release, version,
                            igw206._recorded(igw206.schema_errors(release, value), read)))
    return [(r.path, r.message, r.key, r.severity) for r in rule._check_config(_Cfg(twin), keep, release, version, read)]


def test_reports_made_from_the_errors_of_a_copy():
    n = 0
    for i, cfg in enumerate(CONFIGS):
        for sch, release in zip(SCHEMAS, RELEASES):
            paths = _left_out(sch, cfg)
            twin = _replaced(cfg, paths, [STRINGS[(i * 5 + j) % len(STRINGS)] for j in range(len(paths))])
            for keep in (False, True):
                assert _replayed(cfg, twin, release, keep) == _reports(twin, release)[keep]
                n += 1
    assert n > 100


def test_replay_stops_where_the_reading_stopped():
    """A config with more errors than IGW206 reports: the copy reads the same prefix."""
    cfg = {"providers": {f"p{i}": {"keys": [{"value": 1, "weight": "x"}]} for i in range(igw206.MAX_ERRORS + 10)}}
    twin = copy.deepcopy(cfg)
    for sch, release in zip(SCHEMAS, RELEASES):
        assert quickschema.blind_key(sch, cfg) == quickschema.blind_key(sch, twin)
        for keep in (False, True):
            want = _reports(twin, release)[keep]
            assert len(want) == igw206.MAX_ERRORS
            assert _replayed(cfg, twin, release, keep) == want


def test_one_validation_per_key_in_a_run(tmp_path, monkeypatch):
    """Ten ConfigMaps holding copies of a config that differ in a service URL: validated
    once, and each gets its own findings (the same as linted alone)."""
    from infergw_lint import engine

    text = ('{"providers": {"openai": {"keys": [{"value": "env.K", "weight": 1, "models": []}], '
            '"network_config": {"base_url": "http://vllm.NS.svc.cluster.local:8000"}}}, "client": {"bogus": 1}}')
    docs = []
    for i in range(10):
        body = text.replace("NS", f"ns{i}")
        docs.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bifrost\n  namespace: ns{i}\n"
                    f"data:\n  config.json: '{body}'\n")
    (tmp_path / "all.yaml").write_text("---\n".join(docs))
    for i, d in enumerate(docs):
        (tmp_path / f"alone{i}").mkdir()
        (tmp_path / f"alone{i}" / "all.yaml").write_text(d)
    calls = []
    real = igw206.schema_errors
    monkeypatch.setattr(igw206, "schema_errors", lambda *a: calls.append(1) or real(*a))
    opts = engine.Options(select=["IGW206"])
    together = [(f.line, f.message, f.field) for f in engine.run([str(tmp_path / "all.yaml")], opts).findings]
    assert len(calls) == 1 and len(together) >= 10
    alone = []
    for i, d in enumerate(docs):
        offset = sum(x.count("\n") + 1 for x in docs[:i])  # the lines before it in all.yaml ("---" each)
        alone += [(f.line + offset, f.message, f.field)
                  for f in engine.run([str(tmp_path / f"alone{i}" / "all.yaml")], opts).findings]
    assert sorted(together) == sorted(alone)
