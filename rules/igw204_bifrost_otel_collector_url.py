"""Bifrost otel `collector_url` that does not reach Langfuse's OTLP traces endpoint.

## What it does

For every `otel` plugin of a Bifrost config (each entry of `profiles` too) whose
`collector_url` points at Langfuse, reports:

- the `collector_url` when its path is not Langfuse's OTLP/HTTP traces endpoint
  `/api/public/otel/v1/traces` (for example the base path `/api/public/otel`, or no
  path at all);
- `protocol: grpc`: Langfuse accepts OTLP over HTTP only.

A URL points at Langfuse when its host name contains `langfuse` (`langfuse-web`,
`cloud.langfuse.com`) or its path contains `/api/public/otel`. `env.VAR` URLs are
not checked (their value is unknown).

When the URL's host is served by an HTTPRoute in the linted set (an exact or wildcard
`hostnames` entry) whose `URLRewrite` matches the path, the path Langfuse receives
after the rewrite is checked instead: the seed's `/api/public/otel` ->
`/api/public/otel/v1/traces` rewrite makes the base path correct, and turns a full
path into `/api/public/otel/v1/traces/v1/traces`.

## Why

Bifrost's HTTP exporter posts to `collector_url` exactly as written; unlike the
OpenTelemetry SDKs' `OTEL_EXPORTER_OTLP_ENDPOINT` it does not append `/v1/traces`.
A base-path URL gets a 404 from Langfuse, and a gRPC exporter gets no answer at all:
requests keep working while no trace ever appears in Langfuse.

## Example

```json
"config": {
  "trace_type": "otel",
  "protocol": "http",
  "collector_url": "http://langfuse-web.observability.svc.cluster.local:3000/api/public/otel"
}
```

## Fix

Use the full path and HTTP:

```json
"protocol": "http",
"collector_url": "http://langfuse-web.observability.svc.cluster.local:3000/api/public/otel/v1/traces"
```

If a gateway route rewrites the path, point the URL at the route's prefix and let the
rewrite produce the full path, not both.

Autofix: yes, for a URL that ends in `/api/public/otel`: `infergw-lint --fix` appends
`/v1/traces` (not when an HTTPRoute rewrites the path); other URLs are fixed by hand.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP, bifrost_configs
from infergw_lint.gateway import spec_get
from infergw_lint.rule import Refused, Rule, report

OTLP_TRACES = "/api/public/otel/v1/traces"
OTEL_BASE = "/api/public/otel"


_URLSPLIT = None


def split_url(url: str) -> tuple[str, str, str, str]:
    """(scheme, host, port-and-host for display, path) of a collector URL; ``host:port``
    (the gRPC form) has no scheme and no path."""
    raw = url.strip()
    if "://" not in raw:
        host = raw.split("/", 1)[0]
        path = "/" + raw.split("/", 1)[1] if "/" in raw else ""
        return "", host.rsplit(":", 1)[0].lower(), host, path
    global _URLSPLIT
    if _URLSPLIT is None:  # only for a Bifrost config's collector URL, and once
        from urllib.parse import urlsplit as _URLSPLIT
    try:
        parts = _URLSPLIT(raw)
        host = (parts.hostname or "").lower()
        netloc = parts.netloc.rsplit("@", 1)[-1]  # never show user:password@
        return parts.scheme, host, netloc, parts.path
    except ValueError:
        return "", "", "", ""


def is_langfuse_url(url) -> bool:
    if not isinstance(url, str) or url.strip().startswith("env."):
        return False
    _, host, _, path = split_url(url)
    return "langfuse" in host or OTEL_BASE in path


def _host_matches(host: str, pattern: str) -> bool:
    pattern = pattern.lower()
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and host != pattern[2:]
    return host == pattern


def _path_prefix_matches(path: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return not prefix or path == prefix or path.startswith(prefix + "/")


def route_rewrites(index) -> list:
    """(hostnames, match prefix, rewrite type, replacement, route) for every HTTPRoute
    rule with a PathPrefix match and a URLRewrite path filter (cached on the index)."""
    return index.memo("igw204-rewrites", lambda: _route_rewrites(index))


def _route_rewrites(index) -> list:
    # built before a split run forks, over every HTTPRoute: a route's hostnames are read
    # only once one of its rules has a path rewrite (most have none)
    out = []
    for route in index.of_kind("HTTPRoute", group=GATEWAY_GROUP):
        rules = spec_get(route, "rules")
        if not isinstance(rules, list):
            continue
        hostnames = None
        for rule in rules:
            if not isinstance(rule, dict):
                continue
            filters = rule.get("filters")
            if not isinstance(filters, list) or not filters:
                continue
            rewrite = None
            for f in filters:
                if isinstance(f, dict) and f.get("type") == "URLRewrite" and isinstance(f.get("urlRewrite"), dict):
                    p = f["urlRewrite"].get("path")
                    if isinstance(p, dict):
                        rewrite = p
            if rewrite is None:
                continue
            kind = rewrite.get("type")
            repl = rewrite.get("replacePrefixMatch") if kind == "ReplacePrefixMatch" else rewrite.get("replaceFullPath")
            if not isinstance(repl, str):
                continue
            matches = rule.get("matches")
            for match in matches if isinstance(matches, list) else ():
                path = match.get("path") if isinstance(match, dict) else None
                if isinstance(path, dict) and path.get("type", "PathPrefix") == "PathPrefix" and isinstance(path.get("value"), str):
                    if hostnames is None:  # one list per route, shared by its entries
                        hostnames = spec_get(route, "hostnames")
                        hostnames = [h for h in hostnames if isinstance(h, str)] if isinstance(hostnames, list) else []
                    out.append((hostnames, path["value"], kind, repl, route))
    return out


def _rewrites_by_host(index) -> tuple[dict, dict]:
    """The rewrites of ``route_rewrites`` indexed by the hostnames their route names:
    ({exact host: [position, ...]}, {".suffix" of a ``*.suffix`` wildcard: [position, ...]}),
    positions into ``route_rewrites(index)`` in ascending order (cached on the index)."""

    def build():
        exact: dict = {}
        wild: dict = {}
        for i, (hostnames, *_rest) in enumerate(route_rewrites(index)):
            for h in hostnames:
                h = h.lower()
                into, key = (wild, h[1:]) if h.startswith("*.") else (exact, h)
                got = into.setdefault(key, [])
                if not got or got[-1] != i:  # a hostname listed twice counts once
                    got.append(i)
        return exact, wild

    return index.memo("igw204-rewrites-by-host", build)


def _candidates(index, host: str) -> list[int]:
    """Positions of the rewrites whose hostnames match ``host`` (``_host_matches``), in
    ``route_rewrites`` order: the exact name, then every ``*.`` wildcard that covers it."""
    exact, wild = _rewrites_by_host(index)
    found = list(exact.get(host, ()))
    i = host.find(".")
    while i != -1:
        found += wild.get(host[i:], ())  # "*.b.c" matches "a.b.c" (and never "b.c" itself)
        i = host.find(".", i + 1)
    return sorted(set(found)) if len(found) > 1 else found


def effective_path(index, host: str, path: str):
    """(path Langfuse receives, route that rewrote it or None)."""
    best = None
    rewrites = route_rewrites(index)
    for i in _candidates(index, host):
        hostnames, prefix, kind, repl, route = rewrites[i]
        if not _path_prefix_matches(path, prefix):
            continue
        if best is None or len(prefix) > len(best[0]):
            best = (prefix, kind, repl, route)
    if best is None:
        return path, None
    prefix, kind, repl, route = best
    if kind == "ReplaceFullPath":
        return repl, route
    rest = path[len(prefix.rstrip("/")):]
    new = repl.rstrip("/") + rest if rest else repl
    return new or "/", route


def fixed_url(scheme: str, netloc: str, path: str) -> str:
    base = path.split(OTEL_BASE, 1)[0] if OTEL_BASE in path else path.rstrip("/")
    return f"{scheme or 'http'}://{netloc}{base}{OTLP_TRACES}"


class OtelCollectorUrl(Rule):
    code = "IGW204"
    name = "bifrost-otel-collector-url"
    severity = "error"
    flavors = ("k8s", "bifrost")
    k8s_kinds = ("ConfigMap",)  # domain.bifrost_configs: configs are in ConfigMaps only
    tags = ("bifrost", "langfuse", "observability")
    requires = staticmethod(bifrost_configs)  # nothing to report in a document without one
    security_severity = "3.0"
    fix_title = "Append /v1/traces to the collector URL"

    def check(self, doc, ctx):
        for cfg in bifrost_configs(doc):
            for path, prof in cfg.otel_profiles():
                if prof.get("enabled") is False:
                    continue
                url = prof.get("collector_url")
                if not is_langfuse_url(url):
                    continue
                protocol = prof.get("protocol")
                if isinstance(protocol, str) and protocol.strip().lower() == "grpc":
                    yield report(
                        path + ("protocol",),
                        "otel exporter uses protocol \"grpc\" towards Langfuse, which accepts OTLP over HTTP only: "
                        f"no trace arrives. Set \"protocol\": \"http\" and \"collector_url\" to ...{OTLP_TRACES}",
                    )
                    continue
                yield from self._check_url(ctx, path, url)

    def _check_url(self, ctx, path, url: str):
        scheme, host, netloc, upath = split_url(url)
        got, route = effective_path(ctx.index, host, upath)
        if got.rstrip("/").endswith(OTLP_TRACES):
            return
        if route is not None:
            yield report(
                path + ("collector_url",),
                f"collector_url reaches Langfuse at the wrong path after a rewrite: its path {upath or '/'!r} "
                f"reaches Langfuse as {got!r} after HTTPRoute {ctx.index.namespace_of(route)}/{route.name} rewrites "
                f"it, not {OTLP_TRACES!r}, so Langfuse answers 404 and no trace arrives. Make the URL and the "
                "rewrite produce the OTLP traces path once",
                help="Make the URL and the rewrite produce the OTLP traces path once",
            )
            return
        yield report(
            path + ("collector_url",),
            f"collector_url path is {upath or '/'!r}, not Langfuse's OTLP traces endpoint: Bifrost posts to the URL as "
            f"written (it does not append /v1/traces), so Langfuse answers 404 and no trace arrives. "
            f"Use {fixed_url(scheme, netloc, upath)!r}",
            help=f"Use {fixed_url(scheme, netloc, upath)!r}",
        )


    def fix(self, edit, finding, ctx):
        from infergw_lint.yamledit import set_value

        if finding.field[-1:] != ("collector_url",):
            raise Refused(f"only a collector_url ending in {OTEL_BASE} is fixed automatically")
        container, key = edit.resolve(finding.field)
        old = edit.get(finding.field)
        if not isinstance(old, str):
            raise Refused("collector_url is not a string")
        if old.strip().startswith("env."):
            raise Refused("collector_url comes from an environment variable; fix the variable's value")
        url = old.strip().rstrip("/")
        if "?" in url or "#" in url or not url.endswith(OTEL_BASE):
            raise Refused(f"the URL does not end with {OTEL_BASE}; set the OTLP traces URL by hand")
        if ctx.index is not None:
            _, host, _, path = split_url(url)
            _, route = effective_path(ctx.index, host, path)
            if route is not None:
                raise Refused(
                    f"HTTPRoute {ctx.index.namespace_of(route)}/{route.name} rewrites this path, so the URL alone does "
                    "not decide what Langfuse receives: make the URL and the rewrite agree by hand"
                )
        new = url + "/v1/traces"
        set_value(container, key, new)
        return f"collector_url -> {new!r} (Bifrost posts to the URL as written)"


RULE = OtelCollectorUrl()
