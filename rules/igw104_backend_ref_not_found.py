"""Route backendRef to a Service that does not exist, a port it does not expose, or an unknown kind.

## What it does

For every `backendRef` of an HTTPRoute, GRPCRoute, TLSRoute, TCPRoute or UDPRoute (and
the backendRef of a `requestMirror` filter), with the defaults applied (group `""`,
kind `Service`, the route's namespace), reports:

- a Service backendRef without `port` (the API server requires one);
- a Service that is not in the linted set -- only when the set is complete for it (see
  below) -- with the closest existing name when there is one;
- a `port` the Service does not expose in `spec.ports` (an ExternalName Service
  without ports is not checked);
- an unknown kind: anything but a core Service, a kgateway `Backend`
  (gateway.kgateway.dev), an `InferencePool` (inference.networking.k8s.io /
  inference.networking.x-k8s.io), a `ServiceImport` (multicluster.x-k8s.io), an Istio
  `ServiceEntry`/`Hostname`, an agentgateway `AgentgatewayBackend` or an Envoy
  Gateway `Backend` -- unless the linted set holds an object of that group and kind, or
  its CustomResourceDefinition (in the set, `--context` or `--crds`), or the route's parent
  Gateways all belong to a GatewayClass in the set whose controller is not kgateway (that
  controller may serve its own kinds). A kgateway Backend or an InferencePool that is missing is reported like a
  Service.

Completeness: a linter given part of a tree must not cry wolf. A missing target is
reported only when the set is complete for that namespace and kind -- its Namespace object
is present, or at least one object of the target's kind in that namespace is (a route alone
does not count: routes whose Services live in another tree are a partial view) -- or when
the reference omits `namespace` and an object of that name exists in another namespace (the
usual slip); and the set holds at least one object of the
target's kind (a tree without any Service is a routes-only tree whose Services live
elsewhere). `--assume-complete` reports every miss; `--no-assume-complete` none.

Severity: an unknown kind is an error when the route's Gateways belong to a controller in
the set (their GatewayClass, or a class a controller installs itself such as Istio's
`istio`); a warning when the controller is unknown (a test harness or a plugin may serve the
kind). A missing backend with `weight: 0` gets no traffic: a warning.

**Not judged** (deliberately): kgateway delegation backendRefs (`HTTPRoute` or
`delegation.kgateway.dev` `label`: they select child routes, which `infergw-lint routes`
shows); backend kinds of routes whose Gateways all belong to another controller (Istio,
Envoy Gateway, ...) unless it is listed in the configuration's `controllers:` -- the run
prints a note naming that controller; targets in namespaces the set does not cover.

## Why

The controller cannot resolve the backend: the route gets `ResolvedRefs: False`
(`BackendNotFound` or `InvalidKind`) and the requests that match the rule answer 500
(HTTP) or are refused (TCP/TLS/UDP). A Service renamed in one file and not in the route, a
port copied from the container (`targetPort`) instead of the Service, or a backendRef
left in the route's namespace when the Service lives in another are the usual causes.

## Example

```yaml
kind: HTTPRoute
metadata: {name: vllm-route, namespace: ai-inference}
spec:
  rules:
  - backendRefs:
    - name: vllm-service      # no Service vllm-service in ai-inference
      port: 8000
```

## Fix

Name an existing Service and one of its `spec.ports[].port` values (not the
`targetPort`); add `namespace:` (and a ReferenceGrant there) when the Service lives in
another namespace. When the Service is defined outside the linted files, pass
`--context DIR` so it is seen.

Autofix: no.
"""

from __future__ import annotations


from infergw_lint.domain import GATEWAY_GROUP, ROUTE_KINDS
from infergw_lint.gateway import backend_problems, backend_refs, gateway_controller, graph_for, service_ports
from infergw_lint.rule import Rule, brief, close_matches, report

