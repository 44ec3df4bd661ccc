"""LLM route without a request timeout long enough for completions.

## What it does

Finds HTTPRoute rules that serve an LLM: a backendRef to a Service in front of Bifrost or
vLLM (by the images of the pods it selects, or its name when those are not in the set), an
InferencePool, or a path match under `/v1/` (a rule whose path matches are all elsewhere,
such as `/ui`, is not an LLM route). Reports the rule when neither its
`timeouts.request` nor a kgateway TrafficPolicy that targets the route (or its Gateway)
with `timeouts.request` gives at least the floor: 60 s, or the rule option
`min_request_timeout` (`rules: {IGW110: {options: {min_request_timeout: 300s}}}`). A
timeout below the floor is reported on the value; `0s` (no timeout) passes.

## Why

Without a timeout the proxy's default applies, 15 s in Envoy-based implementations such as
kgateway (kgateway#12285, envoyproxy/ai-gateway#361). A long completion, a reasoning model
or a stream that outlives it is cut off with 504 `upstream request timeout` while the model
is still generating, and clients retry the expensive request.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bifrost-route, namespace: ai-gateway}
spec:
  parentRefs: [{name: unified-gateway}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v1/}}]
    backendRefs: [{name: bifrost-service, namespace: ai-external, port: 8080}]
```

## Fix

```yaml
  rules:
  - matches: [{path: {type: PathPrefix, value: /v1/}}]
    timeouts:
      request: 300s
    backendRefs: [{name: bifrost-service, namespace: ai-external, port: 8080}]
```

or a kgateway `TrafficPolicy` with `targetRefs` naming the route and `timeouts.request`.

Autofix: no -- the right timeout depends on your models and clients.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP, KGATEWAY_GROUP
from infergw_lint.gateway import backend_refs
from infergw_lint.llm import LLM_KINDS, duration_seconds, service_kind
from infergw_lint.rule import Rule, option, report

DEFAULT_FLOOR = "60s"
INFERENCE_POOLS = frozenset({"inference.networking.k8s.io", "inference.networking.x-k8s.io"})


def _policy_timeouts(index) -> dict:
    """(kind, namespace, name) of a route or Gateway -> the longest timeouts.request of the
    kgateway TrafficPolicies that target it (seconds)."""
    def build():
        out: dict = {}
        for pol in index.of_kind("TrafficPolicy", group=KGATEWAY_GROUP):
            spec = pol.get("spec")
            if not isinstance(spec, dict):
                continue
            timeouts = spec.get("timeouts")
            seconds = duration_seconds(timeouts.get("request")) if isinstance(timeouts, dict) else None
            if seconds is None:
                continue
            ns = index.namespace_of(pol)
            for ref in spec.get("targetRefs") if isinstance(spec.get("targetRefs"), list) else ():
                if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                    key = (ref.get("kind"), ns, ref["name"])
                    out[key] = max(out.get(key, 0.0), seconds)
        return out

    return index.memo("igw110-policy-timeouts", build)


def _llm_reason(rule: dict, refs: list, index) -> str | None:
    paths = [
        m["path"].get("value") for m in (rule.get("matches") if isinstance(rule.get("matches"), list) else ())
        if isinstance(m, dict) and isinstance(m.get("path"), dict)
    ]
    if paths and not any(isinstance(p, str) and (p in ("/", "/v1") or p.startswith("/v1/")) for p in paths):
        return None  # only other paths of the backend (a UI under /ui, a health check)
    for ref in refs:
        if ref.group in INFERENCE_POOLS and ref.kind == "InferencePool":
            return f"its backend is InferencePool {ref.name!r}"
        if ref.is_service:
            kind = service_kind(index, ref.namespace, ref.name)
            if kind in LLM_KINDS:
                label = "Bifrost" if kind == "bifrost" else "vLLM"
                return f"its backend {ref.namespace}/{ref.name} serves {label}"
    for match in rule.get("matches") if isinstance(rule.get("matches"), list) else ():
        path = match.get("path") if isinstance(match, dict) else None
        value = path.get("value") if isinstance(path, dict) else None
        if isinstance(value, str) and value.startswith("/v1/"):
            return f"it matches {value!r} (the OpenAI-compatible API)"
    return None


class LlmRouteTimeout(Rule):
    code = "IGW110"
    name = "llm-route-timeout"
    severity = "warning"
    kinds = ("HTTPRoute",)
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "kgateway", "llm-serving")
    security_severity = "2.0"

    def check(self, doc, ctx):
        rules = doc.get("spec", "rules")
        if not isinstance(rules, list):
            return
        floor_text = option(ctx, self, "min_request_timeout", DEFAULT_FLOOR)
        floor = duration_seconds(str(floor_text)) or duration_seconds(DEFAULT_FLOOR)
        index = ctx.index
        refs = backend_refs(doc, index)
        ns = index.namespace_of(doc)
        policies = _policy_timeouts(index)
        via_policy = policies.get(("HTTPRoute", ns, doc.name), 0.0)
        for parent in doc.get("spec", "parentRefs") or ():
            if isinstance(parent, dict) and isinstance(parent.get("name"), str) and parent.get("kind", "Gateway") == "Gateway":
                pns = parent.get("namespace") if isinstance(parent.get("namespace"), str) else ns
                via_policy = max(via_policy, policies.get(("Gateway", pns, parent["name"]), 0.0))
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict) or not rule.get("backendRefs"):
                continue
            mine = [r for r in refs if r.path[2] == i and not r.mirror]
            why = _llm_reason(rule, mine, index)
            if why is None:
                continue
            timeouts = rule.get("timeouts")
            written = timeouts.get("request") if isinstance(timeouts, dict) else None
            seconds = duration_seconds(written)
            if seconds is not None:
                if seconds == 0 or seconds >= floor:
                    continue
                yield report(
                    ("spec", "rules", i, "timeouts", "request"),
                    f"request timeout {written} is below {floor_text} for an LLM route ({why}): long completions "
                    f"and streams are cut off with 504; raise it (rule option min_request_timeout)",
                    help="Raise it (rule option min_request_timeout)",
                )
                continue
            if via_policy and via_policy >= floor:
                continue
            extra = f" (a TrafficPolicy gives only {via_policy:g}s)" if via_policy else ""
            yield report(
                ("spec", "rules", i),
                f"LLM route rule without timeouts.request{extra} ({why}): the proxy's default (15 s in kgateway/Envoy) "
                f"cuts long completions and streams with 504; set timeouts.request to at least {floor_text} here or "
                "in a kgateway TrafficPolicy",
                help=f"Set timeouts.request to at least {floor_text} here or in a kgateway TrafficPolicy",
            )


RULE = LlmRouteTimeout()
