"""Client model name without the `provider/` prefix Bifrost needs.

## What it does

Reads IDE and CLI client configs and reports a model name that Bifrost cannot route:

- Continue (`config.json` / `config.yaml`, `models[].model`, for models with
  `provider: openai` or no provider) and Cline (`openAiModelId`) send the model string
  unchanged, so it must be `provider/model` (`openai/glm-5`).
- Aider (`.aider.conf.yml` `model`, `weak-model`, `editor-model`) goes through
  LiteLLM, which strips the first `provider/` prefix: a model routed to an OpenAI-
  compatible base needs the double prefix `openai/openai/glm-5`.

## Why

Bifrost resolves the provider from the prefix. `glm-5` or `openai-glm-5` has none and
the request fails with an unknown-provider error; Aider's `openai/glm-5` arrives at
Bifrost as `glm-5` and fails the same way.

## Example

```yaml
# .aider.conf.yml
model: openai/glm-5
openai-api-base: http://gateway.example.com/v1
```

## Fix

Continue/Cline: `model: openai/glm-5`. Aider: `model: openai/openai/glm-5`.

Autofix: yes, when exactly one Bifrost provider in the linted files lists the model:
`infergw-lint --fix` adds its prefix (the double prefix for Aider).
"""

import re

from infergw_lint.domain import client_models, serving_providers
from infergw_lint.rule import Rule, report

PREFIXED = re.compile(r"^[^/\s]+/\S+$")
DOUBLE = re.compile(r"^[^/\s]+/[^/\s]+/\S+$")


class ModelNotPrefixed(Rule):
    code = "IGW301"
    name = "model-name-not-prefixed"
    severity = "error"
    flavors = ("continue", "aider", "cline")
    tags = ("clients", "bifrost")
    security_severity = "3.0"
    fixable = True

    def _suggest(self, ctx, model: str) -> str:
        served = serving_providers(ctx.index)
        bare = model.split("/")[-1]
        providers = served.get(bare)
        if providers and len(providers) == 1:
            return f"{next(iter(providers))}/{bare}"
        m = re.match(r"^(openai|anthropic|vllm|azure|bedrock|gemini|mistral|groq|ollama)-(.+)$", bare)
        if m:
            return f"{m.group(1)}/{m.group(2)}"
        return f"openai/{bare}"

    def check(self, doc, ctx):
        data = doc.data
        for cm in client_models(doc):
            model = cm.model.strip()
            if cm.client == "aider":
                routed = model.startswith("openai/") or "openai-api-base" in data
                if not routed or DOUBLE.match(model):
                    continue
                sent = model.split("/", 1)[1] if "/" in model else model
                good = "openai/" + (sent if PREFIXED.match(sent) else self._suggest(ctx, sent))
                yield report(
                    cm.path,
                    f"Aider passes {model!r} through LiteLLM, which strips the first prefix: Bifrost "
                    f"receives {sent!r}. Use the double prefix {good!r}",
                )
                continue
            if cm.client == "continue":
                models = data.get("models")
                entry = models[cm.path[1]] if isinstance(models, list) else {}
                provider = entry.get("provider") if isinstance(entry, dict) else None
                if provider not in (None, "openai"):
                    continue
            if PREFIXED.match(model):
                continue
            yield report(
                cm.path,
                f"model {model!r} has no provider prefix; Bifrost routes by 'provider/model', "
                f"e.g. {self._suggest(ctx, model)!r}",
            )


RULE = ModelNotPrefixed()
