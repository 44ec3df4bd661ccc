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
from infergw_lint.rule import Refused, Rule, report


class ProvidersNotMap(Rule):
    code = "IGW201"
    name = "bifrost-providers-not-map"
    severity = "error"
    flavors = ("k8s", "bifrost")
    k8s_kinds = ("ConfigMap",)  # domain.bifrost_configs: configs are in ConfigMaps only
    tags = ("bifrost", "config")
    requires = staticmethod(bifrost_configs)  # nothing to report in a document without one
    security_severity = "5.0"
    fix_order = 3  # reshapes `providers`: after the fixes that change values inside it
    fix_title = "Key each provider by its name"

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
                    help="Key each provider by its name" + (
                        f" ({', '.join(repr(n) for n in names[:3])})" if names else ""),
                )


    def fix(self, edit, finding, ctx):
        from infergw_lint.yamledit import give_trailing, is_rt_seq, new_map_like, remove_key, set_eol, set_value, take_trailing

        container, key = edit.resolve(finding.field)
        providers = edit.get(finding.field)
        if not isinstance(providers, list):
            raise Refused("`providers` is no longer an array")
        names, problems = [], []
        for i, entry in enumerate(providers):
            if not isinstance(entry, dict):
                problems.append(f"entry #{i + 1} is not an object")
                continue
            prov, name = entry.get("provider"), entry.get("name")
            field_name = "provider" if isinstance(prov, str) and prov else ("name" if isinstance(name, str) and name else None)
            if field_name is None:
                problems.append(f"entry #{i + 1} has no `provider` (or `name`) string")
                continue
            names.append((entry[field_name], field_name))
        if problems:
            raise Refused("cannot key providers by name: " + "; ".join(problems) + "; add the names, then rerun --fix")
        seen, dups = set(), []
        for n, _ in names:
            if n in seen and n not in dups:
                dups.append(n)
            seen.add(n)
        if dups:
            raise Refused(
                "cannot key providers by name: " + ", ".join(repr(d) for d in dups) + " appears more than once; "
                "merge the keys of those entries into one provider by hand"
            )
        new = new_map_like(providers)
        for i, (entry, (n, field_name)) in enumerate(zip(providers, names)):
            trailing = take_trailing(providers, i) if is_rt_seq(providers) else ""
            eol = remove_key(entry, field_name)
            new[n] = entry
            set_eol(new, n, eol, -(eol.column or 0) if eol is not None else 0)  # "name:  # comment" -> "key: # comment"
            give_trailing(new, n, trailing)
        set_value(container, key, new)
        shown = ", ".join(repr(n) for n, _ in names) or "no provider"
        return f"`providers` array -> object keyed by provider name ({shown})"


RULE = ProvidersNotMap()
