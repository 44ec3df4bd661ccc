"""kgateway route delegation that forms a cycle.

## What it does

Follows kgateway delegation backendRefs (group `gateway.networking.k8s.io` kind
`HTTPRoute`, or group `delegation.kgateway.dev` kind `label`) from route to child route and
reports the backendRef of a route that delegates, directly or through other routes, back to
itself. The finding names the whole cycle.

**Not judged** (deliberately): cycles through routes that are not in the linted set, and
delegation depth (kgateway has no documented limit).

## Why

kgateway stops at the cycle ("cyclic reference detected while evaluating delegated routes",
translator test inputs `delegation/cyclic1.yaml` and `cyclic2.yaml`): the routes of the cycle
are dropped from the parent and their paths answer 404.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route-a, namespace: a}
spec:
  rules:
  - matches: [{path: {type: PathPrefix, value: /a/b}}]
    backendRefs:
    - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: route-a, namespace: a}   # itself
```

## Fix

Point each delegation at routes further down the tree only (a child must never delegate to
one of its parents); give children their own namespace or label so a `*` or label selector
does not pick up the parent.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP
from infergw_lint.gateway import backend_refs, delegated_children, delegation_cycle
from infergw_lint.rule import Rule, report

class CyclicRouteDelegation(Rule):
    code = "IGW121"
    name = "cyclic-route-delegation"
    severity = "error"
    kinds = ("HTTPRoute",)
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "kgateway", "routing")
    security_severity = "3.0"

    def check(self, doc, ctx):
        index = ctx.index
        for b in backend_refs(doc, index):
            if not b.is_delegation:
                continue
            cycle = delegation_cycle(index, doc, delegated_children(index, doc, b))
            if cycle:
                names = " -> ".join(f"{index.namespace_of(r)}/{r.name}" for r in [doc] + cycle)
                yield report(
                    b.path,
                    f"route delegation forms a cycle: HTTPRoute {index.namespace_of(doc)}/{doc.name} delegates in a "
                    f"cycle ({names}); kgateway reports a cyclic reference and drops the delegated routes, so their "
                    "paths answer 404. Delegate only to routes further down the tree",
                    help="Delegate only to routes further down the tree",
                )


RULE = CyclicRouteDelegation()
