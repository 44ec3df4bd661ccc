"""Bifrost otel plugin with a `trace_type` other than "otel".

What it does
------------
Reports the ``trace_type`` value of every Bifrost ``otel`` plugin whose value is not
``"otel"`` (for example ``"genai_extension"``), in config.json files and in ConfigMaps.

Why
---
Bifrost's schema allows only ``"otel"``. With ``genai_extension`` the plugin emits spans
Langfuse does not ingest: the gateway runs, requests succeed, and no trace ever reaches
Langfuse.

Example
-------
    {"name": "otel", "enabled": true,
     "config": {"trace_type": "genai_extension", "protocol": "http",
                "collector_url": "http://langfuse-web:3000/api/public/otel/v1/traces"}}

Fix
---
Set ``"trace_type": "otel"``.
"""

from infergw_lint.domain import bifrost_configs
from infergw_lint.rule import Rule, report


class OtelTraceType(Rule):
    code = "IGW202"
    name = "bifrost-otel-trace-type"
    severity = "error"
    flavors = ("k8s", "bifrost")
    tags = ("bifrost", "observability")
    security_severity = "4.0"

    def check(self, doc, ctx):
        for cfg in bifrost_configs(doc):
            for path, config in cfg.otel_plugins():
                if "trace_type" in config and config["trace_type"] != "otel":
                    yield report(
                        path + ("trace_type",),
                        f"otel plugin trace_type is {config['trace_type']!r}; Bifrost accepts only \"otel\" "
                        "and other values keep traces from reaching Langfuse",
                    )


RULE = OtelTraceType()