class BackendRefNotFound(Rule):
    code = "IGW104"
    name = "backend-ref-not-found"
    severity = "error"
    kinds = ROUTE_KINDS
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "reference")
    security_severity = "3.0"
    covers = ("Must have port for Service reference",)  # the CRD's CEL rule (IGW502)

    def check(self, doc, ctx):
        index = ctx.index
        g = graph_for(ctx)
        route = None  # how the messages name the route: made for its first finding
        for b in backend_refs(doc, index):
            # the decision is gateway.backend_problems (shared with `infergw-lint routes`);
            # this rule words it with hints
            for p in backend_problems(ctx, doc, b, grants=False):  # (IGW101's problem left out)
                if p.code != self.code:
                    continue
                if route is None:
                    route = f"{doc.kind} {index.namespace_of(doc)}/{doc.name}"
                what = "mirror backendRef" if b.mirror else "backendRef"
                if p.what == "kind":
                    known = self._controller_known(doc, g, ctx)
                    named = f"kind {b.kind!r} in group {b.group or 'core'!r}"
                    head = brief(f"{what} {named} is not a known backend kind", f"{what} kind is not a known backend kind")
                    it = "it" if named in head else named
                    fix = ("Use a Service, or add the kind's CRD or object to the linted set (--context, or the "
                           "CRD with --crds) if your controller serves it")
                    yield report(
                        b.path + (("kind",) if "kind" in b.data else ("group",) if "group" in b.data else ()),
                        f"{head}: {route} names {it}, Gateway API implementations resolve other kinds (Service, kgateway "
                        "Backend, InferencePool, ServiceImport, ...), and nothing in the set defines it. A "
                        "controller that does not know the kind reports ResolvedRefs=False (InvalidKind) and the "
                        "rule answers 500"
                        + ("" if known else " (the route's controller is not in the set, so this is a warning)")
                        + ". " + fix,
                        severity=None if known else "warning", help=fix,
                    )
                elif p.what == "no-port":
                    fix = "Add the Service's spec.ports[].port"
                    svc = f"Service {b.namespace}/{b.name}"
                    head = brief(f"{what} to {svc} has no port", f"{what} to a Service has no port")
                    yield report(
                        b.path,
                        f"{head}: {route} names {'it' if svc in head else svc}, and the API "
                        f"server rejects a Service backendRef without one. {fix}",
                        help=fix,
                    )
                elif p.what == "not-found":
                    weight = b.data.get("weight")
                    idle = weight == 0 and not isinstance(weight, bool)
                    msg, fix = self._not_found(route, what, b, g, idle)
                    yield report(b.path + ("name",), msg, severity="warning" if idle else None, help=fix)
                elif p.what == "port":
                    msg, fix = self._no_such_port(route, what, b, index)
                    yield report(b.path + ("port",), msg, help=fix)

    @staticmethod
    def _controller_known(route, g, ctx) -> bool:
        """Is every parent Gateway of ``route`` owned by a controller in the set (its
        GatewayClass, or a class a controller installs itself)?"""
        parents = [p for att in g.attachments(route) for p in att.parents if p.kind == "Gateway"]
        return bool(parents) and all(gateway_controller(p, g) is not None for p in parents)

    @staticmethod
    def _not_found(route: str, what: str, b, g, idle: bool) -> tuple:
        """(message, help) for a backendRef whose target is not in the linted set."""
        shown = f"{b.kind} {b.namespace}/{b.name}" if not b.group else f"{b.kind}.{b.group} {b.namespace}/{b.name}"
        elsewhere = [n for n in g.namespaces_of_name(b.kind, b.name, b.group) if n != b.namespace]
        fix = "Fix the name or namespace, or pass --context with the directory that defines it"
        if elsewhere and "namespace" not in b.data:
            hint = (
                f" (the backendRef has no namespace, so it means the route's own; {b.kind} {b.name} is in "
                f"{elsewhere[0]!r})"
            )
            fix = (f"Add namespace: {elsewhere[0]} to the backendRef and a ReferenceGrant there, or pass "
                   "--context with the directory that defines it")
        else:
            close = close_matches(b.name, g.names_in(b.kind, b.namespace, b.group), n=1)
            hint = ""
            if close:
                fix = f"Did you mean {close[0]!r}? " + fix
        head = brief(f"{what} {shown} is not in the linted set", f"the {what}'s {b.kind} is not in the linted set")
        idle_note = " (it has weight 0, so it gets no traffic: a warning)" if idle else ""
        return (
            f"{head}: {route} names {'it' if shown in head else shown}, and namespace {b.namespace!r} is "
            f"in the set{hint}. The controller reports ResolvedRefs=False (BackendNotFound) and the matching "
            f"requests answer 500{idle_note}. {fix}",
            fix,
        )

    @staticmethod
    def _no_such_port(route: str, what: str, b, index) -> tuple:
        """(message, help) for a backendRef port the Service does not expose."""
        target = index.get(b.kind, b.namespace, b.name, group=b.group)
        ports = service_ports(target) or []
        listed = ", ".join(str(p) for p in ports)
        target_ports = {
            p.get("targetPort") for p in target.get("spec", "ports", default=[]) or []
            if isinstance(p, dict) and isinstance(p.get("targetPort"), int)
        }
        if b.port in target_ports:
            listed += f" ({b.port} is a targetPort, the container's port)"
        fix = "Use a spec.ports[].port of the Service (not its targetPort)"
        svc = f"Service {b.namespace}/{b.name}"
        head = brief(f"{what} port {b.port} is not a port of {svc}", f"{what} port {b.port} is not a port of its Service")
        of = "" if svc in head else f" with {svc}"
        return (
            f"{head}: {route} uses it{of}, and the Service exposes only {listed}, so the controller finds no such port and the matching requests "
            f"fail. {fix}",
            fix,
        )


RULE = BackendRefNotFound()
