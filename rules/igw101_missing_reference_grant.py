"""Cross-namespace reference with no ReferenceGrant that allows it.

What it does
------------
For every HTTPRoute, GRPCRoute, TCPRoute, TLSRoute and UDPRoute ``backendRef`` (also the
``requestMirror`` filter's backendRef) that names another namespace, and every Gateway
listener ``tls.certificateRefs`` entry in another namespace, looks for a ReferenceGrant
in the *target* namespace whose ``from`` entry matches (group, kind, namespace of the
referrer) and whose ``to`` entry matches (group, kind and, when set, name of the target).
Reports the backendRef (or certificateRef) item when none does, and says which grant came
closest and why it does not match.

Why
---
Without the grant the Gateway API controller refuses the reference (ResolvedRefs=False,
reason RefNotPermitted): the route answers 500 and the listener serves no TLS. The grant
must live in the namespace of the Service or Secret, not in the route's namespace; ``from``
needs the route's exact kind and namespace; ``to.name``, when present, limits the grant to
that one object. Grants are read from the whole linted set, across files.

Example
-------
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: {name: bifrost-route, namespace: ai-gateway}
    spec:
      rules:
      - backendRefs:
        - name: bifrost-service
          namespace: ai-external      # no ReferenceGrant in ai-external
          port: 8080

Fix
---
Add to the target namespace:

    apiVersion: gateway.networking.k8s.io/v1beta1
    kind: ReferenceGrant
    metadata: {name: allow-ai-gateway-routes, namespace: ai-external}
    spec:
      from:
      - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ai-gateway}
      to:
      - {group: "", kind: Service}

When you lint only part of a tree (a pre-commit hook on changed files), pass
``--context DIR`` so grants in unchanged files are seen.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP, ROUTE_KINDS
from infergw_lint.rule import Rule, report


def _s(value) -> str:
    return value if isinstance(value, str) else ""


def backend_refs(doc):
    """(path, backendRef) for every backend reference of a route."""
    rules = doc.get("spec", "rules")
    if not isinstance(rules, list):
        return
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        refs = rule.get("backendRefs")
        if isinstance(refs, list):
            for j, ref in enumerate(refs):
                if isinstance(ref, dict):
                    yield ("spec", "rules", i, "backendRefs", j), ref
                    yield from _mirrors(ref.get("filters"), ("spec", "rules", i, "backendRefs", j, "filters"))
        yield from _mirrors(rule.get("filters"), ("spec", "rules", i, "filters"))


def _mirrors(filters, base):
    if not isinstance(filters, list):
        return
    for k, f in enumerate(filters):
        if isinstance(f, dict) and isinstance(f.get("requestMirror"), dict):
            ref = f["requestMirror"].get("backendRef")
            if isinstance(ref, dict):
                yield base + (k, "requestMirror", "backendRef"), ref


def certificate_refs(doc):
    listeners = doc.get("spec", "listeners")
    if not isinstance(listeners, list):
        return
    for i, listener in enumerate(listeners):
        if not isinstance(listener, dict):
            continue
        tls = listener.get("tls")
        refs = tls.get("certificateRefs") if isinstance(tls, dict) else None
        if isinstance(refs, list):
            for j, ref in enumerate(refs):
                if isinstance(ref, dict):
                    yield ("spec", "listeners", i, "tls", "certificateRefs", j), ref


def grant_mismatch(grant, frm: tuple, to: tuple) -> str | None:
    """None when ``grant`` allows from=(group, kind, ns) to=(group, kind, name);
    otherwise why not."""
    spec = grant.get("spec") or {}
    froms = spec.get("from") if isinstance(spec, dict) else None
    tos = spec.get("to") if isinstance(spec, dict) else None
    why_from = "it has no from entries"
    ok_from = False
    for f in froms if isinstance(froms, list) else ():
        if not isinstance(f, dict):
            continue
        got = (_s(f.get("group")), _s(f.get("kind")), _s(f.get("namespace")))
        if got == frm:
            ok_from = True
            break
        for label, want, have in zip(("group", "kind", "namespace"), frm, got):
            if want != have:
                why_from = f"its from entry has {label} {have!r}, not {want!r}"
                break
    if not ok_from:
        return why_from
    why_to = "it has no to entries"
    for t in tos if isinstance(tos, list) else ():
        if not isinstance(t, dict):
            continue
        group, kind, name = _s(t.get("group")), _s(t.get("kind")), _s(t.get("name"))
        if (group, kind) == to[:2] and (not name or name == to[2]):
            return None
        if group != to[0]:
            why_to = f"its to entry has group {group!r}, not {to[0]!r}"
        elif kind != to[1]:
            why_to = f"its to entry has kind {kind!r}, not {to[1]!r}"
        else:
            why_to = f"its to entry is limited to name {name!r}"
    return why_to


class MissingReferenceGrant(Rule):
    code = "IGW101"
    name = "missing-reference-grant"
    severity = "error"
    kinds = ROUTE_KINDS + ("Gateway",)
    tags = ("gateway-api", "reference")
    security_severity = "6.0"

    def check(self, doc, ctx):
        if doc.group != GATEWAY_GROUP:
            return
        index = ctx.index
        own_ns = index.namespace_of(doc)
        if doc.kind == "Gateway":
            refs = ((p, r, "", "Secret") for p, r in certificate_refs(doc))
        else:
            refs = ((p, r, "", "Service") for p, r in backend_refs(doc))
        for path, ref, default_group, default_kind in refs:
            target_ns = ref.get("namespace")
            if not isinstance(target_ns, str) or not target_ns or target_ns == own_ns:
                continue
            to = (_s(ref.get("group")) or default_group, _s(ref.get("kind")) or default_kind, _s(ref.get("name")))
            frm = (GATEWAY_GROUP, doc.kind, own_ns)
            grants = [g for g in index.of_kind("ReferenceGrant", namespace=target_ns) if g.group == GATEWAY_GROUP]
            reasons = []
            for g in grants:
                why = grant_mismatch(g.data, frm, to)
                if why is None:
                    break
                reasons.append(f"ReferenceGrant {target_ns}/{g.name} does not match: {why}")
            else:
                what = f"{to[1]} {target_ns}/{to[2]}"
                msg = (
                    f"{doc.kind} {own_ns}/{doc.name} references {what} in another namespace, "
                    f"but no ReferenceGrant in namespace {target_ns!r} allows {doc.kind} from {own_ns!r}"
                )
                if reasons:
                    msg += "; " + "; ".join(reasons[:2])
                else:
                    misplaced = [
                        g for g in index.of_kind("ReferenceGrant")
                        if g.group == GATEWAY_GROUP and index.namespace_of(g) != target_ns
                        and grant_mismatch(g.data, frm, to) is None
                    ]
                    if misplaced:
                        g = misplaced[0]
                        msg += (
                            f"; ReferenceGrant {index.namespace_of(g)}/{g.name} would allow it but sits in "
                            f"namespace {index.namespace_of(g)!r}: a grant must live in the target namespace"
                        )
                yield report(path, msg + " (the controller reports RefNotPermitted)")


RULE = MissingReferenceGrant()
