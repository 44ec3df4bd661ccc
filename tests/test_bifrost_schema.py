"""The Bifrost config schema shipped in the package (IGW206) and Bifrost config discovery."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import pytest

from infergw_lint.domain import bifrost_configs, nested_bifrost, served_models
from infergw_lint.engine import Options, run
from infergw_lint.rules.igw206_bifrost_config_schema import schema, validator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The seed's section 3.1 config, as the deployment guide writes it.
SEED = {
    "$schema": "https://www.getbifrost.ai/schema",
    "providers": {
        "openai": {
            "keys": [{"name": "local-vllm", "value": "dummy", "weight": 1.0, "models": ["glm-5"]}],
            "network_config": {"base_url": "http://glm5-serving.agentic-serving.svc.cluster.local:8000"},
        }
    },
    "plugins": [
        {
            "enabled": True,
            "name": "otel",
            "config": {
                "service_name": "bifrost",
                "trace_type": "otel",
                "protocol": "http",
                "collector_url": "http://langfuse-web.langfuse.svc.cluster.local:3000/api/public/otel/v1/traces",
                "headers": {"Authorization": "Basic <BASE64(pk:sk)>", "x-langfuse-ingestion-version": "4"},
            },
        }
    ],
}


def errors(config, release=None) -> list[tuple[tuple, str]]:
    """Schema errors of the newest release range (or ``release``), without the trace_type
    value, which differs per release and is IGW202's (tests/test_bifrost_releases.py)."""
    return sorted(
        (tuple(e.absolute_path), e.validator) for e in validator(release).iter_errors(config)
        if not (e.absolute_path and e.absolute_path[-1] == "trace_type" and e.validator == "enum")
    )


def seed(**changes):
    cfg = copy.deepcopy(SEED)
    cfg.update(changes)
    return cfg


# ---- the schema file -----------------------------------------------------------------


def test_schema_is_packaged_and_valid_draft_2019_09():
    from jsonschema import Draft201909Validator

    doc = schema()
    Draft201909Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2019-09/schema"
    assert doc["additionalProperties"] is False
    assert {"providers", "plugins", "$schema", "source_of_truth", "governance"} <= set(doc["properties"])
    path = os.path.join(ROOT, "lint", "schemas", "bifrost-config.schema.json")
    assert json.load(open(path, encoding="utf-8")) == doc


def test_rule_module_does_not_import_jsonschema():
    code = "import sys, infergw_lint.rules.igw206_bifrost_config_schema; print('jsonschema' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# ---- valid configs ---------------------------------------------------------------------


