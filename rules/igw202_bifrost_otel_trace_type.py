"""Bifrost otel plugin whose `trace_type` is not the value its Bifrost release expects.

## What it does

Reports the `trace_type` of every Bifrost `otel` plugin (its config, or each entry of its
`profiles` list), in config.json files, ConfigMaps and Helm values, when the value is not
what the Bifrost release that reads the config expects. The release comes from the stack
profile (`infergw-lint -v` shows it): the image tag of the workload that mounts the
ConfigMap (`maximhq/bifrost:v1.5.3`), the `image` next to a config in a values file,
`--bifrost-version`, or `versions: {bifrost: ...}` in the configuration.

- **Before v1.5**: `"otel"` (the schema's only value; the deployment guide found that
  `genai_extension` sends no trace Langfuse ingests).
- **v1.5 and later**: `genai_extension` (also `vercel`, `open_inference`). v1.5 renamed
  `otel`; a database migration rewrites stored configs, but a config.json keeps the old
  name, which the v1.5 schema rejects (reported as a warning: the plugin still sends spans).
- **Unknown release**: the deployment guide's rule (`"otel"`), and the message names
  what each release range expects and how to state the version.

It also reports, on the plugin's `name`, an enabled otel plugin on a release known to send
no spans (v1.5.12 to v1.5.13, bifrost#4455). The ranges live in
`schemas/bifrost-releases.json`. The rule option `trace_types` overrides the accepted
values (`rules: {IGW202: {options: {trace_types: [genai_extension]}}}`).

## Why

With a value its release does not know, Bifrost runs and requests succeed, but no trace
reaches Langfuse (or, from v1.5, every start logs a schema error for the config), and
nothing says why.

## Example

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: bifrost, namespace: llm}
spec:
  template:
    spec:
      containers:
      - {name: bifrost, image: maximhq/bifrost:v1.4.2}
      volumes:
      - name: config
        configMap: {name: bifrost-config}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: bifrost-config, namespace: llm}
data:
  config.json: |
    {"$schema": "https://www.getbifrost.ai/schema",
     "plugins": [{"name": "otel", "enabled": true,
                  "config": {"trace_type": "genai_extension", "protocol": "http",
                             "collector_url": "http://langfuse-web:3000/api/public/otel/v1/traces"}}]}
```

## Fix

Write the value of the release that runs: `"trace_type": "otel"` on v1.4.2 above,
`"genai_extension"` on v1.5 and later. If the linter guessed the release wrong, state it
(`--bifrost-version 1.5` or `versions: {bifrost: "1.5"}`).

Autofix: yes -- `infergw-lint --fix` writes the value the profile's release expects (`otel`
before v1.5 and for an unknown release, `genai_extension` from v1.5), or the one value the
`trace_types` option accepts; it does nothing for a known-broken release.
"""

from infergw_lint.bifrost_releases import broken, describe_ranges, range_for
from infergw_lint.domain import bifrost_configs
from infergw_lint.rule import Refused, Rule, option, report
from infergw_lint.versions import bifrost_for_finding

SEED_VALUE = "otel"  # the deployment guide's value (releases before v1.5)


def expectation(rule, ctx, version) -> tuple[list, str | None, str]:
    """(accepted values, the value a fix writes or None, who says so) for a config read by
    ``version`` (a versions.Version)."""
    configured = option(ctx, rule, "trace_types", None)
    if configured is not None:
        accepted = [configured] if isinstance(configured, str) else [t for t in configured if isinstance(t, str)]
        want = accepted[0] if len(accepted) == 1 else (SEED_VALUE if SEED_VALUE in accepted else None)
        return accepted, want, "the rule option trace_types"
    release = range_for(version)
    if release is None:
        return [SEED_VALUE], SEED_VALUE, ""
    accepted = list(release["trace_types"])
    return accepted, accepted[0], f"Bifrost {version} ({version.source})"


class OtelTraceType(Rule):
    code = "IGW202"
    name = "bifrost-otel-trace-type"
    severity = "error"
    flavors = ("k8s", "bifrost")
    k8s_kinds = ("ConfigMap",)  # domain.bifrost_configs: configs are in ConfigMaps only
    tags = ("bifrost", "observability")
    requires = staticmethod(bifrost_configs)  # nothing to report in a document without one
    security_severity = "4.0"
    fix_title = "Set trace_type to the value of the Bifrost release that reads the config"

    def check(self, doc, ctx):
        configs = bifrost_configs(doc)
        if not configs:
            return
        version = ctx.versions.bifrost_for(doc)
        accepted, _, why = expectation(self, ctx, version)
        shown = " or ".join(f'"{t}"' for t in accepted)
        bad_release = broken(version, "otel")
        for cfg in configs:
            if bad_release is not None:
                yield from self._broken(cfg, version, bad_release)
            for path, config in cfg.otel_profiles():
                value = config.get("trace_type")
                if "trace_type" not in config or value in accepted:
                    continue
                renamed = value == SEED_VALUE and version.at_least("1.5") is True and why.startswith("Bifrost")
                if renamed:
                    message = (
                        f"otel trace_type is \"otel\", the name before Bifrost v1.5; {why} expects {shown}: the "
                        "plugin still sends spans, but the config fails Bifrost's schema check"
                    )
                elif not why:
                    fix = version.how_to_state()
                    fix = fix[:1].upper() + fix[1:]
                    message = (
                        f"otel trace_type is {value!r}, not the assumed \"otel\": the Bifrost release is unknown "
                        f"({version.source}), so the deployment guide's \"otel\" is assumed ({describe_ranges()}). "
                        f"{fix}"
                    )
                else:
                    message = (
                        f"otel trace_type is {value!r}; {why} accepts {shown}: with another value no trace reaches "
                        "Langfuse"
                    )
                yield report(path + ("trace_type",), message, severity="warning" if renamed else None,
                             help=f"Set trace_type to {shown}" if why else fix)

    @staticmethod
    def _broken(cfg, version, entry):
        plugins = cfg.data.get("plugins")
        for i, plugin in enumerate(plugins if isinstance(plugins, list) else ()):
            if isinstance(plugin, dict) and plugin.get("name") == "otel" and plugin.get("enabled") is not False:
                fix = f"Run a release outside v{entry['from']}-v{entry['to']}"
                yield report(
                    cfg.path("plugins", i, "name"),
                    f"Bifrost {version} is a release in which {entry['what']}: the release is that of "
                    f"{version.source} (v{entry['from']} to v{entry['to']}, {entry['sources']}), and no trace "
                    f"reaches Langfuse whatever the config says. {fix}",
                    help=fix,
                )

    def fix(self, edit, finding, ctx):
        from infergw_lint.yamledit import set_value

        if finding.field[-1:] != ("trace_type",):
            raise Refused("a known-broken Bifrost release is fixed by changing the image, not the config")
        version = bifrost_for_finding(ctx, finding)
        accepted, want, _ = expectation(self, ctx, version)
        if want is None:
            raise Refused(f"the trace_types option accepts {', '.join(map(repr, accepted))}; choose one by hand")
        container, key = edit.resolve(finding.field)
        old = edit.get(finding.field)
        if old == want:
            raise Refused(f"trace_type is already {want!r}")
        if not isinstance(container, dict):
            raise Refused("the otel plugin config is not an object")
        set_value(container, key, want)
        return f"trace_type {old!r} -> {want!r} (Bifrost {version})"


RULE = OtelTraceType()
