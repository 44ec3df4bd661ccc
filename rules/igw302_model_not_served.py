"""Client model that no Bifrost provider key in the set serves.

## What it does

When the linted set (`--context` included) holds at least one Bifrost config, checks
every client model that goes through Bifrost as `provider/model`:

- Continue `models[].model` (entries with `provider: openai` or none) and Cline
  `openAiModelId`: the string as written;
- Aider `model`/`weak-model`/`editor-model` with `openai-api-base` set: LiteLLM
  strips the first `openai/`, so `openai/openai/glm-5` reaches Bifrost as
  `openai/glm-5`. Models LiteLLM sends elsewhere are not checked.

Reports the model when its provider is not a key of any Bifrost `providers` map in the
set, or when none of that provider's keys lists the model. A key without a `models`
list (or with `"*"`) serves every model of its provider; an empty list does too, except
where it denies every model: with `"version": 2`, or without `"version": 1` on Bifrost
v1.5 and later (the release from the stack profile; an unknown release is given the
benefit of the doubt). A provider without keys (`ollama`, a key-less custom provider)
serves any model; `aliases` names count as listed. Bifrost configs written with
`providers` as an array (IGW201) are read by each entry's `provider` name. Names without a `provider/` prefix are IGW301's.

## Why

Bifrost routes `openai/gpt-4o` to the `openai` provider and picks a key whose
`models` contains `gpt-4o`. When no key lists it, every request from that client
fails (no key found for the model) even though the gateway, the route and the client's
base URL are all right: the mismatch lives in two different files.

## Example

```jsonc
// .continue/config.json
{"models": [{"provider": "openai", "model": "openai/gpt-4o", "apiBase": "http://gateway/v1"}]}

// Bifrost config.json
{"providers": {"openai": {"keys": [{"name": "vllm", "value": "dummy", "weight": 1, "models": ["glm-5"]}]}}}
```

## Fix

Point the client at a model a key serves (`openai/glm-5`), or add the model to a key's
`models` list (or a provider for it) in the Bifrost config.

Autofix: no.
"""

from __future__ import annotations


from infergw_lint.domain import client_models, served_models
from infergw_lint.rule import Rule, close_matches, report


def routed_model(doc, cm) -> str | None:
    """The model string Bifrost receives from a client entry, or None when the entry
    does not go through Bifrost as provider/model."""
    model = cm.model.strip()
    data = doc.data
    if cm.client == "aider":
        if "openai-api-base" not in data or not model.startswith("openai/"):
            return None
        model = model.split("/", 1)[1]
    elif cm.client == "continue":
        models = data.get("models")
        idx = cm.path[1] if len(cm.path) > 1 else None
        entry = models[idx] if isinstance(models, list) and isinstance(idx, int) and idx < len(models) else {}
        provider = entry.get("provider") if isinstance(entry, dict) else None
        if provider not in (None, "openai"):
            return None
    provider, sep, name = model.partition("/")
    if not sep or not provider or not name or any(ch.isspace() for ch in model):
        return None
    return model


class ModelNotServed(Rule):
    code = "IGW302"
    name = "model-not-served"
    severity = "error"
    flavors = ("continue", "aider", "cline")
    tags = ("clients", "bifrost", "reference")
    security_severity = "3.0"

    def check(self, doc, ctx):
        served = served_models(ctx.index, ctx.versions)
        if served is None:
            return
        for cm in client_models(doc):
            model = routed_model(doc, cm)
            if model is None:
                continue
            provider, _, name = model.partition("/")
            entry = served.get(provider)
            sent = f" (Bifrost receives {model!r})" if model != cm.model.strip() else ""
            if entry is None:
                known = ", ".join(sorted(served)) or "none"
                fix = self._hint(served, provider, name, cm.client)
                yield report(
                    cm.path,
                    f"no Bifrost config in the set defines provider {provider!r}: model {cm.model.strip()!r}{sent} "
                    f"names it (providers: {known}), so every request fails. {fix}",
                    help=fix,
                )
            elif not entry.serves(name):
                listed = ", ".join(sorted(entry.models)[:8]) or "none"
                empty = (
                    "; a key's empty models list denies every model from Bifrost v1.5 unless the config sets "
                    '"version": 1 (IGW215)' if entry.denied_empty else ""
                )
                fix = self._hint(served, provider, name, cm.client)
                yield report(
                    cm.path,
                    f"no key of Bifrost provider {provider!r} lists {name!r}: model {cm.model.strip()!r}{sent} asks "
                    f"for it (its keys list: {listed}{empty}), so every request fails. {fix}",
                    help=fix,
                )

    @staticmethod
    def _hint(served: dict, provider: str, name: str, client: str) -> str:
        lead = "openai/" if client == "aider" else ""  # Aider needs LiteLLM's extra prefix
        listing = sorted(p for p, s in served.items() if p != provider and name in s.models)
        if listing:
            other = listing[0]
            return f"Provider {other!r} serves it: use '{lead}{other}/{name}'."
        entry = served.get(provider)
        if entry is None:
            close = close_matches(provider, sorted(served), n=1, cutoff=0.75)
            if close:
                return f"Did you mean '{lead}{close[0]}/{name}'? Otherwise add a {provider!r} provider to the Bifrost config."
            return f"Use a served model, or add a {provider!r} provider to the Bifrost config."
        close = close_matches(name, sorted(entry.models), n=1, cutoff=0.75)
        if close:
            return f"Did you mean '{lead}{provider}/{close[0]}'? Otherwise add {name!r} to a key's models list."
        return f"Use a served model, or add {name!r} to a key's models list."


RULE = ModelNotServed()
