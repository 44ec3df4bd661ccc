"""Cross-namespace reference with no ReferenceGrant that allows it.

## What it does

For every HTTPRoute, GRPCRoute, TCPRoute, TLSRoute and UDPRoute `backendRef` (also the
`requestMirror` filter's backendRef) that names another namespace, and every Gateway or
ListenerSet listener `tls.certificateRefs` entry (and CA certificate reference) in another
namespace, looks for a ReferenceGrant
in the *target* namespace whose `from` entry matches (group, kind, namespace of the
referrer) and whose `to` entry matches (group, kind and, when set, name of the target).
Reports the backendRef (or certificateRef) item when none does, and says which grant came
closest and why it does not match.

**Not judged** (deliberately): a kgateway delegation backendRef (group
`gateway.networking.k8s.io` kind `HTTPRoute`, or group `delegation.kgateway.dev` kind
`label`), which hands the rule to child routes and needs no grant even across namespaces;
and a Service backendRef of a mesh (GAMMA) route -- one whose every parentRef is a Service --
which the mesh resolves without a grant (Gateway API conformance `MeshConsumerRoute`).

## Why

Without the grant the Gateway API controller refuses the reference (ResolvedRefs=False,
reason RefNotPermitted): the route answers 500 and the listener serves no TLS. The grant
must live in the namespace of the Service or Secret, not in the route's namespace; `from`
needs the route's exact kind and namespace; `to.name`, when present, limits the grant to
that one object. Grants are read from the whole linted set, across files.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bifrost-route, namespace: ai-gateway}
spec:
  rules:
  - backendRefs:
    - name: bifrost-service
      namespace: ai-external      # no ReferenceGrant in ai-external
      port: 8080
```

## Fix

Add to the target namespace:

```yaml
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-ai-gateway-routes, namespace: ai-external}
spec:
  from:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ai-gateway}
  to:
  - {group: "", kind: Service}
```

When you lint only part of a tree (a pre-commit hook on changed files), pass
`--context DIR` so grants in unchanged files are seen.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP, ROUTE_KINDS
from infergw_lint.gateway import Reference, backend_refs, core_group, grant_mismatch, grants_in, needs_grant, object_refs
from infergw_lint.rule import Rule, brief, report


def references(doc, index):
    """(path, Reference) for every reference of a route, Gateway or ListenerSet that leaves
    its namespace."""
    own_ns = index.namespace_of(doc) or index.default_namespace
    if doc.kind in ROUTE_KINDS:
        for b in backend_refs(doc, index):
            if needs_grant(doc, b, own_ns):
                yield b.path, Reference(GATEWAY_GROUP, doc.kind, own_ns, b.group, b.kind, b.namespace, b.name)
        return
    for path, ref, dgroup, dkind in object_refs(doc):
        ns = ref.get("namespace")
        if isinstance(ns, str) and ns and ns != own_ns:
            group = core_group(ref.get("group")) if "group" in ref else dgroup
            kind = ref.get("kind") if isinstance(ref.get("kind"), str) and ref.get("kind") else dkind
            name = ref.get("name") if isinstance(ref.get("name"), str) else ""
            yield path, Reference(GATEWAY_GROUP, doc.kind, own_ns, group, kind, ns, name)


class MissingReferenceGrant(Rule):
    code = "IGW101"
    name = "missing-reference-grant"
    severity = "error"
    kinds = ROUTE_KINDS + ("Gateway", "ListenerSet")
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "reference")
    security_severity = "6.0"

    def check(self, doc, ctx):
        index = ctx.index
        for path, ref in references(doc, index):
            target_ns = ref.to_ns
            here = grants_in(index, target_ns)
            if here.first_allowing(ref) is None:
                # none allows it: the first two say why (each grant asked only for its reason)
                reasons = [
                    f"ReferenceGrant {target_ns}/{g.name} does not match: {grant_mismatch(g.data, ref)}"
                    for g in here.grants[:2]
                ]
                target = f"{ref.to_kind} {target_ns}/{ref.to_name}"
                head = brief(f"no ReferenceGrant allows the reference to {target}",
                             f"no ReferenceGrant allows the reference to this {ref.to_kind}")
                msg = (
                    f"{head}: {doc.kind} {ref.from_ns}/{doc.name} references {'it' if target in head else target} in "
                    f"another namespace, but no ReferenceGrant in namespace {target_ns!r} allows {doc.kind} from "
                    f"{ref.from_ns!r}"
                )
                fix = (
                    f"Add a ReferenceGrant in namespace {target_ns!r} from {doc.kind} in {ref.from_ns!r} to "
                    f"{ref.to_kind} {ref.to_name}"
                )
                if reasons:
                    msg += "; " + "; ".join(reasons[:2])
                else:
                    # the usual slip: the grant was put in the referrer's own namespace
                    g = grants_in(index, ref.from_ns).first_allowing(ref)
                    if g is not None:
                        msg += (
                            f"; ReferenceGrant {index.namespace_of(g)}/{g.name} would allow it but sits in "
                            f"namespace {index.namespace_of(g)!r}: a grant must live in the target namespace"
                        )
                        fix = f"Move ReferenceGrant {g.name} to namespace {target_ns!r}"
                yield report(path, msg + f" (the controller reports RefNotPermitted). {fix}", help=fix)


RULE = MissingReferenceGrant()
