"""Gateway API or kgateway apiVersion that the target cluster does not serve.

## What it does

- a Gateway API resource (group `gateway.networking.k8s.io` or
  `gateway.networking.x-k8s.io`) whose version is not served by the Gateway API release
  of the target cluster: the stack profile's Gateway API version (`--gateway-api-version`,
  `versions: {gateway-api: ...}` in the configuration, else the `bundle-version`
  annotation of Gateway API CRDs in the set -- not `v0.0.0-dev`, which upstream's main
  branch writes on CRDs of no release -- else `1.2`, the release the deployment
  guide installs; the message says which). The
  table covers v1.0 to v1.6 in either release channel, from the upstream CRDs -- e.g.
  ReferenceGrant `v1` exists from v1.5 (before: `v1beta1`), TLSRoute `v1` from v1.5,
  TCPRoute/UDPRoute `v1` and BackendTLSPolicy `v1` from v1.6/v1.4, ListenerSet from
  v1.5; the `v1alpha2` versions of GRPCRoute and ReferenceGrant are gone from v1.2 and
  HTTPRoute/Gateway/GatewayClass `v1alpha2` from v1.0. TCPRoute, UDPRoute and TLSRoute
  `v1alpha2` stay served (experimental channel) and are not reported;
- any resource in the `kgateway.dev` group (kgateway's API group is
  `gateway.kgateway.dev`), and `group: kgateway.dev` in references inside Gateway API
  resources (route filters, backendRefs, a Gateway's `infrastructure.parametersRef`; a
  GatewayClass parametersRef is IGW107's).

## Why

The API server knows only the versions its installed CRDs serve: `kubectl apply` fails
with `no matches for kind "ReferenceGrant" in version "gateway.networking.k8s.io/v1"` --
in CI or, worse, halfway through a deployment, after the routes that needed the grant were
applied. Manifests copied from the newest upstream docs often use versions a v1.2 cluster
does not have. A resource in a group that does not exist (`kgateway.dev/v1alpha1`, as the
seed's GatewayClassConfig) fails the same way.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1     # served from Gateway API v1.5 only
kind: ReferenceGrant
metadata: {name: allow-ai-gateway-routes, namespace: ai-external}
```

## Fix

Use a version the cluster serves (`gateway.networking.k8s.io/v1beta1` for ReferenceGrant
on v1.2..v1.4), or upgrade the Gateway API CRDs and pass `--gateway-api-version 1.5` so
the linter checks against them. For kgateway resources use
`gateway.kgateway.dev/v1alpha1`.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP, KGATEWAY_GROUP
from infergw_lint.gateway import X_GATEWAY_GROUP, first_served, last_served, served, served_versions
from infergw_lint.rule import Rule, report

WRONG_KGATEWAY_GROUPS = frozenset({"kgateway.dev"})
MAX_WALK = 2000  # nodes looked at per document for group: references


def _fmt(v: tuple) -> str:
    return f"v{v[0]}.{v[1]}"


def _group_refs(node, path, budget):
    """(path, value) of every ``group`` key under ``node`` holding a wrong kgateway group."""
    stack = [(node, path)]
    while stack and budget[0] > 0:
        cur, p = stack.pop()
        budget[0] -= 1
        if isinstance(cur, dict):
            for k, v in cur.items():
                if k == "group" and isinstance(v, str) and v in WRONG_KGATEWAY_GROUPS:
                    yield p + (k,), v
                elif isinstance(v, (dict, list)):
                    stack.append((v, p + (k,)))
        elif isinstance(cur, list):
            for i, v in enumerate(cur):
                if isinstance(v, (dict, list)):
                    stack.append((v, p + (i,)))


def _has_group_ref(node) -> bool:
    """Would ``_group_refs`` (same walk, same budget) find anything?  Without the paths,
    which only a finding needs."""
    stack = [node]
    budget = MAX_WALK
    while stack and budget > 0:
        cur = stack.pop()
        budget -= 1
        if isinstance(cur, dict):
            for k, v in cur.items():
                if k == "group" and isinstance(v, str) and v in WRONG_KGATEWAY_GROUPS:
                    return True
                if isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(cur, list):
            for v in cur:
                if isinstance(v, (dict, list)):
                    stack.append(v)
    return False


def _origin(release) -> str:
    """Where the target release came from, for the message."""
    if release.origin == "default":
        return "assumed: no version stated and no Gateway API CRDs with a bundle-version in the set"
    return release.source


class UnsupportedApiVersion(Rule):
    code = "IGW109"
    name = "unsupported-api-version"
    severity = "error"
    kinds = ()
    groups = tuple(sorted(WRONG_KGATEWAY_GROUPS)) + (GATEWAY_GROUP, X_GATEWAY_GROUP)  # check reads no other
    tags = ("gateway-api", "kgateway", "compatibility")
    security_severity = "2.0"

    def check(self, doc, ctx):
        group, kind = doc.group, doc.kind
        av = doc.api_version or ""
        version = av.rsplit("/", 1)[-1] if "/" in av else av
        if group in WRONG_KGATEWAY_GROUPS:
            extra = "; kgateway has no GatewayClassConfig kind either (use GatewayParameters)" if kind == "GatewayClassConfig" else ""
            fix = f"Use apiVersion {KGATEWAY_GROUP}/v1alpha1" + (" and kind GatewayParameters" if extra else "")
            yield report(
                ("apiVersion",),
                f"API group {group!r} does not exist: {kind} uses apiVersion {av}, but no CRD serves the group "
                f"{group!r}, so kubectl apply fails; kgateway's API group is {KGATEWAY_GROUP} "
                f"({KGATEWAY_GROUP}/v1alpha1){extra}. {fix}",
                help=fix,
            )
            return
        if group in (GATEWAY_GROUP, X_GATEWAY_GROUP):
            release = ctx.versions.gateway_api
            target = release.minor() or (1, 2)
            ok = served(group, kind, version, target)
            if ok is False:
                msg, fix = self._message(group, kind, version, target, release)
                yield report(("apiVersion",), msg, help=fix)
            if kind != "GatewayClass":
                spec = doc.get("spec")
                for path, value in _group_refs(spec, ("spec",), [MAX_WALK]) if _has_group_ref(spec) else ():
                    yield report(
                        path,
                        f"group {value!r} does not exist: kgateway's API group is {KGATEWAY_GROUP}, so the "
                        "reference never resolves. Use group: " + KGATEWAY_GROUP,
                        help="Use group: " + KGATEWAY_GROUP,
                    )

    def _message(self, group, kind, version, target, release) -> tuple:
        """(message, help) for an apiVersion the target release does not serve."""
        since = first_served(group, kind, version)
        alternatives = served_versions(group, kind, target)
        last = last_served(group, kind, version)
        if since is not None and since > target:
            why = f"is served from Gateway API {_fmt(since)}"
        elif last is not None and last < target:
            why = f"was last served by Gateway API {_fmt(last)}"
        else:
            why = "is not served by Gateway API v1.0 or later"
        msg = (
            f"{kind} {group}/{version} is not served by Gateway API {_fmt(target)}: it {why}, and the target "
            f"is {_fmt(target)} ({_origin(release)}), so kubectl apply fails with 'no matches for kind {kind}'"
        )
        if alternatives:
            fix = f"Use {group}/{alternatives[0]}"
        else:
            firsts = [first_served(group, kind, v) for v in ("v1", "v1beta1", "v1alpha3", "v1alpha2", "v1alpha1")]
            firsts = [f for f in firsts if f is not None and f > target]
            fix = f"{kind} needs Gateway API {_fmt(min(firsts))} or later" if firsts else f"{kind} is not available there"
        fix += ", or state the cluster's real version (--gateway-api-version or versions.gateway-api)"
        return f"{msg}. {fix}", fix


RULE = UnsupportedApiVersion()
