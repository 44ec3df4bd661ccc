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


A client model is checked only when it is sent to the Bifrost gateway: its base URL
(Continue `apiBase`, Aider `openai-api-base`, Cline `openAiBaseUrl`) starts with an entry of
`--gateway` / the configuration's `gateways:`, or its host is one that reaches Bifrost in the
linted set -- a Service that selects a `maximhq/bifrost` workload (or is named bifrost), by
its DNS names, or a hostname of an HTTPRoute (else of its listener) that routes to such a
Service -- or names bifrost. A Continue config is recognised by its shape (`models` entries
with `provider` and `model`, and `apiBase` or `schema: v1`), whatever the file is called.
The suggestion is a real split: the Bifrost provider whose keys list the model, else the
model family's provider (`gemini-2.5-flash` -> `gemini/gemini-2.5-flash`, never
`gemini/2.5-flash`), else the client's provider or `openai`, in front of the name as written.

**Not judged** (deliberately): a model without a base URL (Continue then calls the
provider's own API: `provider: openai` without `apiBase` is OpenAI itself) or whose base URL
points elsewhere (a local Ollama, another OpenAI-compatible server); Continue models of a
provider other than `openai`; whether Bifrost serves the model (IGW302).

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

from infergw_lint.lazyre import lazy
from infergw_lint.domain import bifrost_configs, client_base_url, client_models, serving_providers, talks_to_bifrost
from infergw_lint.rule import Refused, Rule, report

# providers a client names that are Bifrost providers too (its own prefix is then the right one)
CLIENT_PROVIDERS = frozenset({"openai", "anthropic", "azure", "bedrock", "gemini", "vertex", "mistral", "groq", "ollama", "cohere"})
# model-name families and the Bifrost provider that serves them by default
MODEL_FAMILIES = (
    ("gemini-", "gemini"), ("claude-", "anthropic"), ("gpt-", "openai"), ("o1", "openai"), ("o3", "openai"),
    ("o4", "openai"), ("mistral-", "mistral"), ("codestral", "mistral"), ("command-", "cohere"),
)
PREFIXED = lazy(r"^[^/\s]+/\S+$")
DOUBLE = lazy(r"^[^/\s]+/[^/\s]+/\S+$")


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

    def _suggest(self, ctx, model: str, provider: str | None = None) -> str:
        """A real ``provider/model`` for a bare name: the Bifrost provider whose keys list
        the model in the linted set; else the client's own provider (Continue's
        ``provider: openai`` is how a vLLM model behind Bifrost is reached) or ``openai``,
        in front of the model name as written.  The name itself is never split: a model
        called ``gemini-2.5-flash`` becomes ``gemini/gemini-2.5-flash``, never
        ``gemini/2.5-flash``; ``openai-gpt-4o`` becomes ``openai/gpt-4o`` only when a
        provider openai in the set serves ``gpt-4o``."""
        served = serving_providers(ctx.index, getattr(ctx, "versions", None))
        bare = model.split("/")[-1]
        providers = served.get(bare)
        if providers and len(providers) == 1:
            return f"{next(iter(providers))}/{bare}"
        head, sep, rest = bare.partition("-")
        if sep and head in (served.get(rest) or ()):
            return f"{head}/{rest}"
        family = next((p for prefix, p in MODEL_FAMILIES if bare.lower().startswith(prefix)), None)
        if family:
            return f"{family}/{bare}"
        return f"{provider if provider in CLIENT_PROVIDERS else 'openai'}/{bare}"

    def check(self, doc, ctx):
        data = doc.data
        gateways = getattr(ctx.options, "gateways", ())
        for cm in client_models(doc):
            model = cm.model.strip()
            if not talks_to_bifrost(client_base_url(doc, cm), ctx.index, gateways):
                continue  # not sent to the Bifrost gateway: another service's naming rules
            if cm.client == "aider":
                if DOUBLE.match(model):
                    continue
                sent = model.split("/", 1)[1] if "/" in model else model
                good = "openai/" + (sent if PREFIXED.match(sent) else self._suggest(ctx, sent))
                yield report(
                    cm.path,
                    f"Aider passes {model!r} through LiteLLM, which strips the first prefix: Bifrost "
                    f"receives {sent!r}. Use the double prefix {good!r}",
                    help=f"Use the double prefix {good!r}",
                )
                continue
            provider = None
            if cm.client == "continue":
                models = data.get("models")
                entry = models[cm.path[1]] if isinstance(models, list) else {}
                provider = entry.get("provider") if isinstance(entry, dict) else None
                if provider not in (None, "openai"):
                    continue
            if PREFIXED.match(model):
                continue
            yield self._bare(ctx, cm, model, provider)

    def _bare(self, ctx, cm, model, provider=None):
        """A bare model name sent unchanged (not through LiteLLM): an error before Bifrost
        v1.5; from v1.5 the model catalog may resolve it (a warning)."""
        from infergw_lint.bifrost_releases import feature, feature_from

        release = ctx.versions.bifrost
        catalog = feature(release, "model_catalog")
        good = self._suggest(ctx, model, provider)
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
