"""Gateway class that does not exist, or a kgateway GatewayClass with a wrong controller or parameters.

## What it does

Reports:

- a Gateway whose `spec.gatewayClassName` names no GatewayClass in the set, when the set
  holds at least one GatewayClass (a set without any is a tree whose classes are installed
  by a Helm chart; template placeholders like `{GATEWAY_CLASS_NAME}` are skipped);
- a GatewayClass meant for kgateway (its `controllerName` mentions kgateway) whose
  `controllerName` is not one kgateway serves: `kgateway.dev/kgateway` (Envoy proxy)
  or `kgateway.dev/kgateway-waypoint` (the seed writes `kgateway.dev/kgateway-controller`);
- a kgateway GatewayClass `parametersRef` -- or the `spec.infrastructure.parametersRef`
  of a Gateway of a kgateway class -- that is not `group: gateway.kgateway.dev, kind:
  GatewayParameters` (kgateway has no `GatewayClassConfig` kind and no `kgateway.dev`
  API group); a GatewayClass parametersRef to GatewayParameters without `namespace`; and
  a GatewayParameters object that is not in the set when its namespace is complete (the
  completeness rule of IGW103/IGW104).

**Not judged** (deliberately): GatewayClasses of other controllers (only a class whose
`controllerName` mentions kgateway is checked), and a `gatewayClassName` that another
controller installs itself (Istio's `istio`, `istio-waypoint`, `istio-remote`,
`istio-east-west`; kgateway's own `kgateway` and `kgateway-waypoint`, which its controller
creates at start-up, so a chart-installed kgateway has them with no manifest). The unknown-class message names the files that define the classes in
the set, so a tree of many independent examples shows where each side comes from; lint
such a tree one example at a time (see docs/realworld.md).

## Why

No controller claims a GatewayClass with an unknown `controllerName`: the class and
every Gateway using it stay `Accepted: Unknown` ("Waiting for controller"), no proxy
Deployment or load balancer is created, and nothing in the cluster says why. A Gateway
naming a class that does not exist is ignored the same way. A parametersRef to a kind the
controller does not know makes it reject the class or Gateway (`InvalidParameters`).

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: kgateway}
spec:
  controllerName: kgateway.dev/kgateway-controller   # not a kgateway controller name
  parametersRef:
    group: kgateway.dev                               # not an API group
    kind: GatewayClassConfig                          # not a kgateway kind
    name: kgateway-config
```

## Fix

Use `controllerName: kgateway.dev/kgateway` (the Helm chart installs a GatewayClass
`kgateway` with it already) and put proxy settings in a GatewayParameters object:

```yaml
parametersRef:
  group: gateway.kgateway.dev
  kind: GatewayParameters
  name: kgateway-params
  namespace: kgateway-system
```

Autofix: no.
"""

from __future__ import annotations


from infergw_lint.domain import GATEWAY_GROUP, KGATEWAY_GROUP
from infergw_lint.gateway import BUILTIN_CLASSES, KGATEWAY_CONTROLLERS, gateway_is_kgateway, graph_for, is_kgateway_class, lookup_complete
from infergw_lint.rule import Rule, close_matches, report

PARAMS = (KGATEWAY_GROUP, "GatewayParameters")


def _placeholder(name: str) -> bool:
    return any(c in name for c in "{}$<>")


