"""Bifrost provider with an in-cluster or private `base_url` but no `allow_private_network`.

## What it does

Reports `providers.<name>.network_config.base_url` of a Bifrost config when it names an
in-cluster Service (`http://vllm.llm.svc.cluster.local:8000`, a short `http://vllm:8000`)
or an RFC 1918 address (`http://10.0.3.7:8000`) and the same `network_config` does not
set `"allow_private_network": true`, on the Bifrost release that reads the config:

- v1.5.9 and later: an error;
- before v1.5.9: nothing (those releases do not check);
- unknown release: an info finding that says so and how to state the release.

The release comes from the stack profile (the image of the workload that mounts the
config, `--bifrost-version`, `versions:` in the configuration).

## Why

From v1.5.9 Bifrost refuses to send requests to private-network addresses unless the
provider allows it (bifrost#4138, PRs #3991, #4139), a guard against server-side request
forgery. A self-hosted vLLM behind a cluster Service is exactly such an address: after an
upgrade every request to it fails while the config looks unchanged.

## Example

```yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: bifrost-config, namespace: llm}
data:
  config.json: |
    {"$schema": "https://www.getbifrost.ai/schema",
     "providers": {"openai": {
       "keys": [{"name": "vllm", "value": "dummy", "weight": 1, "models": ["glm-5"]}],
       "network_config": {"base_url": "http://vllm.llm.svc.cluster.local:8000"}}}}
```

## Fix

```json
"network_config": {"base_url": "http://vllm.llm.svc.cluster.local:8000", "allow_private_network": true}
```

Autofix: yes -- `infergw-lint --fix` adds `"allow_private_network": true` to that
`network_config` (on releases known to check; not for an unknown release).
"""

from infergw_lint.bifrost_releases import feature, feature_from
from infergw_lint.domain import bifrost_configs
from infergw_lint.rule import Refused, Rule, report
from infergw_lint.urls import parse
from infergw_lint.versions import bifrost_for_finding


def private_kind(url) -> str | None:
    """Why ``url`` is a private-network address, or None."""
    target = parse(url)
    if target is None:
        return None
    if target.in_cluster:
        return "an in-cluster Service address"
    if target.private_ip:
        return "a private (RFC 1918) address"
    return None


class PrivateBaseUrl(Rule):
    code = "IGW211"
    name = "bifrost-private-base-url"
    severity = "error"
    flavors = ("k8s", "bifrost")
    k8s_kinds = ("ConfigMap",)  # domain.bifrost_configs: configs are in ConfigMaps only
    tags = ("bifrost", "llm-serving", "compatibility")
    requires = staticmethod(bifrost_configs)  # nothing to report in a document without one
    security_severity = "3.0"
    fix_title = "Set allow_private_network: true in the provider's network_config"

    def check(self, doc, ctx):
        configs = bifrost_configs(doc)
        if not configs:
            return
        version = ctx.versions.bifrost_for(doc)
        checks = feature(version, "private_network_check")
        if checks is False:
            return
        since = feature_from("private_network_check")
        for cfg in configs:
            for path, provider, nc, _entry in cfg.base_urls():
                what = private_kind(nc["base_url"])
                if what is None or nc.get("allow_private_network") is True:
                    continue
                if checks:
                    yield report(
                        path,
                        f"Bifrost {version} refuses provider {provider!r} base_url: it is {what}, and Bifrost "
                        f"{version} ({version.source}) refuses private-network targets (from v{since}) unless "
                        "network_config sets \"allow_private_network\": true, so every request to this provider "
                        "fails",
                        help=self.fix_title,
                    )
                else:
                    yield report(
                        path,
                        f"provider {provider!r} base_url is {what}: Bifrost v{since} and later refuse it unless "
                        "network_config sets \"allow_private_network\": true; the Bifrost release is unknown "
                        f"({version.source}), so nothing is assumed: {version.how_to_state()}",
                        severity="info",
                    )

    def fix(self, edit, finding, ctx):
        from infergw_lint.yamledit import insert_key, set_value

        if feature(bifrost_for_finding(ctx, finding), "private_network_check") is not True:
            raise Refused("the Bifrost release is unknown; state it, or add allow_private_network by hand")
        if finding.field[-2:] != ("network_config", "base_url"):
            raise Refused("not a base_url finding")
        nc = edit.get(finding.field[:-1])
        if not isinstance(nc, dict):
            raise Refused("network_config is not an object")
        if "allow_private_network" in nc:
            if nc["allow_private_network"] is True:
                raise Refused("allow_private_network is already true")
            set_value(nc, "allow_private_network", True)
            return "allow_private_network -> true"
        keys = list(nc.keys())
        insert_key(nc, keys.index("base_url") + 1, "allow_private_network", True)
        return "added \"allow_private_network\": true to network_config"


RULE = PrivateBaseUrl()
