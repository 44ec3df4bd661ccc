"""Bifrost key or virtual key with an empty model list, which from v1.5 allows no model.

## What it does

Reports an empty `models` list of a provider key (`providers.<name>.keys[].models: []`)
and an empty `allowed_models` or `key_ids` of a virtual key's provider config
(`governance.virtual_keys[].provider_configs[]`) when the Bifrost release that reads the
config treats empty as "none": v1.5 and later without `"version": 1` at the top of the
config, or any release with `"version": 2`. Before v1.5 (and with `"version": 1`) empty
means "all" and nothing is reported; for an unknown release nothing is reported either
(the message of IGW302 says what each release does).

## Why

Bifrost v1.5 changed the meaning of an empty allow-list from "everything" to "nothing"
(bifrost#2717, #3282, PR #2224). A config written for v1.4, where `"models": []` served
every model, silently stops serving after the upgrade: every request through that key
fails with no key found for the model.

## Example

```json
{
  "$schema": "https://www.getbifrost.ai/schema",
  "providers": {"openai": {"keys": [{"name": "vllm", "value": "dummy", "weight": 1, "models": []}]}}
}
```

## Fix

List the models (`["glm-5"]`), write `["*"]` for every model, or keep the v1.4 meaning
for the whole file with `"version": 1` at its top.

Autofix: no -- whether the key should serve every model or none is your decision.
"""

from infergw_lint.domain import bifrost_configs, empty_models_deny
from infergw_lint.rule import Rule, report


def _empty_lists(cfg):
    for ppath, provider, entry in cfg.providers():
        for i, key in enumerate(entry.get("keys") if isinstance(entry.get("keys"), list) else ()):
            if isinstance(key, dict) and key.get("models") == []:
                yield ppath + ("keys", i, "models"), f"key {key.get('name') or i!s} of provider {provider!r}", "models"
    gov = cfg.data.get("governance")
    vks = gov.get("virtual_keys") if isinstance(gov, dict) else None
    for i, vk in enumerate(vks if isinstance(vks, list) else ()):
        if not isinstance(vk, dict):
            continue
        for j, pc in enumerate(vk.get("provider_configs") if isinstance(vk.get("provider_configs"), list) else ()):
            if not isinstance(pc, dict):
                continue
            for field in ("allowed_models", "key_ids"):
                if pc.get(field) == []:
                    yield (
                        cfg.path("governance", "virtual_keys", i, "provider_configs", j, field),
                        f"virtual key {vk.get('id') or i!s} ({pc.get('provider') or 'provider'})",
                        field,
                    )


class EmptyModelsDenyAll(Rule):
    code = "IGW215"
    name = "bifrost-empty-models-deny-all"
    severity = "warning"
    flavors = ("k8s", "bifrost")
    k8s_kinds = ("ConfigMap",)  # domain.bifrost_configs: configs are in ConfigMaps only
    tags = ("bifrost", "llm-serving", "compatibility")
    requires = staticmethod(bifrost_configs)  # nothing to report in a document without one
    security_severity = "2.0"

    def check(self, doc, ctx):
        configs = bifrost_configs(doc)
        if not configs:
            return
        version = ctx.versions.bifrost_for(doc)
        for cfg in configs:
            if empty_models_deny(cfg.data, version) is not True:
                continue
            why = 'the config sets "version": 2' if cfg.data.get("version") == 2 else (
                f"Bifrost {version} ({version.source}) reads an empty list as none (from v1.5) and the config does not "
                'set "version": 1'
            )
            for path, owner, field in _empty_lists(cfg):
                what = "model" if field != "key_ids" else "key"
                yield report(
                    path,
                    f"{owner} has an empty {field} list, which allows no {what}: {why}, so every request through it "
                    f'fails; list them, write ["*"] for all, or set "version": 1',
                    help='List them, write ["*"] for all, or set "version": 1',
                )


RULE = EmptyModelsDenyAll()