class GatewayClassMismatch(Rule):
    code = "IGW107"
    name = "gateway-class-mismatch"
    severity = "error"
    kinds = ("Gateway", "GatewayClass")
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "kgateway")
    security_severity = "3.0"

    def check(self, doc, ctx):
        if doc.kind == "GatewayClass":
            yield from self._check_class(doc, ctx)
        else:
            yield from self._check_gateway(doc, ctx)

    def _check_class(self, doc, ctx):
        if not is_kgateway_class(doc):
            return
        cn = doc.get("spec", "controllerName")
        if cn not in KGATEWAY_CONTROLLERS:
            fix = "Use 'kgateway.dev/kgateway' (or 'kgateway.dev/kgateway-waypoint' for a waypoint)"
            yield report(
                ("spec", "controllerName"),
                f"controllerName {cn!r} is not a kgateway controller: GatewayClass {doc.name} names it, and "
                "kgateway does not serve it, so no controller accepts the class and its Gateways never get a proxy "
                f"or load balancer. {fix}",
                help=fix,
            )
        ref = doc.get("spec", "parametersRef")
        if isinstance(ref, dict):
            yield from self._params(doc, ctx, ref, ("spec", "parametersRef"), f"GatewayClass {doc.name}", need_ns=True)

    def _params(self, doc, ctx, ref, path, owner, need_ns):
        group, kind = ref.get("group"), ref.get("kind")
        if (group, kind) != PARAMS:
            wrong = []
            if group != KGATEWAY_GROUP:
                wrong.append(f"group {group!r} is not kgateway's API group {KGATEWAY_GROUP!r}")
            if kind != "GatewayParameters":
                wrong.append(f"kind {kind!r} is not a kgateway kind" + (" (kgateway has no GatewayClassConfig)" if kind == "GatewayClassConfig" else ""))
            at = path + (("kind",) if kind != "GatewayParameters" and "kind" in ref else ("group",) if "group" in ref else ())
            fix = f"Point it at a GatewayParameters (group: {KGATEWAY_GROUP}, kind: GatewayParameters)"
            yield report(
                at,
                f"parametersRef does not name a kgateway GatewayParameters: {owner} parametersRef: "
                f"{'; '.join(wrong)}. kgateway reads proxy settings only from GatewayParameters "
                f"({KGATEWAY_GROUP}), so it rejects the reference (InvalidParameters) and the settings never "
                f"apply. {fix}",
                help=fix,
            )
            return
        name = ref.get("name")
        ns = ref.get("namespace")
        if not isinstance(name, str):
            return
        if need_ns and not (isinstance(ns, str) and ns):
            fix = "Add namespace: (e.g. kgateway-system)"
            yield report(
                path,
                f"{owner} parametersRef to GatewayParameters {name} has no namespace: GatewayParameters is "
                f"namespaced and a GatewayClass is not, so kgateway cannot find it. {fix}",
                help=fix,
            )
            return
        ns = ns if isinstance(ns, str) and ns else ctx.index.namespace_of(doc)
        if ctx.index.get("GatewayParameters", ns, name, group=KGATEWAY_GROUP) is None and lookup_complete(ctx, "GatewayParameters", ns):
            names = graph_for(ctx).names_in("GatewayParameters", ns, KGATEWAY_GROUP)
            close = close_matches(name, names, n=1)
            fix = (f"Did you mean {close[0]!r}? " if close else "") + (
                "Fix the name or namespace, or pass --context with the directory that defines it")
            yield report(
                path + ("name",),
                f"GatewayParameters {ns}/{name} is not in the linted set: {owner} parametersRef names it, and "
                f"namespace {ns!r} is in the set, so kgateway rejects the reference (InvalidParameters) and the "
                f"settings never apply. {fix}",
                help=fix,
            )

    def _check_gateway(self, doc, ctx):
        g = graph_for(ctx)
        name = doc.get("spec", "gatewayClassName")
        if (
            isinstance(name, str) and name and not _placeholder(name) and g.classes and name not in g.classes
            and name not in BUILTIN_CLASSES
        ):
            close = close_matches(name, list(g.classes), n=1)
            defined = "; ".join(
                f"{c} in {docs[0].path}:{docs[0].span(()).line}" for c, docs in sorted(g.classes.items())[:3]
            ) + ("; ..." if len(g.classes) > 3 else "")
            fix = (f"Did you mean {close[0]!r}? " if close else "") + (
                "Fix the name, or pass --context with the files that define the class if a chart installs it")
            yield report(
                ("spec", "gatewayClassName"),
                f"GatewayClass {name!r} is not in the linted set: Gateway {ctx.index.namespace_of(doc)}/{doc.name} "
                f"uses it as gatewayClassName, but the GatewayClasses in the set are {', '.join(sorted(g.classes))} "
                f"({defined}), so no controller picks the Gateway up and it never gets an address. {fix}",
                help=fix,
            )
        ref = doc.get("spec", "infrastructure", "parametersRef")
        if isinstance(ref, dict) and gateway_is_kgateway(doc, g):
            owner = f"Gateway {ctx.index.namespace_of(doc)}/{doc.name} infrastructure"
            yield from self._params(doc, ctx, ref, ("spec", "infrastructure", "parametersRef"), owner, need_ns=False)


RULE = GatewayClassMismatch()
