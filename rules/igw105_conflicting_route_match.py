"""Two route rules with the same hostname and match on one listener.

## What it does

Builds, once per run, the routing table of every Gateway listener: each HTTPRoute and
GRPCRoute attached to it (see IGW102/IGW103 for attachment), for each hostname it serves
there (the intersection of the route's and the listener's hostnames), for each match of
each rule. Matches are compared after normalisation: an omitted match is `PathPrefix /`,
a PathPrefix ignores a trailing `/` (`/v1/` and `/v1` are the same match), header
names are case-insensitive, and the order of headers and query parameters does not matter.

Reports a match when another rule has the same listener, the same effective hostname and
an identical match (path type and value, method, headers, query parameters; for gRPC the
service, method and headers) but does something different (other backends, weights or
filters):

- in another route: both routes are reported;
- earlier in the same route: the later rule is reported (it never receives traffic).

Rules that route identically are not reported, nor two copies of the same route (same
kind, namespace and name in two files). Different hostnames do not conflict: a request
goes to the routes of the most specific matching hostname first.

When the routes' Gateway is written in several files of the set (a folder of independent
examples that each define it), the message says so: lint such examples one at a time
(docs/realworld.md).

**Not judged** (deliberately): the rules of kgateway delegatee routes (their matches are
nested under the parent's, which this rule does not expand), and routes of different
Gateways or listeners.

## Why

The Gateway API orders matches by Exact path, longest prefix, method, number of header
and query matches. When two routes tie on all of these, the *oldest* route wins (then the
first by namespace/name). Which service gets the traffic is then decided by creation
time, not by anything in Git: deleting and re-applying one route, or restoring a cluster,
silently moves all of `/v1/` from vLLM to Bifrost. Inside one route the first rule wins,
so a repeated match is dead configuration.

## Example

```yaml
kind: HTTPRoute
metadata: {name: vllm-route, namespace: ai-inference}
spec:
  parentRefs: [{name: unified-gateway, namespace: ai-gateway}]
  hostnames: [api.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v1/}}]
    backendRefs: [{name: vllm-service, port: 8000}]
---
kind: HTTPRoute
metadata: {name: bifrost-route, namespace: ai-gateway}
spec:
  parentRefs: [{name: unified-gateway, namespace: ai-gateway}]
  hostnames: [api.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v1/}}]      # same host, same match
    backendRefs: [{name: bifrost-service, namespace: ai-external, port: 8080}]
```

## Fix

Give each backend its own match: a different path (`/v1/` for Bifrost, `/vllm/v1/`
for direct vLLM access), a header match, or another hostname -- or keep one route (the
seed's stack: send `/v1/` to Bifrost only and let Bifrost call vLLM).

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP
from infergw_lint.gateway import describe_match, graph_for
from infergw_lint.rule import Rule, brief, field_path, report


class ConflictingRouteMatch(Rule):
    code = "IGW105"
    name = "conflicting-route-match"
    severity = "warning"
    kinds = ("HTTPRoute", "GRPCRoute")
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "routing")
    security_severity = "3.0"

    def check(self, doc, ctx):
        index = ctx.index
        g = graph_for(ctx)
        me = None  # how the messages name the route: made for its first finding
        reported = set()
        for e in g.route_entries(doc):
            if e.path in reported or g.distinct_actions(e.listener.key, e.hostname, e.key) < 2:
                continue
            for o in _rivals(g, index, e, doc):
                if o.action == e.action:
                    continue
                if o.route is not doc and _identity(o.route, index) == _identity(doc, index):
                    continue  # the same object written twice (alternatives, overlays): not two routes
                if o.route is doc and o.rule_index >= e.rule_index:
                    continue
                if me is None:
                    me = f"{doc.kind} {index.namespace_of(doc)}/{doc.name}"
                if o.route is doc:
                    fix = "Remove it or make its match different"
                    msg = (
                        f"{field_path(e.path)} repeats the match of {field_path(o.path)}: {me} matches "
                        f"({describe_match(e.key, _written(doc, e.path))}) on host {e.hostname} at "
                        f"{e.listener.label()} in both; the first rule always wins, so this one never receives "
                        f"traffic. {fix}"
                    )
                else:
                    other = f"{o.route.kind} {index.namespace_of(o.route)}/{o.route.name}"
                    where = f"{o.route.path}:{o.route.span(o.path).line}"
                    same_text = _spelling_note(doc, e.path, o.route, o.path)
                    fix = "Make the matches distinct (path, header or hostname) or keep one route"
                    msg = (
                        f"{brief(f'this match conflicts with {other}', 'this match conflicts with another route')}: "
                        f"{me} and {other} ({where}) both match "
                        f"{describe_match(e.key, _written(doc, e.path))}{same_text} on host "
                        f"{e.hostname} at {e.listener.label()} but route differently; which one gets the traffic "
                        "depends on creation time (the older route wins), not on the manifests"
                        + _copies_note(g, index, e.listener.parent) + f". {fix}"
                    )
                reported.add(e.path)
                yield report(e.path, msg, help=fix)
                break


def _copies_note(g, index, parent) -> str:
    """When the routes' Gateway is written in several files of the set, say so: a folder of
    independent examples that each define the same Gateway is linted as one stack."""
    docs = g.parents.get((parent.group, parent.kind, index.namespace_of(parent), parent.name)) or []
    files = list(dict.fromkeys(d.path for d in docs))
    if len(files) < 2:
        return ""
    shown = ", ".join(files[:2]) + (f" and {len(files) - 2} more" if len(files) > 2 else "")
    return (
        f" ({parent.kind} {index.namespace_of(parent)}/{parent.name} is defined in {len(files)} files: {shown}; if "
        "they are independent examples, lint each on its own)"
    )


class _Bucket:
    """The entries of one (listener, hostname, match) bucket, arranged so that a route
    finds its rival without scanning the whole bucket (one file that repeats a route N
    times makes buckets of N entries: scanning each would cost N x N)."""

    def __init__(self, entries: list, index):
        self.own: dict = {}  # id(route) -> [(position, entry)]
        idents = [_identity(o.route, index) for o in entries]
        for pos, o in enumerate(entries):
            self.own.setdefault(id(o.route), []).append((pos, o))

        def first(skip_action=None, skip_ident=None):
            for pos, o in enumerate(entries):
                if o.action != skip_action and idents[pos] != skip_ident:
                    return pos
            return None

        # The first entry of another object with another action than (ident, action) is
        # always one of these: the first entry; the first with another action than it, and
        # the first with another action and another object than that; the first of another
        # object, and the first with another object and another action than that; the first
        # differing from the first entry in both.
        picks = set()
        e1 = first()
        if e1 is not None:
            a1, i1 = entries[e1].action, idents[e1]
            picks.add(e1)
            e2 = first(skip_action=a1)
            if e2 is not None:
                picks.add(e2)
                e3 = _first_where(entries, idents, lambda o, i: o.action != a1 and i != idents[e2])
                f2 = first(skip_ident=i1)
                picks.update(x for x in (e3, f2) if x is not None)
                if f2 is not None:
                    f3 = _first_where(entries, idents, lambda o, i: i != i1 and o.action != entries[f2].action)
                    if f3 is not None:
                        picks.add(f3)
                g = _first_where(entries, idents, lambda o, i: i != i1 and o.action != a1)
                if g is not None:
                    picks.add(g)
            else:
                f2 = first(skip_ident=i1)
                if f2 is not None:
                    picks.add(f2)
        self.picks = [(pos, entries[pos], idents[pos]) for pos in sorted(picks)]

    def rivals(self, doc, me: tuple, action) -> list:
        """The entries IGW105 must look at for ``doc``, in bucket order: its own, and the
        first entry of another object with another action (when there is one)."""
        other = next((x for x in self.picks if x[2] != me and x[1].action != action), None)
        own = self.own.get(id(doc), [])
        cands = own + [other[:2]] if other is not None else own
        return [o for _, o in sorted(cands, key=lambda x: x[0])]


def _first_where(entries, idents, test):
    for pos, o in enumerate(entries):
        if test(o, idents[pos]):
            return pos
    return None


def _rivals(g, index, e, doc) -> list:
    buckets = index.memo("igw105-buckets", dict)
    bkey = (e.listener.key, e.hostname, e.key)
    got = buckets.get(bkey)
    if got is None:
        got = buckets[bkey] = _Bucket(g.entries(*bkey), index)
    return got.rivals(doc, _identity(doc, index), e.action)


def _identity(doc, index) -> tuple:
    return (doc.kind, index.namespace_of(doc), doc.name)


def _written(doc, path):
    """The path value as written in a match (None for a rule without matches)."""
    return doc.get(*path, "path", "value") if path[-2:-1] == ("matches",) else None


def _spelling_note(a, a_path, b, b_path) -> str:
    """`` (/v1/ and /v1 are the same PathPrefix)`` when the two are written differently."""
    va = a.get(*a_path, "path", "value") if a_path[-2:-1] == ("matches",) else None
    vb = b.get(*b_path, "path", "value") if b_path[-2:-1] == ("matches",) else None
    if isinstance(va, str) and isinstance(vb, str) and va != vb:
        return f" ({va} and {vb} are the same PathPrefix: a trailing / is ignored)"
    return ""


RULE = ConflictingRouteMatch()
