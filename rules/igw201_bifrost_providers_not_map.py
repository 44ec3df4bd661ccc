"""Bifrost `providers` written as an array instead of a map.

## What it does

Finds Bifrost configs (a `config.json` file, or a ConfigMap data key holding one) and
reports `providers` when it is a JSON array. The finding points at the `providers` key,
inside the embedded JSON when the config sits in a ConfigMap.

A document is a Bifrost config when it carries the Bifrost `$schema`
(https://www.getbifrost.ai/schema) or has `providers` next to `plugins` (or sits in a
file or data key named `config.json`).

## Why

Bifrost's schema defines `providers` as an object keyed by provider name (`openai`,
`anthropic`, ...). An array is not read: the gateway starts with no providers and its UI
shows an empty provider list, so every request fails.

## Example

```json
{
  "providers": [
    {"provider": "openai", "keys": [{"name": "vllm", "value": "dummy", "weight": 1}]}
  ]
}
```

## Fix

Key each provider by its name:

```json
{
  "providers": {
    "openai": {"keys": [{"name": "vllm", "value": "dummy", "weight": 1}]}
  }
}
```

Autofix: yes -- `infergw-lint --fix` keys each entry by its `provider` (or `name`)
field and drops that field; it refuses when a name is missing or repeated.
"""

from infergw_lint.domain import bifrost_configs
from infergw_lint.rule import Rule, report


class ProvidersNotMap(Rule):
    code = "IGW201"
    name = "bifrost-providers-not-map"
    severity = "error"
    flavors = ("k8s", "bifrost")
    tags = ("bifrost", "config")
    security_severity = "5.0"
    fixable = True

    def check(self, doc, ctx):
        for cfg in bifrost_configs(doc):
            providers = cfg.data.get("providers")
            if isinstance(providers, list):
                names = [p.get("provider") or p.get("name") for p in providers if isinstance(p, dict)]
                names = [n for n in names if isinstance(n, str)]
                hint = f" keyed by provider name ({', '.join(repr(n) for n in names[:3])})" if names else " keyed by provider name"
                yield report(
                    cfg.path("providers"),
                    "Bifrost `providers` is an array; Bifrost reads only an object" + hint +
                    ", so no provider is loaded and the UI shows none",
                    key=True,
                )


RULE = ProvidersNotMap()
