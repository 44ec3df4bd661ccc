"""Bifrost otel plugin with a `trace_type` other than "otel".

## What it does

Reports the `trace_type` value of every Bifrost `otel` plugin whose value is not
`"otel"` (for example `"genai_extension"`), in config.json files and in ConfigMaps.

## Why

The Bifrost release the deployment guide targets accepts only `"otel"` (its
config.schema.json enum), and the guide found that with `genai_extension` the plugin emits
spans Langfuse does not ingest: the gateway runs, requests succeed, and no trace ever
reaches Langfuse.

Upstream has since changed: newer Bifrost documentation lists `genai_extension` (the
recommended GenAI semantic conventions), `vercel` and `open_inference` instead. If your
Bifrost is one of those releases, tell the rule which values your release accepts with the
rule option `trace_types` in `.infergw-lint.yaml`:

```yaml
rules:
  IGW202:
    options: {trace_types: [genai_extension]}
```

## Example

```json
{"name": "otel", "enabled": true,
 "config": {"trace_type": "genai_extension", "protocol": "http",
            "collector_url": "http://langfuse-web:3000/api/public/otel/v1/traces"}}
```

## Fix

Set `"trace_type": "otel"`.

Autofix: yes -- `infergw-lint --fix` sets `trace_type` to `"otel"` (or to the one value
the `trace_types` option accepts).
"""

from infergw_lint.domain import bifrost_configs
from infergw_lint.rule import Refused, Rule, option, report


class OtelTraceType(Rule):
    code = "IGW202"
    name = "bifrost-otel-trace-type"
    severity = "error"
    flavors = ("k8s", "bifrost")
    tags = ("bifrost", "observability")
    security_severity = "4.0"
    fix_title = "Set trace_type to the accepted value"

    def check(self, doc, ctx):
        accepted = option(ctx, self, "trace_types", ["otel"])
        if isinstance(accepted, str):
            accepted = [accepted]
        shown = " or ".join(f'"{t}"' for t in accepted)
        for cfg in bifrost_configs(doc):
            for path, config in cfg.otel_plugins():
                if "trace_type" in config and config["trace_type"] not in accepted:
                    yield report(
                        path + ("trace_type",),
                        f"otel plugin trace_type is {config['trace_type']!r}; this Bifrost release accepts {shown} "
                        "and other values keep traces from reaching Langfuse (rule option trace_types)",
                    )


    def fix(self, edit, finding, ctx):
        from infergw_lint.yamledit import set_value

        accepted = option(ctx, self, "trace_types", ["otel"])
        accepted = [accepted] if isinstance(accepted, str) else [t for t in accepted or () if isinstance(t, str)]
        if "otel" in accepted or not accepted:
            want = "otel"
        elif len(accepted) == 1:
            want = accepted[0]
        else:
            raise Refused(f"the trace_types option accepts {', '.join(map(repr, accepted))}; choose one by hand")
        container, key = edit.resolve(finding.field)
        old = edit.get(finding.field)
        if old == want:
            raise Refused(f"trace_type is already {want!r}")
        if not isinstance(container, dict):
            raise Refused("the otel plugin config is not an object")
        set_value(container, key, want)
        return f"trace_type {old!r} -> {want!r}"


RULE = OtelTraceType()
