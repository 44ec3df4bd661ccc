"""AWS load-balancer annotations in a Gateway's metadata, where kgateway ignores them.

## What it does

Reports, on a Gateway:

- AWS load-balancer annotations (`service.beta.kubernetes.io/aws-load-balancer-*`,
  `service.beta.kubernetes.io/load-balancer-source-ranges`) in `metadata.annotations`
  -- one finding per Gateway, on the first such key, naming them all. This applies when
  the Gateway's class is a kgateway class, or when its GatewayClass is not in the set;
  a Gateway of another controller's class in the set is skipped (some implementations,
  like Istio, do copy Gateway annotations to the Service);
- more than 8 entries in `spec.infrastructure.annotations` or
  `spec.infrastructure.labels` (any implementation: this is the API's limit).

## Why

kgateway builds the proxy Service's annotations from `spec.infrastructure.annotations`
of the Gateway and `spec.kube.service.extraAnnotations` of its GatewayParameters; it
does not copy the Gateway's own `metadata.annotations`. Written there (as in the
deployment guide), the load-balancer type, target type and scheme never reach the AWS
Load Balancer Controller: you get the cloud provider's default load balancer instead of
an NLB with IP targets, and an `internal` scheme meant to keep the endpoint private has
no effect. The API server rejects a Gateway with more than 8 infrastructure annotations
or labels.

## Example

```yaml
kind: Gateway
metadata:
  name: unified-gateway
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: "external"   # ignored
spec:
  gatewayClassName: kgateway
```

## Fix

Move them to `spec.infrastructure.annotations` (at most 8), or -- for more, or to share
them between Gateways -- to the GatewayParameters `spec.kube.service.extraAnnotations`:

```yaml
spec:
  gatewayClassName: kgateway
  infrastructure:
    annotations:
      service.beta.kubernetes.io/aws-load-balancer-type: "external"
      service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: "ip"
      service.beta.kubernetes.io/aws-load-balancer-scheme: "internal"
```

Autofix: yes -- `infergw-lint --fix` moves the AWS annotations (with their comments) to
`spec.infrastructure.annotations` while that stays within 8 entries; too many
infrastructure entries are fixed by hand.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP
from infergw_lint.gateway import gateway_is_kgateway, graph_for
from infergw_lint.rule import Rule, report

AWS_PREFIXES = ("service.beta.kubernetes.io/aws-load-balancer-",)
AWS_KEYS = frozenset({"service.beta.kubernetes.io/load-balancer-source-ranges"})
MAX_INFRA = 8


def is_aws_lb_annotation(key) -> bool:
    return isinstance(key, str) and (key.startswith(AWS_PREFIXES) or key in AWS_KEYS)


class LbAnnotationsNotPropagated(Rule):
    code = "IGW402"
    name = "lb-annotations-not-propagated"
    severity = "error"
    kinds = ("Gateway",)
    groups = (GATEWAY_GROUP,)
    tags = ("aws", "kgateway", "exposure")
    security_severity = "5.0"
    fixable = True

    def check(self, doc, ctx):
        me = f"Gateway {ctx.index.namespace_of(doc)}/{doc.name}"
        keys = [k for k in doc.annotations if is_aws_lb_annotation(k)]
        if keys and gateway_is_kgateway(doc, graph_for(ctx)) is not False:
            shown = ", ".join(k.rsplit("/", 1)[-1] for k in keys)
            yield report(
                ("metadata", "annotations", keys[0]),
                f"{me} has {len(keys)} AWS load-balancer annotation{'s' if len(keys) != 1 else ''} in "
                f"metadata.annotations ({shown}); kgateway does not copy them to the proxy Service, so the load "
                "balancer is created without them (default type and scheme). Move them to "
                "spec.infrastructure.annotations or to the GatewayParameters spec.kube.service.extraAnnotations",
                key=True,
            )
        for field in ("annotations", "labels"):
            items = doc.get("spec", "infrastructure", field)
            if isinstance(items, dict) and len(items) > MAX_INFRA:
                yield report(
                    ("spec", "infrastructure", field),
                    f"{me} has {len(items)} spec.infrastructure.{field} (at most {MAX_INFRA} are allowed): the API "
                    "server rejects the Gateway. Move the rest to the GatewayParameters "
                    "spec.kube.service.extraAnnotations (kgateway) or drop the ones the load balancer does not need",
                    key=True,
                )


RULE = LbAnnotationsNotPropagated()
