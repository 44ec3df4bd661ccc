"""Route parentRef to a Gateway or listener that does not exist.

## What it does

For every parentRef of an HTTPRoute, GRPCRoute, TLSRoute, TCPRoute or UDPRoute that names
a Gateway (the default kind) or a ListenerSet, reports:

- a parent that is not in the linted set -- only when the set is complete for it (see
  below), with the closest existing name when there is one;
- a `sectionName` that names no listener of the parent, a `port` no listener listens
  on, or a `sectionName` and `port` that do not belong to the same listener (both must
  hold). The parent is in the set here, so this is always reported.

The parentRef's namespace defaults to the route's own; its kind to Gateway. parentRefs to
other kinds (a Service, for mesh routing) are not checked.

Completeness: a linter given part of a tree must not cry wolf. A missing parent is
reported only when the set is complete for that namespace and kind -- its Namespace object
is present, or at least one object of the target's kind in that namespace is (a route alone
does not count: routes whose Gateways live in another tree are a partial view) -- or when
the reference omits `namespace` and an object of that name exists in another namespace (the
usual slip); and the set holds at least one object of the
parent's kind (a set without any Gateway is a routes-only tree). `--assume-complete`
reports every miss; `--no-assume-complete` none.

## Why

A route whose parent does not resolve is attached nowhere: the controller leaves it
without status or reports `Accepted: False` with reason `NoMatchingParent`, and every
request to its paths answers 404. A typo in the Gateway name, a namespace left out of the
parentRef (it then defaults to the route's namespace), or a `sectionName: https` on a
Gateway that only has an `http` listener are the usual causes.

## Example

```yaml
kind: HTTPRoute
metadata: {name: langfuse-ui, namespace: observability}
spec:
  parentRefs:
  - name: unified-gateway
    namespace: ai-gateway
    sectionName: https        # unified-gateway has only the listener "http"
```

## Fix

Point the parentRef at an existing Gateway and listener: fix the name, add `namespace:`
when the Gateway lives elsewhere, or use a `sectionName`/`port` of a real listener
(or add that listener to the Gateway). When the Gateway is defined outside the linted
files, pass `--context DIR` so it is seen.

Autofix: no.
"""

from __future__ import annotations


from infergw_lint.domain import GATEWAY_GROUP, ROUTE_KINDS
from infergw_lint.gateway import NO_MATCHING_LISTENER, PARENT_NOT_FOUND, graph_for, lookup_complete
from infergw_lint.rule import Rule, brief, close_matches, report


class ParentRefNotFound(Rule):
    code = "IGW103"
    name = "parent-ref-not-found"
    severity = "error"
    kinds = ROUTE_KINDS
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "reference")
    security_severity = "3.0"

    def check(self, doc, ctx):
        index = ctx.index
        g = graph_for(ctx)
        route = None  # how the messages name the route: made for its first finding
        for att in g.attachments(doc):
            ref = att.ref
            if att.status == PARENT_NOT_FOUND:
                elsewhere = [n for n in g.namespaces_of_name(ref.kind, ref.name, ref.group) if n != ref.namespace]
                # a parentRef without namespace to a name that exists in another namespace is
                # judged even where the set says nothing else of the route's own namespace
                forgot = bool(elsewhere) and "namespace" not in ref.data and ctx.options.assume_complete is None
                if not lookup_complete(ctx, ref.kind, ref.namespace) and not forgot:
                    continue
                fix = "Fix the parentRef, or pass --context with the directory that defines the Gateway"
                if elsewhere and "namespace" not in ref.data:
                    hint = (
                        f" (the parentRef has no namespace, so it means the route's own; {ref.kind} {ref.name} is in "
                        f"{elsewhere[0]!r})"
                    )
                    fix = f"Add namespace: {elsewhere[0]} to the parentRef, or pass --context with the directory that defines the Gateway"
                else:
                    names = g.names_in(ref.kind, ref.namespace, ref.group)
                    close = close_matches(ref.name, names, n=1)
                    hint = "" if close else (f" ({ref.kind}s there: {', '.join(names[:5])})" if names else "")
                    if close:
                        fix = f"Did you mean {close[0]!r}? " + fix
                head = brief(f"{ref.label()} is not in the linted set", f"the parent {ref.kind} is not in the linted set")
                if route is None:
                    route = f"{doc.kind} {index.namespace_of(doc)}/{doc.name}"
                yield report(
                    ref.path + ("name",),
                    f"{head}: {route} attaches to {'it' if ref.label() in head else ref.label()}, and namespace "
                    f"{ref.namespace!r} is in the set{hint}; the route is attached nowhere and its paths answer "
                    f"404. {fix}",
                    help=fix,
                )
            elif att.status == NO_MATCHING_LISTENER:
                listeners = []
                for parent in att.parents:
                    listeners += g.listeners.get(id(parent)) or []
                names = [l.name for l in listeners if l.name]
                have = ", ".join(l.short() for l in listeners) or "none"
                if ref.section_name is not None and ref.section_name not in names:
                    path = ref.path + ("sectionName",)
                    what = f"sectionName {ref.section_name!r} names no listener"
                    fix = "Use the name of one of its listeners"
                elif ref.section_name is not None:
                    path = ref.path + ("port",)
                    what = f"listener {ref.section_name!r} does not listen on port {ref.port}"
                    fix = "Use the listener's port, or drop port"
                else:
                    path = ref.path + ("port",)
                    what = f"no listener listens on port {ref.port}"
                    fix = "Use the port of one of its listeners"
                head = brief(f"{what} of {ref.label()}", what)
                to = "" if ref.label() in head else f" to {ref.label()}"
                if route is None:
                    route = f"{doc.kind} {index.namespace_of(doc)}/{doc.name}"
                yield report(
                    path,
                    f"{head}: {route} attaches through it{to} (the Gateway's listeners: {have}). The "
                    "controller reports Accepted=False (NoMatchingParent) and the route is attached nowhere through "
                    f"this parentRef. {fix}",
                    help=fix,
                )


RULE = ParentRefNotFound()