VALID = {
    "seed": SEED,
    "empty": {},
    "minimal": {"providers": {}},
    "env-values": {
        "encryption_key": "env.BIFROST_ENCRYPTION_KEY",
        "providers": {"anthropic": {"keys": [{"name": "c", "value": "env.ANTHROPIC_API_KEY", "weight": 0}]}},
    },
    "self-hosted-without-keys": {
        "providers": {"ollama": {"network_config": {"base_url": "http://ollama:11434"}}, "sgl": {}},
    },
    "keyless-custom-provider": {
        "providers": {"my-vllm": {"custom_provider_config": {"base_provider_type": "openai", "is_key_less": True}}},
    },
    "full-provider": {
        "providers": {
            "openai": {
                "keys": [{"name": "k", "value": "v", "weight": 2, "models": ["*"], "use_for_batch_api": True,
                          "aliases": {"fast": "gpt-4o-mini"}}],
                "network_config": {"base_url": "http://x", "extra_headers": {"a": "b"}, "max_retries": 0,
                                   "retry_backoff_initial_ms": 100, "retry_backoff_max": 1000,
                                   "default_request_timeout_in_seconds": 30},
                "concurrency_and_buffer_size": {"concurrency": 10, "buffer_size": 100},
                "proxy_config": {"type": "http", "url": "http://proxy:3128"},
                "send_back_raw_response": True,
            }
        }
    },
    "otel-profiles": {
        "plugins": [{"enabled": True, "name": "otel", "config": {"profiles": [
            {"trace_type": "otel", "protocol": "grpc", "collector_url": "otel-collector:4317", "insecure": True},
            {"enabled": False},
        ]}}],
    },
    "other-plugins": {
        "plugins": [{"enabled": True, "name": "telemetry", "config": {"anything": 1}},
                    {"enabled": False, "name": "custom", "path": "/p.so", "version": 3}],
    },
    "version-and-source-of-truth": {"version": 2, "source_of_truth": "config.json", "providers": {}},
    "open-sections": {"governance": {"virtual_keys": []}, "client": {"enable_logging": True}, "mcp": {},
                      "config_store": {"enabled": True}, "logs_store": {}, "cluster_config": {}},
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_configs(name):
    assert errors(VALID[name]) == []


def test_sample_and_fixture_configs_are_valid():
    good = json.load(open(os.path.join(ROOT, "tests", "fixtures", "IGW206", "good", "config.json"), encoding="utf-8"))
    assert errors(good) == []


# ---- invalid configs -------------------------------------------------------------------


INVALID = [
    ("providers-array", seed(providers=[{"provider": "openai", "keys": []}]), [(("providers",), "type")]),
    ("unknown-top-level", seed(provider={}), [((), "additionalProperties")]),
    ("key-without-weight",
     seed(providers={"openai": {"keys": [{"name": "k", "value": "dummy"}]}}),
     [(("providers", "openai", "keys", 0), "required")]),
    ("key-without-name-and-weight",
     seed(providers={"openai": {"keys": [{"value": "dummy"}]}}),
     [(("providers", "openai", "keys", 0), "required")]),  # weight; a key's name is optional (upstream examples)
    ("negative-weight",
     seed(providers={"openai": {"keys": [{"name": "k", "weight": -0.5}]}}),
     [(("providers", "openai", "keys", 0, "weight"), "minimum")]),
    ("weight-as-string",
     seed(providers={"openai": {"keys": [{"name": "k", "weight": "1"}]}}),
     [(("providers", "openai", "keys", 0, "weight"), "type")]),
    ("models-as-string",
     seed(providers={"openai": {"keys": [{"name": "k", "weight": 1, "models": "glm-5"}]}}),
     [(("providers", "openai", "keys", 0, "models"), "type")]),
    ("no-keys", seed(providers={"openai": {"network_config": {}}}), [(("providers", "openai"), "required")]),
    ("empty-keys", seed(providers={"openai": {"keys": []}}), [(("providers", "openai", "keys"), "minItems")]),
    ("misspelt-network-config",
     seed(providers={"openai": {"keys": [{"name": "k", "weight": 1}], "network_confg": {}}}),
     [(("providers", "openai"), "additionalProperties")]),
    ("unknown-network-field",
     seed(providers={"openai": {"keys": [{"name": "k", "weight": 1}], "network_config": {"timeout": 3}}}),
     [(("providers", "openai", "network_config"), "additionalProperties")]),
    ("half-concurrency",
     seed(providers={"openai": {"keys": [{"name": "k", "weight": 1}],
                                "concurrency_and_buffer_size": {"concurrency": 10}}}),
     [(("providers", "openai", "concurrency_and_buffer_size"), "required")]),
    ("proxy-without-type",
     seed(providers={"openai": {"keys": [{"name": "k", "weight": 1}], "proxy_config": {"url": "http://p"}}}),
     [(("providers", "openai", "proxy_config"), "required")]),
    ("plugins-as-map", seed(plugins={"otel": {}}), [(("plugins",), "type")]),
    ("plugin-without-enabled", seed(plugins=[{"name": "logging"}]), [(("plugins", 0), "required")]),
    ("otel-without-config", seed(plugins=[{"enabled": True, "name": "otel"}]), [(("plugins", 0), "required")]),
    ("otel-without-collector-url",
     seed(plugins=[{"enabled": True, "name": "otel", "config": {"trace_type": "otel", "protocol": "http"}}]),
     [(("plugins", 0, "config"), "required")]),
    ("otel-protocol",
     seed(plugins=[{"enabled": True, "name": "otel",
                    "config": {"trace_type": "otel", "protocol": "tcp", "collector_url": "http://c"}}]),
     [(("plugins", 0, "config", "protocol"), "enum")]),
    ("otel-trace-type-not-a-string",
     seed(plugins=[{"enabled": True, "name": "otel",
                    "config": {"trace_type": 1, "protocol": "http", "collector_url": "http://c"}}]),
     [(("plugins", 0, "config", "trace_type"), "type")]),
    ("otel-header-not-string",
     seed(plugins=[{"enabled": True, "name": "otel",
                    "config": {"trace_type": "otel", "protocol": "http", "collector_url": "http://c",
                               "headers": {"x-langfuse-ingestion-version": 4}}}]),
     [(("plugins", 0, "config", "headers", "x-langfuse-ingestion-version"), "type")]),
    ("otel-unknown-field",
     seed(plugins=[{"enabled": True, "name": "otel",
                    "config": {"trace_type": "otel", "protocol": "http", "collector_url": "http://c", "url": "x"}}]),
     [(("plugins", 0, "config"), "additionalProperties")]),
    ("otel-empty-profiles",
     seed(plugins=[{"enabled": True, "name": "otel", "config": {"profiles": []}}]),
     [(("plugins", 0, "config", "profiles"), "minItems")]),
    ("source-of-truth", seed(source_of_truth="configmap"), [(("source_of_truth",), "enum")]),
    ("custom-provider-without-base",
     seed(providers={"my-vllm": {"keys": [{"name": "k", "weight": 1}], "custom_provider_config": {}}}),
     [(("providers", "my-vllm", "custom_provider_config"), "required")]),
]


@pytest.mark.parametrize("name,config,expected", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_configs(name, config, expected):
    assert errors(config) == sorted(expected)


# ---- messages (through the rule) -------------------------------------------------------


def lint_config(tmp_path, config, select="IGW206", name="config.json"):
    path = tmp_path / name
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    result = run([str(path)], Options(select=[select]))
    assert not result.internal_errors, result.internal_errors
    return result.findings


def test_messages_name_the_json_path_and_expected_shape(tmp_path):
    cfg = seed(providers={"openai": {"keys": [{"name": "k", "value": "dummy", "weight": "1"}],
                                     "network_confg": {"base_url": "http://x"}}})
    cfg["plugins"][0]["config"]["protocol"] = "tcp"
    msgs = {f.message.split(";")[0].split(" is ")[0]: f for f in lint_config(tmp_path, cfg)}
    weight = msgs["`providers.openai.keys[0].weight`"]
    assert "expected a number >= 0" in weight.message and weight.severity == "error"
    typo = next(f for f in msgs.values() if "network_confg" in f.message)
    assert "`providers.openai`" in typo.message and "did you mean `network_config`" in typo.message
    assert typo.severity == "warning"
    proto = msgs["`plugins[0].config.protocol`"]
    assert 'expected one of "http", "grpc"' in proto.message


def test_required_and_unknown_key_locations(tmp_path):
    cfg = {"providers": {"openai": {"keys": [{"name": "k"}]}}, "plugins": [], "extra": 1}
    findings = lint_config(tmp_path, cfg)
    text = (tmp_path / "config.json").read_text().splitlines()
    missing = next(f for f in findings if "lacks required `weight`" in f.message)
    assert text[missing.line - 1][missing.column - 1] == "{"  # the object that lacks it
    unknown = next(f for f in findings if "unknown key `extra`" in f.message)
    assert text[unknown.line - 1][unknown.column - 1:].startswith('"extra"')  # the key itself


def test_no_double_report_with_igw201_and_igw202(tmp_path):
    cfg = {
        "providers": [{"provider": "openai", "keys": [{"name": "k", "weight": 1}]}],
        "plugins": [{"enabled": True, "name": "otel",
                     "config": {"trace_type": "genai_extension", "protocol": "http", "collector_url": "http://c"}}],
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg), encoding="utf-8")
    result = run([str(path)], Options(select=["IGW201", "IGW202", "IGW206"]))
    assert sorted(f.rule for f in result.findings) == ["IGW201", "IGW202"]


def test_messages_never_print_long_string_values(tmp_path):
    secret = "sk-ant-api03-Zq8xT4mN2vR7kL1pW9sY3bH6cJ0dF5gA"
    cfg = {"providers": {}, "plugins": [], "source_of_truth": secret}
    (finding,) = lint_config(tmp_path, cfg)
    assert secret not in finding.message and f"{len(secret)}-character string" in finding.message


# ---- discovery --------------------------------------------------------------------------


def load_one(tmp_path, name, text):
    from infergw_lint.loader import load

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (doc,) = load([str(path)]).documents
    return doc


def test_values_file_config_is_found_by_shape(tmp_path):
    doc = load_one(tmp_path, "values.yaml", (
        "replicaCount: 1\n"
        "bifrost:\n"
        "  config:\n"
        "    providers: {openai: {keys: [{name: k, weight: 1}]}}\n"
        "    plugins: []\n"
        "gateway:\n"
        "  nested:\n"
        "    deeper:\n"
        "      $schema: https://www.getbifrost.ai/schema\n"
    ))
    assert doc.flavor == "bifrost"
    assert [c.base for c in bifrost_configs(doc)] == [("bifrost", "config"), ("gateway", "nested", "deeper")]


def test_upstream_chart_values_are_not_a_config(tmp_path):
    doc = load_one(tmp_path, "values.yaml", (
        "bifrost:\n"
        "  appDir: /app/data\n"
        "  providers: {}\n"
        "  plugins: {telemetry: {enabled: true}}\n"
    ))
    assert doc.flavor is None and bifrost_configs(doc) == []


def test_values_search_depth_and_aliases_are_bounded(tmp_path):
    doc = load_one(tmp_path, "values.yaml", (
        "a: &x\n"
        "  b: {c: {d: {providers: {}, plugins: []}}}\n"  # four levels down: not searched
        "e: *x\n"
        "f: *x\n"
    ))
    assert doc.flavor is None
    cyclic: dict = {}
    cyclic["self"] = cyclic
    assert nested_bifrost(cyclic) == []
    wide = {f"k{i}": {"x": {}} for i in range(20000)}
    assert nested_bifrost(wide) == []  # stops after its node budget


def test_json_files_are_not_searched_for_nested_configs(tmp_path):
    doc = load_one(tmp_path, "settings.json", json.dumps({"bifrost": {"providers": {}, "plugins": []}}))
    assert doc.flavor is None


def test_configmap_and_config_json_still_found(tmp_path):
    doc = load_one(tmp_path, "config.json", json.dumps({"providers": {}}))
    assert doc.flavor == "bifrost" and [c.base for c in bifrost_configs(doc)] == [()]
    cm = load_one(tmp_path, "cm.yaml", (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n"
        "  config.json: '{\"providers\": {}, \"plugins\": []}'\n"
    ))
    assert [c.base for c in bifrost_configs(cm)] == [("data", "config.json")]


def test_served_models_is_cached_per_index(tmp_path):
    from infergw_lint.index import Index

    doc = load_one(tmp_path, "config.json", json.dumps({"providers": {
        "openai": {"keys": [{"name": "a", "weight": 1, "models": ["glm-5"]},
                            {"name": "b", "weight": 1, "models": [], "aliases": {"fast": "x"}}]},
        "anthropic": {"keys": [{"name": "c", "weight": 1}]},
    }, "version": 2}))
    index = Index([doc])
    served = served_models(index)
    assert served is served_models(index)
    assert served["openai"].models == {"glm-5", "fast"} and not served["openai"].all_models
    assert served["anthropic"].all_models
    assert served_models(Index([])) is None
