"""Client model name without the `provider/` prefix Bifrost needs.

## What it does

Reads IDE and CLI client configs and reports a model name that Bifrost cannot route:

- Continue (`config.json` / `config.yaml`, `models[].model`, for models with
  `provider: openai` or no provider) and Cline (`openAiModelId`) send the model string
  unchanged, so it must be `provider/model` (`openai/glm-5`).
- Aider (`.aider.conf.yml` `model`, `weak-model`, `editor-model`) goes through
  LiteLLM, which strips the first `provider/` prefix: a model routed to an OpenAI-
  compatible base needs the double prefix `openai/openai/glm-5`.

A bare name sent unchanged is an error before Bifrost v1.5. From v1.5 Bifrost can
resolve bare names through its model catalog, so there the finding is a warning (a name
the catalog does not know still fails). The release is the stack profile's (`-v` shows
it); when it is unknown the rule assumes a release before v1.5 and says so. Aider is
reported whatever the release: LiteLLM strips the prefix before Bifrost sees the name.

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

import os
import re

from infergw_lint.domain import bifrost_configs, client_models, serving_providers
from infergw_lint.rule import Refused, Rule, report

PREFIXED = re.compile(r"^[^/\s]+/\S+$")
DOUBLE = re.compile(r"^[^/\s]+/[^/\s]+/\S+$")


def providers_listing(index) -> tuple[dict, set]:
    """(model -> Bifrost provider names whose keys list it in ``models``, every provider
    name), over every Bifrost config in the linted set (array-form providers included);
    what the fix goes by: a model is prefixed only when exactly one provider lists it."""
    def build():
        served: dict = {}
        names: set = set()
        for doc in getattr(index, "documents", None) or ():
            for cfg in bifrost_configs(doc):
                providers = cfg.data.get("providers")
                if isinstance(providers, dict):
                    entries = [(k, v) for k, v in providers.items() if isinstance(k, str)]
                elif isinstance(providers, list):
                    entries = []
                    for p in providers:
                        if isinstance(p, dict):
                            n = p.get("provider") if isinstance(p.get("provider"), str) else p.get("name")
                            if isinstance(n, str) and n:
                                entries.append((n, p))
                else:
                    continue
                for pname, entry in entries:
                    names.add(pname)
                    keys = entry.get("keys") if isinstance(entry, dict) else None
                    for key in keys if isinstance(keys, list) else ():
                        models = key.get("models") if isinstance(key, dict) else None
                        for m in models if isinstance(models, list) else ():
                            if isinstance(m, str) and m:
                                served.setdefault(m, set()).add(pname)
        return served, names

    return index.memo("igw301-fix-providers", build) if index is not None else build()


class ModelNotPrefixed(Rule):
    code = "IGW301"
    name = "model-name-not-prefixed"
    severity = "error"
    flavors = ("continue", "aider", "cline")
    tags = ("clients", "bifrost")
    security_severity = "3.0"
    fix_title = "Add the provider prefix of the Bifrost provider that serves the model"

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
            yield self._bare(ctx, cm, model)

    def _bare(self, ctx, cm, model):
        """A bare model name sent unchanged (not through LiteLLM): an error before Bifrost
        v1.5; from v1.5 the model catalog may resolve it (a warning)."""
        from infergw_lint.bifrost_releases import feature, feature_from

        release = ctx.versions.bifrost
        catalog = feature(release, "model_catalog")
        good = self._suggest(ctx, model)
        if catalog:
            return report(
                cm.path,
                f"model {model!r} has no provider prefix; Bifrost {release} ({release.source}) may resolve it "
                f"through its model catalog, but only a name the catalog knows: write {good!r} to route it for sure",
                severity="warning",
            )
        assumed = ""
        if catalog is None:
            assumed = (
                f" (the Bifrost release is unknown, so a release before v{feature_from('model_catalog')} is assumed; "
                f"from v{feature_from('model_catalog')} bare names may resolve through the model catalog: "
                f"{release.how_to_state()})"
            )
        return report(
            cm.path,
            f"model {model!r} has no provider prefix; Bifrost routes by 'provider/model', e.g. {good!r}{assumed}",
        )


    def fix(self, edit, finding, ctx):
        from infergw_lint.yamledit import set_value

        container, key = edit.resolve(finding.field)
        model = edit.get(finding.field)
        if not isinstance(model, str) or not model.strip():
            raise Refused("the model name is not a string")
        model = model.strip()
        aider = os.path.basename(finding.path).lower() in (".aider.conf.yml", ".aider.conf.yaml")
        if aider:
            if model.count("/") > 1:
                raise Refused("the model already has two prefixes")
            if "/" in model and not model.startswith("openai/"):
                raise Refused(
                    f"{model!r} names the LiteLLM provider {model.split('/', 1)[0]!r}, which does not go through "
                    "the OpenAI-compatible gateway; choose the model by hand"
                )
        elif PREFIXED.match(model):
            raise Refused("the model already has a provider prefix")
        bare = model.split("/")[-1]
        served, names = providers_listing(ctx.index)
        providers = sorted(served.get(bare, ()))
        if not providers and len(names) == 1:
            providers = sorted(names)
        if not providers:
            where = "no Bifrost config is in the linted files" if not names else "no Bifrost provider lists it in keys[].models"
            raise Refused(f"cannot tell which provider serves {bare!r}: {where}; write the prefix by hand (or lint the Bifrost config too)")
        if len(providers) > 1:
            raise Refused(
                f"{len(providers)} Bifrost providers serve {bare!r} ({', '.join(providers)}); write the prefix you mean by hand"
            )
        new = f"{providers[0]}/{bare}"
        if aider:
            new = "openai/" + new
        set_value(container, key, new)
        return f"model {model!r} -> {new!r}"


RULE = ModelNotPrefixed()
