"""HTTPRoutes on the shared gateway name their hostnames.

## What it does

Reports an HTTPRoute attached to `unified-gateway` without `spec.hostnames`.

## Why

A route without hostnames matches every host the listener accepts: a team's `/v1/` route
silently takes traffic meant for another team's host on the shared NLB.

## Example

```yaml
kind: HTTPRoute
spec:
  parentRefs: [{name: unified-gateway, namespace: ai-gateway}]
  rules: [...]
```

## Fix

Add `hostnames: ["api.example.com"]`.
"""

from infergw_lint.rule import Rule, report


class RouteHostnames(Rule):
    code = "ACME003"
    name = "route-hostnames-required"
    severity = "warning"
    kinds = ("HTTPRoute",)

    def check(self, doc, ctx):
        parents = doc.get("spec", "parentRefs") or []
        shared = any(isinstance(p, dict) and p.get("name") == "unified-gateway" for p in parents)
        if shared and not doc.get("spec", "hostnames"):
            yield report(("spec",), "HTTPRoute on the shared gateway has no hostnames; it matches every host", key=True)


RULE = RouteHostnames()
