"""Bifrost provider `base_url` that ends in `/v1`.

## What it does

Reports `providers.<name>.network_config.base_url` of a Bifrost config when its path ends
in `/v1` (or `/v1/`), in config.json files, ConfigMaps and Helm values. Providers with
`custom_provider_config.request_path_overrides` (which set their own paths) and values
from the environment (`env.VAR`) are left alone.

## Why

Bifrost appends the API path itself (`/v1/chat/completions`, `/v1/embeddings`, ...) to
the base URL. With `http://vllm:8000/v1` every request goes to
`http://vllm:8000/v1/v1/chat/completions` and vLLM answers 404 (bifrost#517, #6562):
the gateway is up and the model is served, yet no completion succeeds.

## Example

```json
{
  "$schema": "https://www.getbifrost.ai/schema",
  "providers": {
    "openai": {
      "keys": [{"name": "vllm", "value": "dummy", "weight": 1, "models": ["glm-5"]}],
      "network_config": {"base_url": "http://vllm-service.llm.svc.cluster.local:8000/v1"}
    }
  }
}
```

## Fix

Drop the `/v1`: `"base_url": "http://vllm-service.llm.svc.cluster.local:8000"`.

Autofix: yes -- `infergw-lint --fix` removes the trailing `/v1` (and a trailing slash).
"""

from infergw_lint.domain import bifrost_configs
from infergw_lint.rule import Refused, Rule, report
from infergw_lint.urls import parse


def stripped(url: str) -> str | None:
    """``url`` without its trailing ``/v1`` (None when it does not end so)."""
    target = parse(url)
    if target is None or not target.scheme:
        return None
    raw = url.strip()
    body = raw.split("?", 1)[0].split("#", 1)[0]
    if body != raw:
        return None  # a query or fragment: leave it to a person
    trimmed = body.rstrip("/")
    if not trimmed.endswith("/v1"):
        return None
    return trimmed[: -len("/v1")]


class BaseUrlV1(Rule):
    code = "IGW210"
    name = "bifrost-base-url-v1"
    severity = "error"
    flavors = ("k8s", "bifrost")
    k8s_kinds = ("ConfigMap",)  # domain.bifrost_configs: configs are in ConfigMaps only
    tags = ("bifrost", "llm-serving")
    requires = staticmethod(bifrost_configs)  # nothing to report in a document without one
    security_severity = "3.0"
    fix_title = "Remove the trailing /v1 from base_url"

    def check(self, doc, ctx):
        for cfg in bifrost_configs(doc):
            for path, provider, _nc, entry in cfg.base_urls():
                custom = entry.get("custom_provider_config")
                if isinstance(custom, dict) and custom.get("request_path_overrides"):
                    continue
                url = entry["network_config"]["base_url"]
                fixed = stripped(url)
                if fixed is None:
                    continue
                yield report(
                    path,
                    f"provider {provider!r} base_url ends in /v1; Bifrost appends /v1/chat/completions (and the other "
                    f"API paths) itself, so requests go to .../v1/v1/... and fail with 404: use {fixed!r}",
                    help=f"Use {fixed!r}",
                )

    def fix(self, edit, finding, ctx):
        from infergw_lint.yamledit import set_value

        container, key = edit.resolve(finding.field)
        old = edit.get(finding.field)
        if not isinstance(old, str):
            raise Refused("base_url is not a string")
        fixed = stripped(old)
        if fixed is None:
            raise Refused("base_url no longer ends in /v1")
        set_value(container, key, fixed)
        return f"base_url {old!r} -> {fixed!r}"


RULE = BaseUrlV1()
