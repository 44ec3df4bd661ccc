"""Bifrost `base_url` or `collector_url` naming a Service that is not where the URL says.

## What it does

Reads the URLs a Bifrost config sends traffic to (`providers.<name>.network_config.base_url`
and every otel `collector_url`) and looks up the Service they name:

- `http://NAME.NAMESPACE.svc[.cluster.local]:PORT`: reported when the linted set holds
  namespace `NAMESPACE` (and Services at all) but no Service `NAME` in it; the message
  names the Services that are there, and the namespaces that do have a `NAME`;
- a short `http://NAME:PORT`: it resolves in the namespace of the Bifrost config only (the
  ConfigMap's); reported when no Service `NAME` is there but one is in another namespace.

Partial trees stay quiet: a namespace the set does not hold is not judged
(`--assume-complete` judges it). Values from the environment (`env.VAR`) are not read.

## Why

The cluster DNS answers only for Services that exist. A collector URL that points at
namespace `langfuse` while Langfuse runs in `observability` (the deployment guide's own
mix-up) resolves nowhere: traces are dropped with a DNS error in Bifrost's log, and
requests to a provider there fail outright.

## Example

```yaml
apiVersion: v1
kind: Service
metadata: {name: langfuse-web, namespace: observability}
spec: {ports: [{port: 3000}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: bifrost-config, namespace: ai-external}
data:
  config.json: |
    {"$schema": "https://www.getbifrost.ai/schema",
     "plugins": [{"name": "otel", "enabled": true, "config": {"trace_type": "otel", "protocol": "http",
       "collector_url": "http://langfuse-web.langfuse.svc.cluster.local:3000/api/public/otel/v1/traces"}}]}
```

## Fix

Name the namespace the Service is in:
`http://langfuse-web.observability.svc.cluster.local:3000/api/public/otel/v1/traces`.

Autofix: no -- which of the two is wrong (the URL or where the Service runs) is a
decision for a person.
"""

from infergw_lint.domain import bifrost_configs
from infergw_lint.gateway import lookup_complete
from infergw_lint.rule import Rule, report
from infergw_lint.urls import parse

MAX_LISTED = 6


def _urls(cfg):
    for path, provider, nc, _entry in cfg.base_urls():
        yield path, nc["base_url"], f"provider {provider!r} base_url"
    for path, profile in cfg.otel_profiles():
        if isinstance(profile.get("collector_url"), str):
            yield path + ("collector_url",), profile["collector_url"], "otel collector_url"


def _namespaces_by_name(index) -> dict:
    """Service name -> the sorted namespaces of the Services of that name (one pass over
    the Services per run, not one per URL)."""

    def build() -> dict:
        out: dict = {}
        for s in index.of_kind("Service"):
            out.setdefault(s.name, []).append(index.namespace_of(s))
        for namespaces in out.values():
            namespaces.sort()
        return out

    return index.memo("igw212-service-namespaces", build)


class ServiceUrlUnresolved(Rule):
    code = "IGW212"
    name = "bifrost-service-url-unresolved"
    severity = "error"
    flavors = ("k8s", "bifrost")
    k8s_kinds = ("ConfigMap",)  # domain.bifrost_configs: configs are in ConfigMaps only
    tags = ("bifrost", "reference", "llm-serving")
    requires = staticmethod(bifrost_configs)  # nothing to report in a document without one
    security_severity = "3.0"

    def check(self, doc, ctx):
        configs = bifrost_configs(doc)
        if not configs:
            return
        index = ctx.index
        own_ns = index.namespace_of(doc) if doc.flavor == "k8s" else None
        for cfg in configs:
            for path, url, what in _urls(cfg):
                target = parse(url)
                if target is None or not target.in_cluster:
                    continue
                name = target.service
                elsewhere = _namespaces_by_name(index).get(name, [])
                if target.namespace is not None:
                    ns = target.namespace
                    if index.get("Service", ns, name) is not None or not lookup_complete(ctx, "Service", ns):
                        continue
                    there = sorted(s.name for s in index.of_kind("Service", namespace=ns) if s.name)
                    listed = ", ".join(there[:MAX_LISTED]) + (", ..." if len(there) > MAX_LISTED else "") or "none"
                    fix = f"Use {name}.{elsewhere[0]}.svc.cluster.local" if elsewhere else (
                        "Fix the Service name or namespace in the URL, or pass --context with the directory that "
                        "defines the Service")
                    hint = (
                        f"; Service {name!r} is in namespace {', '.join(repr(n) for n in dict.fromkeys(elsewhere))}. "
                        f"{fix}" if elsewhere else f". {fix}"
                    )
                    yield report(
                        path,
                        f"no Service {name!r} in namespace {ns!r}: {what} names it, and that namespace has no such "
                        f"Service (Services there: {listed}), so the name does not resolve{hint}",
                        help=fix,
                    )
                elif own_ns is not None and index.get("Service", own_ns, name) is None and elsewhere:
                    others = [n for n in elsewhere if n != own_ns]
                    if not others:
                        continue
                    fix = f"Use {name}.{others[0]}.svc.cluster.local"
                    yield report(
                        path,
                        f"short name {name!r} resolves to no Service: {what} uses it, and it resolves only in the "
                        f"config's own namespace {own_ns!r}, where no Service {name!r} is; it is in namespace "
                        f"{others[0]!r}. {fix}",
                        help=fix,
                    )


RULE = ServiceUrlUnresolved()
