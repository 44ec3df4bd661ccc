"""A kgateway delegatee route sets its own hostnames.

## What it does

For every HTTPRoute that a kgateway delegation selects -- a backendRef of group
`gateway.networking.k8s.io` kind `HTTPRoute` (by name, or `*` for every route of the
namespace), or group `delegation.kgateway.dev` kind `label` -- reports the child's
`spec.hostnames` when it sets any. The finding is on the child and names the parent route.

**Not judged** (deliberately): routes no delegation in the linted set selects (a child
whose parent lives in another tree is a plain route here); routes in a delegation cycle
(IGW121 reports the cycle); delegation to controllers other than kgateway, which has no such
backendRef.

## Why

A delegatee inherits its hostnames from the parent route. kgateway refuses a child that sets
its own ("spec.hostnames must be unset on a delegatee route as they are inherited from the
parent route": the translator test inputs `delegation/basic_invalid_hostname.yaml` and
`invalid_child_valid_standalone.yaml`), so the paths it was meant to serve under the
parent's hostname answer 404. The same route may still be valid on its own, attached to a
Gateway through its own parentRefs: only the delegation fails.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route-a, namespace: a}   # selected by infra/example-route's backendRef HTTPRoute a/*
spec:
  hostnames: ["foo.com"]                   # not allowed on a delegatee
  rules:
  - matches: [{path: {type: PathPrefix, value: /a/1}}]
    backendRefs: [{name: svc-a, port: 8080}]
```

## Fix

Remove `hostnames` from the child; set them on the parent route. If the route must also
serve on its own, keep a separate route for that.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP
from infergw_lint.gateway import delegation_cycle, delegation_parents
from infergw_lint.rule import Rule, report


class DelegateeRouteHostnames(Rule):
    code = "IGW120"
    name = "delegatee-route-hostnames"
    severity = "error"
    kinds = ("HTTPRoute",)
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "kgateway", "routing")
    security_severity = "3.0"

    def check(self, doc, ctx):
        hostnames = doc.get("spec", "hostnames")
        if not isinstance(hostnames, list) or not hostnames:
            return
        parents = delegation_parents(ctx.index, doc)
        if not parents or delegation_cycle(ctx.index, doc):
            return  # not a delegatee, or in a delegation cycle (IGW121 reports that)
        index = ctx.index
        p = parents[0]
        shown = f"HTTPRoute {index.namespace_of(p)}/{p.name} ({p.path}:{p.span(()).line})"
        more = f" and {len(parents) - 1} more" if len(parents) > 1 else ""
        yield report(
            ("spec", "hostnames"),
            f"a delegated route sets its own hostnames: HTTPRoute {index.namespace_of(doc)}/{doc.name} is "
            f"delegated to by {shown}{more} but sets its own hostnames, and kgateway refuses a delegatee with "
            "hostnames (they are inherited from the parent route), so its paths are not served under the parent. "
            "Remove spec.hostnames from this route",
            key=True, help="Remove spec.hostnames from this route",
        )


RULE = DelegateeRouteHostnames()
