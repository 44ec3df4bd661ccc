"""Internet-facing load balancer in a prod environment.

## What it does

In a prod environment, reports the `aws-load-balancer-scheme: internet-facing`
annotation (and `alb.ingress.kubernetes.io/scheme: internet-facing`) on:

- a Gateway, in `metadata.annotations` or `spec.infrastructure.annotations`;
- a kgateway GatewayParameters, in `spec.kube.service.extraAnnotations`;
- a Service or an Ingress, in `metadata.annotations`.

Prod is `--env prod` on the command line, or the resource's Namespace (in the linted
set) labelled `environment: prod` or `env: prod` (`production` counts too).

## Why

An internet-facing NLB exposes the inference API, Langfuse and the Bifrost admin UI to
the internet, by default from 0.0.0.0/0. The deployment guide requires CloudFront with
WAF/Shield in front in prod; a public security group without authentication is blocked by
company policy.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: unified-gateway
  namespace: ai-gateway          # Namespace labelled environment: prod
spec:
  infrastructure:
    annotations:
      service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
```

## Fix

Use `service.beta.kubernetes.io/aws-load-balancer-scheme: internal` and publish through
CloudFront + WAF (VPC origin), or keep the NLB out of prod.

Autofix: no.
"""

from infergw_lint.domain import GATEWAY_GROUP, KGATEWAY_GROUP
from infergw_lint.gateway import gateway_is_kgateway, graph_for
from infergw_lint.rule import Rule, report

SCHEME_KEYS = ("service.beta.kubernetes.io/aws-load-balancer-scheme", "alb.ingress.kubernetes.io/scheme")


def _public(annotations, base) -> list:
    """The paths of the internet-facing scheme annotations among ``annotations`` (a list,
    not a generator: asked of every Service, which mostly has no annotations at all)."""
    if not annotations or not isinstance(annotations, dict):
        return []
    return [
        base + (key,) for key in SCHEME_KEYS
        if isinstance(val := annotations.get(key), str) and val.strip().lower() == "internet-facing"
    ]


class PublicLbInProd(Rule):
    code = "IGW401"
    name = "public-lb-in-prod"
    severity = "error"
    kinds = ("Gateway", "GatewayParameters", "Service", "Ingress")
    tags = ("aws", "security", "exposure")
    security_severity = "8.0"

    def check(self, doc, ctx):
        kind = doc.kind
        if kind == "Service" or kind == "Ingress":
            paths = _public(doc.annotations, ("metadata", "annotations"))
        elif kind == "Gateway" and doc.group == GATEWAY_GROUP:
            paths = _public(doc.annotations, ("metadata", "annotations"))
            paths += _public(doc.get("spec", "infrastructure", "annotations"), ("spec", "infrastructure", "annotations"))
        elif kind == "GatewayParameters" and doc.group == KGATEWAY_GROUP:
            base = ("spec", "kube", "service", "extraAnnotations")
            paths = _public(doc.get(*base), base)
        else:
            return ()
        if not paths or ctx.environment(doc) != "prod":
            return ()  # (the annotations first: most load balancers are not internet-facing; no generator made)
        return self._report(doc, ctx, paths)

    def _report(self, doc, ctx, paths: list):
        why = ctx.environment_reason(doc)
        for path in paths:
            note = ""
            if (
                doc.kind == "Gateway" and path[:2] == ("metadata", "annotations")
                and gateway_is_kgateway(doc, graph_for(ctx)) is not False
            ):
                note = (
                    "kgateway ignores Gateway metadata annotations (see IGW402), but this states the intent: "
                    "moved to spec.infrastructure it would expose the gateway. "
                )
            fix = "Put CloudFront + WAF in front and use an internal scheme"
            yield report(
                path,
                f"internet-facing load balancer in prod ({why}): {note}{fix}",
                help=fix,
            )


RULE = PublicLbInProd()
