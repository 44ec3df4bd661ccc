"""ReferenceGrant that no reference uses, or that sits in the referrers' own namespace.

## What it does

Collects every cross-namespace reference in the set that needs a ReferenceGrant -- route
`backendRefs` (and `requestMirror` backendRefs), Gateway and ListenerSet listener
`tls.certificateRefs`, Gateway client-certificate validation `caCertificateRefs` and
`spec.tls.backend.clientCertificateRef` -- and reports:

- a `from` entry whose namespace is the grant's own namespace: references inside one
  namespace never need a grant, so the entry does nothing. This is almost always a grant
  written in the route's namespace instead of the target's;
- a ReferenceGrant that allows none of the collected references (its `from` entries
  times its `to` entries, honouring `to.name` when set).

The second check runs only when the linted set can show that nothing uses the grant:
every `from` entry must name a kind whose references the rule collects (HTTPRoute,
GRPCRoute, TCPRoute, TLSRoute, UDPRoute, Gateway, ListenerSet), and each `from`
namespace must be complete with that kind present (the completeness rule of IGW103/IGW104;
`--assume-complete` / `--no-assume-complete` override). Both are warnings: an unused
grant does not break traffic.

## Why

A grant is a hole in the namespace boundary. One nothing uses is either left over --
access that should have been revoked -- or the sign of a mistake: written in the wrong
namespace, for the wrong kind, or limited by `to.name` to an object the route does not
use, while the reference it was meant for fails with `RefNotPermitted` (IGW101). The
seed's grants for `ai-inference` and `observability` are both unused: the routes there
live next to their Services.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-gateway-to-services, namespace: ai-inference}
spec:
  from:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ai-gateway}
  to:
  - {group: "", kind: Service}
# ... but no HTTPRoute in ai-gateway references a Service in ai-inference
```

## Fix

Delete the grant, or correct it so it matches the reference it is meant for: it lives in
the namespace of the target (the Service or Secret), `from` names the referrer's kind
and namespace, `to.name` (if any) the target's name.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP
from infergw_lint.gateway import GRANT_REFERRERS, core_group, grant_entries, graph_for, lookup_complete
from infergw_lint.rule import Rule, brief, report


def _s(v) -> str:
    return v if isinstance(v, str) else ""


class _Into:
    """The references into one namespace, by what a grant's entries compare: names per
    (from group, kind, namespace, to group, kind), and the first per (from kind, namespace)."""

    __slots__ = ("names", "first")

    def __init__(self, refs: list):
        self.names: dict = {}
        self.first: dict = {}
        for pos, r in enumerate(refs):
            self.names.setdefault((r.from_group, r.from_kind, r.from_ns, r.to_group, r.to_kind), set()).add(r.to_name)
            self.first.setdefault((r.from_kind, r.from_ns), pos)


def _references_into(index, refs: list) -> _Into:
    """``_Into`` of ``refs`` (one namespace's, from the graph), made once per run: each grant
    of a namespace then costs its own entries, not a pass over every reference into it."""
    # the builder reads the index: a language server sees each use as reading other files
    table = index.memo("igw108-references", lambda: {} if index.documents is not None else {})
    got = table.get(id(refs))
    if got is None or got[0] is not refs:
        got = table[id(refs)] = (refs, _Into(refs))
    return got[1]


def _allows_any(grant_data, into: _Into) -> bool:
    """``any(grant_allows(grant_data, r) for r in refs)``, by the grant's from and to entries."""
    froms, tos = grant_entries(grant_data)
    for frm in froms:
        for group, kind, name in tos:
            names = into.names.get(frm + (group, kind))
            if names is not None and (not name or name in names):
                return True
    return False


class UnusedReferenceGrant(Rule):
    code = "IGW108"
    name = "unused-reference-grant"
    severity = "warning"
    kinds = ("ReferenceGrant",)
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "reference", "security")
    security_severity = "3.0"

    def check(self, doc, ctx):
        index = ctx.index
        grant_ns = index.namespace_of(doc)
        me = f"ReferenceGrant {grant_ns}/{doc.name}"
        froms = doc.get("spec", "from")
        tos = doc.get("spec", "to")
        if not isinstance(froms, list) or not isinstance(tos, list):
            return
        judgeable = True
        foreign = []
        for i, f in enumerate(froms):
            if not isinstance(f, dict):
                judgeable = False
                continue
            group, kind, ns = _s(f.get("group")), _s(f.get("kind")), _s(f.get("namespace"))
            if ns == grant_ns:
                head = brief(f"{me} allows {kind or 'references'} from its own namespace",
                             "a from entry names the grant's own namespace")
                yield report(
                    ("spec", "from", i, "namespace"),
                    f"{head}: " + ("" if me in head else f"{me} allows {kind or 'references'} from {grant_ns!r}; ")
                    + f"references inside one namespace ({grant_ns!r}) need no grant, so this entry does nothing. A "
                    "grant belongs in the namespace of the "
                    "target (the Service or Secret) and names the referrer's namespace in from",
                )
                continue
            foreign.append((group, kind, ns))
            if (group, kind) not in GRANT_REFERRERS or not lookup_complete(ctx, kind, ns):
                judgeable = False
        if not foreign or not judgeable:
            return
        refs = graph_for(ctx).references(grant_ns)
        into = _references_into(index, refs)
        if _allows_any(doc.data, into):
            return
        targets = []
        for t in tos:
            if isinstance(t, dict):
                what = _s(t.get("kind")) or "?"
                group = core_group(t.get("group"))
                if group:
                    what += f".{group}"
                targets.append(what + (f" {t['name']}" if isinstance(t.get("name"), str) and t["name"] else ""))
        sources = ", ".join(f"{k} in {n!r}" for _, k, n in foreign)
        head = brief(f"{me} is not used", "this ReferenceGrant is not used")
        msg = f"{head}: {'' if me in head else me + ' allows what '}nothing in the linted set ({sources}) references {' or '.join(targets) or 'its targets'} in {grant_ns!r}"
        firsts = [into.first[(k, n)] for _, k, n in foreign if (k, n) in into.first]
        if firsts:
            r = refs[min(firsts)]  # the first reference from one of those kinds and namespaces
            msg += f" (the closest reference, {r.from_kind} in {r.from_ns!r} to {r.to_kind} {r.to_name}, is not covered by it)"
        msg += ". Delete it, or fix from/to so it covers the reference it was meant for"
        yield report(("metadata", "name"), msg, help="Delete it, or fix from/to so it covers the reference it was meant for")


RULE = UnusedReferenceGrant()
