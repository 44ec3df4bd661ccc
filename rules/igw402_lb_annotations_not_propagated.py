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
infrastructure entries are fixed by hand. In a prod environment an
`aws-load-balancer-scheme: internet-facing` annotation is left where it is (it has no
effect there; moved, it would expose the gateway, IGW401): the fix says so, and you decide.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP
from infergw_lint.gateway import gateway_is_kgateway, graph_for
from infergw_lint.rule import Partly, Refused, Rule, report

AWS_PREFIXES = ("service.beta.kubernetes.io/aws-load-balancer-",)
AWS_KEYS = frozenset({"service.beta.kubernetes.io/load-balancer-source-ranges"})
MAX_INFRA = 8  # Gateway API limit on spec.infrastructure.annotations and .labels


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
    fix_order = 2  # moves keys between mappings: after value and securityContext fixes
    fix_title = "Move the AWS annotations to spec.infrastructure.annotations"

    def check(self, doc, ctx):
        me = f"Gateway {ctx.index.namespace_of(doc)}/{doc.name}"
        keys = [k for k in doc.annotations if is_aws_lb_annotation(k)]
        if keys and gateway_is_kgateway(doc, graph_for(ctx)) is not False:
            shown = ", ".join(k.rsplit("/", 1)[-1] for k in keys)
            fix = ("Move them to spec.infrastructure.annotations or to the GatewayParameters "
                   "spec.kube.service.extraAnnotations")
            yield report(
                ("metadata", "annotations", keys[0]),
                f"AWS load-balancer annotation{'s' if len(keys) != 1 else ''} in metadata.annotations "
                f"{'are' if len(keys) != 1 else 'is'} not applied: {me} has {len(keys)} ({shown}); kgateway does "
                "not copy them to the proxy Service, so the load balancer is created without them (default type "
                f"and scheme). {fix}",
                key=True, help=fix,
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


    def fix_available(self, finding, ctx) -> bool:
        """Not when all the fix could move is a prod gateway's internet-facing scheme."""
        doc = _gateway(finding, ctx)
        if doc is None or tuple(finding.field)[:2] != ("metadata", "annotations"):
            return doc is not None
        names = [k for k in doc.annotations if is_aws_lb_annotation(k)]
        only_public = names == [SCHEME_KEY] and str(doc.annotations[SCHEME_KEY]).strip() == "internet-facing"
        return not (only_public and _environment(finding, ctx) == "prod")

    def fix(self, edit, finding, ctx):
        """Move every AWS load-balancer annotation of the Gateway's metadata to
        spec.infrastructure.annotations (the rule reports them once, on the first)."""
        from infergw_lint.yamledit import (
            insert_key, new_map_like, remove_key, set_eol, set_pre, shift_comment_lines, take_header, take_orphaned,
        )

        path = tuple(finding.field)
        if len(path) != 3 or path[:2] != ("metadata", "annotations"):
            raise Refused("only AWS annotations under metadata.annotations are moved automatically")
        root = edit.root
        meta = edit.get(("metadata",))
        ann = edit.get(("metadata", "annotations"))
        if not isinstance(meta, dict) or not isinstance(ann, dict):
            raise Refused("metadata.annotations is not a mapping")
        names = [k for k in ann if is_aws_lb_annotation(k)]
        if not names:
            raise Refused("metadata.annotations has no AWS load-balancer annotation any more")
        # never make things worse: in metadata the scheme has no effect; moved, an
        # internet-facing one would expose a prod gateway (IGW401). That part is refused.
        kept = [k for k in names if k == SCHEME_KEY and str(ann[k]).strip() == "internet-facing"]
        if kept and _environment(finding, ctx) == "prod":
            names = [k for k in names if k not in kept]
            if not names:
                raise Refused(KEEP_SCHEME)
        else:
            kept = []
        spec = root.get("spec") if isinstance(root, dict) else None
        if not isinstance(spec, dict):
            raise Refused("the Gateway has no spec mapping to move the annotations to")
        infra = spec.get("infrastructure")
        if infra is not None and not isinstance(infra, dict):
            raise Refused("spec.infrastructure is not a mapping")
        target = infra.get("annotations") if isinstance(infra, dict) else None
        if target is not None and not isinstance(target, dict):
            raise Refused("spec.infrastructure.annotations is not a mapping")
        existing = target if isinstance(target, dict) else {}
        for name in names:
            if name in existing and existing[name] != ann[name]:
                raise Refused(
                    f"spec.infrastructure.annotations already sets {name} to {existing[name]!r} and metadata says "
                    f"{ann[name]!r}; keep the one you mean by hand"
                )
        adding = [n for n in names if n not in existing]
        if len(existing) + len(adding) > MAX_INFRA:
            raise Refused(
                f"spec.infrastructure.annotations would hold {len(existing) + len(adding)} entries (at most "
                f"{MAX_INFRA}); move them to the GatewayParameters spec.kube.service.extraAnnotations by hand"
            )
        # everything is checked: move them (with the comment above them, when all of them go)
        header = take_header(meta, "annotations") if len(names) == len(ann) else ""
        moving = []
        for name in names:
            value = ann[name]
            moving.append((name, value, remove_key(ann, name)))
        if not ann:
            remove_key(meta, "annotations", extra=take_orphaned(ann))
        if infra is None:
            infra = new_map_like(spec)
            keys = list(spec.keys())
            pos = keys.index("gatewayClassName") + 1 if "gatewayClassName" in keys else len(keys)
            insert_key(spec, pos, "infrastructure", infra)
        if target is None:
            target = new_map_like(spec)
            insert_key(infra, len(infra), "annotations", target)
        shift = (edit.style.mapping if edit.style else 2)  # one level deeper than metadata.annotations
        for name, value, eol in moving:
            if name in target:
                continue
            insert_key(target, len(target), name, value)
            set_eol(target, name, eol, shift)
            set_pre(target, name, shift_comment_lines(header, shift))
            header = ""
        shown = ", ".join(n.rsplit("/", 1)[-1] for n in names)
        done = f"moved {shown} from metadata.annotations to spec.infrastructure.annotations (kgateway copies only those)"
        return Partly(done, KEEP_SCHEME) if kept else done


SCHEME_KEY = "service.beta.kubernetes.io/aws-load-balancer-scheme"
KEEP_SCHEME = (
    "left aws-load-balancer-scheme: internet-facing in metadata.annotations, where kgateway ignores it: moved to "
    "spec.infrastructure.annotations it would make this prod gateway's load balancer public (IGW401). Set it to "
    "internal before moving it, or move it by hand if the exposure is intended"
)


def _gateway(finding, ctx):
    index = getattr(ctx, "index", None)
    resource = finding.resource or {}
    if index is None:
        return None
    return next(
        (d for d in index.of_kind("Gateway", namespace=resource.get("namespace"))
         if d.name == resource.get("name") and d.path == finding.path),
        None,
    )


def _environment(finding, ctx):
    """The environment (prod/staging/dev) of the Gateway the finding is on, decided as the
    rules decide it (--env, the configuration, Namespace labels); None when unknown."""
    from infergw_lint.engine import Context, Options

    doc = _gateway(finding, ctx)
    if doc is None:
        return None
    return Context(ctx.index, getattr(ctx, "options", None) or Options()).environment(doc)


RULE = LbAnnotationsNotPropagated()
