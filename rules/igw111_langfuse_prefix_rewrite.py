"""Prefix-stripping URLRewrite in front of the Langfuse web app.

## What it does

Reports an HTTPRoute rule that serves the Langfuse web app (a backendRef to a Service in
front of the `langfuse/langfuse` image, or named like `langfuse-web` when the pods are not
in the set) under a path prefix such as `/langfuse` and strips that prefix with a
`URLRewrite` filter (`ReplacePrefixMatch` to `/`). The finding is on the
`replacePrefixMatch` value. Rewrites to Langfuse's OTLP endpoint (`/api/public/otel/...`,
the deployment guide's collector route) are not reported.

## Why

Langfuse web is a Next.js app built for `/`: its pages load scripts, styles and API calls
from absolute paths (`/_next/...`, `/api/...`). Behind a stripped prefix the HTML arrives,
but every asset and API call goes to the gateway's `/` instead of `/langfuse/` and fails:
a blank or broken UI, and login redirects that leave the prefix. Serving Langfuse under a
sub-path needs an image built with `NEXT_PUBLIC_BASE_PATH` (langfuse.com/self-hosting/
custom-base-path), and then the prefix is kept, not stripped.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: langfuse-ui, namespace: observability}
spec:
  parentRefs: [{name: unified-gateway, namespace: ai-gateway}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /langfuse}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}
    backendRefs: [{name: langfuse-web, port: 3000}]
```

## Fix

Give Langfuse a hostname of its own (`hostnames: [langfuse.example.com]`, path `/`, no
rewrite), or build the image with `NEXT_PUBLIC_BASE_PATH=/langfuse` and drop the rewrite.

Autofix: no -- both fixes change more than this route.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP
from infergw_lint.gateway import backend_refs
from infergw_lint.llm import service_kind
from infergw_lint.rule import Rule, report


def _stripping_rewrites(rule: dict, base: tuple):
    """(path of replacePrefixMatch, matched prefix) for URLRewrite filters that replace a
    path prefix other than / with /."""
    prefixes = [
        m["path"].get("value") for m in (rule.get("matches") if isinstance(rule.get("matches"), list) else ())
        if isinstance(m, dict) and isinstance(m.get("path"), dict) and m["path"].get("type", "PathPrefix") == "PathPrefix"
    ]
    prefixes = [p for p in prefixes if isinstance(p, str) and p.strip("/")]
    if not prefixes:
        return
    for k, f in enumerate(rule.get("filters") if isinstance(rule.get("filters"), list) else ()):
        if not isinstance(f, dict) or f.get("type") != "URLRewrite":
            continue
        rw = f.get("urlRewrite")
        path = rw.get("path") if isinstance(rw, dict) else None
        if not isinstance(path, dict) or path.get("type") != "ReplacePrefixMatch":
            continue
        value = path.get("replacePrefixMatch")
        if isinstance(value, str) and value.strip("/") == "":
            yield base + ("filters", k, "urlRewrite", "path", "replacePrefixMatch"), prefixes[0]


class LangfusePrefixRewrite(Rule):
    code = "IGW111"
    name = "langfuse-prefix-rewrite"
    severity = "error"
    kinds = ("HTTPRoute",)
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "langfuse", "routing")
    security_severity = "2.0"

    def check(self, doc, ctx):
        rules = doc.get("spec", "rules")
        if not isinstance(rules, list):
            return
        refs = backend_refs(doc, ctx.index)
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict) or not isinstance(rule.get("filters"), list):
                continue  # no URLRewrite (most rules): its backends are not looked up
            web = [
                r for r in refs
                if r.path[2] == i and not r.mirror and r.is_service
                and service_kind(ctx.index, r.namespace, r.name) == "langfuse-web"
            ]
            if not web:
                continue
            for path, prefix in _stripping_rewrites(rule, ("spec", "rules", i)):
                yield report(
                    path,
                    f"the rule serves Langfuse web ({web[0].namespace}/{web[0].name}) under {prefix!r} and strips the "
                    "prefix: Langfuse is built for / and loads its assets and API from absolute paths, so the UI "
                    "breaks; give it its own hostname, or build the image with NEXT_PUBLIC_BASE_PATH and keep the prefix",
                    help="Give it its own hostname, or build the image with NEXT_PUBLIC_BASE_PATH and keep the prefix",
                )


RULE = LangfusePrefixRewrite()
