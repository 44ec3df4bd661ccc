"""Gateway API CRD bundle that the kgateway release in the set refuses.

## What it does

Reads the `gateway.networking.k8s.io/bundle-version` annotation of the Gateway CRD
(`gateways.gateway.networking.k8s.io`) in the linted set and reports it when the kgateway
release of the stack profile (its controller image or chart label, `--kgateway-version`,
`versions: {kgateway: ...}`) refuses that Gateway API release. The table lives in
`schemas/kgateway-gateway-api.json`: kgateway 2.2.4 and later 2.2 releases refuse anything
outside Gateway API 1.2 to 1.4. A kgateway release that is unknown, older than 2.2.4 (a
`2.2` without its patch release included), or not in the table is not judged. kgateway 2.3
and 2.4 are not in it on purpose: their documentation names a supported range (1.3 to 1.5
for 2.3, kgateway#14007), but their source has no start-up check (the pull request that
would have added it to 2.3, #14111, was closed unmerged, and upstream's nightly tests run
2.3 against Gateway API 1.6), so they do not refuse a bundle and this rule says nothing
about them.

## Why

From v2.2.4 the 2.2 releases check the bundle version at start-up and refuse to run
against an unsupported one (kgateway#13872) unless `KGW_SKIP_GATEWAY_API_VERSION_CHECK`
is set: the controller crash-loops, no Gateway is programmed, and every route stops
serving. Upgrading the CRDs (or kgateway) alone is enough to cause it.

## Example

```yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gateways.gateway.networking.k8s.io
  annotations:
    gateway.networking.k8s.io/bundle-version: v1.5.1
spec:
  group: gateway.networking.k8s.io
  names: {kind: Gateway, plural: gateways}
  scope: Namespaced
  versions: []
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: kgateway, namespace: kgateway-system}
spec:
  template:
    spec:
      containers:
      - {name: kgateway, image: "cr.kgateway.dev/kgateway-dev/kgateway:v2.2.5"}
```

## Fix

Install a Gateway API bundle the release supports (v1.2 to v1.4 for kgateway 2.2.4 and
later 2.2 releases), or run a kgateway release that accepts your bundle (2.3 has no check).

Autofix: no -- it is an upgrade decision.
"""

from __future__ import annotations

import json
from functools import lru_cache

from infergw_lint.rule import Rule, report
from infergw_lint.versions import BUNDLE_ANNOTATION, GATEWAY_GROUP, Version, parse

GATEWAY_CRD = "gateways.gateway.networking.k8s.io"


@lru_cache(maxsize=1)
def support_table() -> dict:
    from infergw_lint import read_data

    text = read_data("schemas/kgateway-gateway-api.json")
    return json.loads(text)


def supported(kgateway: Version) -> dict | None:
    """The table entry of a kgateway release (None: unknown release or not in the table)."""
    if kgateway.parts is None or kgateway.at_least(support_table()["refuses_from"]["version"]) is not True:
        return None  # older, or a 2.2 whose patch release is not known (2.2.0-2.2.3 run any bundle)
    for entry in support_table()["releases"]:
        if kgateway.minor() == parse(entry["kgateway"]):
            return entry
    return None


class GatewayApiBundleUnsupported(Rule):
    code = "IGW112"
    name = "gateway-api-bundle-unsupported"
    severity = "error"
    kinds = ("CustomResourceDefinition",)
    tags = ("gateway-api", "kgateway", "compatibility")
    security_severity = "4.0"

    def check(self, doc, ctx):
        if doc.get("spec", "group") != GATEWAY_GROUP or doc.get("spec", "names", "kind") != "Gateway":
            return  # the Gateway CRD (gateways.gateway.networking.k8s.io) is the one kgateway reads
        annotations = doc.annotations if isinstance(doc.annotations, dict) else {}
        bundle = annotations.get(BUNDLE_ANNOTATION)
        bundle_parts = parse(bundle)
        if bundle_parts is None:
            return
        kgateway = ctx.versions.kgateway
        entry = supported(kgateway)
        if entry is None:
            return
        low, high = parse(entry["gateway_api"]["min"]), parse(entry["gateway_api"]["max"])
        if low <= bundle_parts[:2] <= high:
            return
        low_s, high_s = entry['gateway_api']['min'], entry['gateway_api']['max']
        fix = f"Install Gateway API v{low_s} to v{high_s}, or run a kgateway release that supports {bundle}"
        yield report(
            ("metadata", "annotations", BUNDLE_ANNOTATION),
            f"kgateway {kgateway} does not support Gateway API bundle {bundle}: the bundle is outside what "
            f"kgateway {kgateway} ({kgateway.source}) supports (Gateway API v{low_s} to v{high_s}), so the "
            "controller refuses to start unless KGW_SKIP_GATEWAY_API_VERSION_CHECK is set, and no Gateway is "
            f"programmed. {fix}",
            help=fix,
        )


RULE = GatewayApiBundleUnsupported()
