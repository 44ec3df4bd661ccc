"""URLRewrite or RequestRedirect path rewrite that is invalid or doubles the prefix.

## What it does

For every HTTPRoute rule, in the rule's filters and in each backendRef's filters, reports:

- a `ReplacePrefixMatch` path modifier (in `urlRewrite.path` or
  `requestRedirect.path`) in a rule that does not have exactly one match whose path type
  is `PathPrefix` (a rule without `matches` has the default `PathPrefix /` and is
  fine; an explicit `matches: []` is not);
- `URLRewrite` together with `RequestRedirect` in one filter list;
- a `replacePrefixMatch` that itself starts with the matched prefix, like
  `/api/public/otel` -> `/api/public/otel/v1/traces`: a request that already uses the
  full path (`/api/public/otel/v1/traces`) is rewritten to
  `/api/public/otel/v1/traces/v1/traces`. A rewrite of the root prefix `/` (mounting
  the whole host under a backend path) is a common pattern and is not reported.

## Why

The first two are rejected by the API server's validation (`kubectl apply` fails with
"When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match
must be specified" or "May specify either httpRouteFilterRequestRedirect or
httpRouteFilterRequestRewrite, but not both"), or by the controller on older CRDs
(`Accepted: False`). The third is accepted and works only for clients that send the bare
prefix: the seed's OTel route turns every standard OTLP exporter's
`POST /api/public/otel/v1/traces` into a 404 at Langfuse.

## Example

```yaml
rules:
- matches:
  - path: {type: PathPrefix, value: /api/public/otel}
  filters:
  - type: URLRewrite
    urlRewrite:
      path:
        type: ReplacePrefixMatch
        replacePrefixMatch: /api/public/otel/v1/traces
```

## Fix

Give a rule with `ReplacePrefixMatch` exactly one `PathPrefix` match (split the rule
per prefix), use either a rewrite or a redirect, and make sure the replacement does not
extend the matched prefix -- for Langfuse, drop the rewrite and point the exporter at the
full OTLP path (Bifrost's `collector_url` must end in `/api/public/otel/v1/traces`),
or match the exact path (`type: Exact`) with `ReplaceFullPath`.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.domain import GATEWAY_GROUP
from infergw_lint.rule import Rule, field_path, report


def _filter_lists(rule: dict, base: tuple):
    """(path, filters) for the rule's filters and each backendRef's filters."""
    if isinstance(rule.get("filters"), list):
        yield base + ("filters",), rule["filters"]
    refs = rule.get("backendRefs")
    if isinstance(refs, list):
        for j, ref in enumerate(refs):
            if isinstance(ref, dict) and isinstance(ref.get("filters"), list):
                yield base + ("backendRefs", j, "filters"), ref["filters"]


def _prefix_elements(value: str) -> list[str]:
    return [p for p in value.split("/") if p]


class InvalidUrlRewrite(Rule):
    code = "IGW106"
    name = "invalid-url-rewrite"
    severity = "error"
    kinds = ("HTTPRoute",)
    groups = (GATEWAY_GROUP,)
    tags = ("gateway-api", "routing")
    security_severity = "3.0"
    covers = (  # the CRD's CEL rules for the first two checks (IGW502 stays quiet on them)
        "exactly one PathPrefix match must be specified",
        "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite",
    )

    def check(self, doc, ctx):
        rules = doc.get("spec", "rules")
        if not isinstance(rules, list):
            return
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                continue
            base = ("spec", "rules", i)
            matches = rule.get("matches")
            for fpath, filters in _filter_lists(rule, base):
                types = {}
                for k, f in enumerate(filters):
                    if isinstance(f, dict) and isinstance(f.get("type"), str):
                        types.setdefault(f["type"], k)
                if "URLRewrite" in types and "RequestRedirect" in types:
                    later = max(types["URLRewrite"], types["RequestRedirect"])
                    yield report(
                        fpath + (later, "type"),
                        f"{field_path(fpath)} has both URLRewrite and RequestRedirect: a request is either "
                        "rewritten and forwarded or redirected, and the API server rejects the route. Keep one",
                    )
                for k, f in enumerate(filters):
                    if not isinstance(f, dict):
                        continue
                    for field in ("urlRewrite", "requestRedirect"):
                        path = f.get(field, {}).get("path") if isinstance(f.get(field), dict) else None
                        if not isinstance(path, dict) or path.get("type") != "ReplacePrefixMatch":
                            continue
                        ppath = fpath + (k, field, "path")
                        yield from self._prefix_checks(doc, matches, base, ppath, path, field)

    def _prefix_checks(self, doc, matches, base, ppath, path, field):
        kind = "URLRewrite" if field == "urlRewrite" else "RequestRedirect"
        if matches is None:
            prefix = "/"  # the default match
        elif not isinstance(matches, list):
            return
        else:
            ok = len(matches) == 1 and isinstance(matches[0], dict)
            mpath = matches[0].get("path") if ok else None
            ptype = (mpath.get("type") or "PathPrefix") if isinstance(mpath, dict) else "PathPrefix"
            if not ok or ptype != "PathPrefix":
                have = f"{len(matches)} matches" if len(matches) != 1 else f"a {ptype} match"
                fix = "Split the rule so each prefix has its own rule, or use ReplaceFullPath"
                yield report(
                    ppath + ("type",),
                    f"{kind} with ReplacePrefixMatch needs exactly one PathPrefix match: its rule "
                    f"{field_path(base)} has {have}, and the API server rejects the route. {fix}",
                    help=fix,
                )
                return
            value = mpath.get("value") if isinstance(mpath, dict) else None
            prefix = value if isinstance(value, str) else "/"
        replacement = path.get("replacePrefixMatch")
        if not isinstance(replacement, str):
            return
        pe, re_ = _prefix_elements(prefix), _prefix_elements(replacement)
        if pe and len(re_) > len(pe) and re_[: len(pe)] == pe:
            extra = "/" + "/".join(re_[len(pe):])
            full = replacement.rstrip("/")
            fix = "Match the exact path instead, or drop the rewrite and have the client send the full path"
            yield report(
                ppath + ("replacePrefixMatch",),
                f"{kind} replacePrefixMatch starts with the prefix it replaces: it replaces {prefix} with "
                f"{replacement}, so a request already sent to {full} becomes {full}{extra} and misses the backend. "
                f"{fix}",
                help=fix,
            )


RULE = InvalidUrlRewrite()
