"""Route whose parent Gateway has no listener that admits it.

## What it does

For every parentRef of an HTTPRoute, GRPCRoute, TLSRoute, TCPRoute or UDPRoute that names
a Gateway (or a ListenerSet) in the linted set, takes the listeners the parentRef selects
(all of them, or the one named by `sectionName` and/or listening on `port`) and reports
the parentRef when none of them admits the route:

- `allowedRoutes.namespaces.from`: `Same` (the default: only routes in the Gateway's
  own namespace), `All`, or `Selector` -- a label selector (`matchLabels` and
  `matchExpressions` with In, NotIn, Exists, DoesNotExist) over the labels of the
  route's Namespace object in the set. Kubernetes puts `kubernetes.io/metadata.name:
  <name>` on every Namespace, so a selector on that label is always decided. When the
  route's Namespace object is not in the set and the selector needs another label, the
  rule does not guess (`--assume-complete` treats the namespace as having no labels);
- `allowedRoutes.kinds` and the listener protocol: HTTP and HTTPS carry HTTPRoute and
  GRPCRoute, TLS carries TLSRoute (TCPRoute too when it terminates TLS), TCP carries
  TCPRoute, UDP carries UDPRoute; kinds listed explicitly are limited to those;
- hostnames: a route with `spec.hostnames` attaches only to listeners whose hostname
  intersects one of them (`*.example.com` covers `api.example.com` and
  `a.b.example.com`; a listener without hostname takes any).

A parentRef whose Gateway or listener does not exist is IGW103.

## Why

The controller refuses the attachment (the route's status says `Accepted: False` with
reason `NotAllowedByListeners` or `NoMatchingListenerHostname`) and the route's paths
answer 404. `kubectl apply` succeeds, so the mistake only shows in the route's status --
typically after a route was moved to its own namespace while the listener still says
`from: Same`.

## Example

```yaml
# the listener admits only routes from namespaces labelled gateway-access=internal
kind: Gateway
metadata: {name: internal-gateway, namespace: ai-gateway}
spec:
  listeners:
  - name: http
    protocol: HTTP
    port: 8080
    allowedRoutes:
      namespaces:
        from: Selector
        selector: {matchLabels: {gateway-access: internal}}
---
kind: HTTPRoute
metadata: {name: bifrost-admin, namespace: ai-external}   # Namespace has no such label
spec:
  parentRefs:
  - {name: internal-gateway, namespace: ai-gateway}
```

## Fix

Label the route's Namespace so the selector matches (`gateway-access: internal`), widen
the listener (`from: All` or a selector on `kubernetes.io/metadata.name`), attach the
route to a listener of the right protocol, or give it a hostname the listener serves.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP, ROUTE_KINDS
from infergw_lint.gateway import NO_MATCHING_HOSTNAME, NOT_ALLOWED, graph_for, route_hostnames
from infergw_lint.rule import Rule, brief, report


class RouteNotAllowedByListener(Rule):
    code = "IGW102"
    name = "route-not-allowed-by-listener"
    severity = "error"
    kinds = ROUTE_KINDS
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "reference")
    security_severity = "4.0"

    def check(self, doc, ctx):
        index = ctx.index
        route = None  # how the messages name the route: made for its first finding
        for att in graph_for(ctx).attachments(doc):
            if att.status != NOT_ALLOWED and att.status != NO_MATCHING_HOSTNAME:
                continue  # (most parentRefs: attached) nothing to word
            target = att.ref.label()
            where = f" (selected by {att.ref.selector_text()})" if att.ref.selector_text() else ""
            reasons = "; ".join(dict.fromkeys(att.reasons)) or "no listener admits it"
            if att.status == NOT_ALLOWED:
                fix = ("Allow the route's namespace and kind on the listener, or attach it to a listener that "
                       "does")
                head = brief(f"{target} does not admit this route", "the parent does not admit this route")
                it = "it" if target in head else target
                if route is None:
                    route = f"{doc.kind} {index.namespace_of(doc)}/{doc.name}"
                yield report(
                    att.ref.path,
                    f"{head}: {route} cannot attach to {it}{where}: {reasons}. The "
                    f"controller sets Accepted=False (NotAllowedByListeners) and the route serves nothing. {fix}",
                    help=fix,
                )
            elif att.status == NO_MATCHING_HOSTNAME:
                hosts = ", ".join(route_hostnames(doc))
                fix = "Use a hostname the listener serves"
                head = brief(f"no listener hostname of {target} matches this route",
                             "no listener hostname matches this route")
                it = "it" if target in head else target
                if route is None:
                    route = f"{doc.kind} {index.namespace_of(doc)}/{doc.name}"
                yield report(
                    att.ref.path,
                    f"{head}: {route} cannot attach to {it}{where}; "
                    f"none of its hostnames ({hosts}) intersects a listener hostname ({reasons}). The controller "
                    f"sets Accepted=False (NoMatchingListenerHostname). {fix}",
                    help=fix,
                )


RULE = RouteNotAllowedByListener()
