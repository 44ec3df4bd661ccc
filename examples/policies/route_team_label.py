"""HTTPRoutes carry a `team` label naming their namespace.

## What it does

Reports an HTTPRoute whose `metadata.labels.team` is missing or differs from the namespace
the route lives in (each team owns one namespace on the shared gateway).

## Why

The platform team's dashboards and alert routing group the gateway's per-route metrics by
the `team` label; a route without it shows up as "unknown" and its 5xx alerts page nobody.

## Example

```yaml
kind: HTTPRoute
metadata:
  name: chat
  namespace: team-a
```

## Fix

```yaml
kind: HTTPRoute
metadata:
  name: chat
  namespace: team-a
  labels:
    team: team-a
```

Autofix: yes -- `infergw-lint --fix --policies DIR` sets the label (this module's `fix`
method shows how a custom policy defines an autofix).
"""

from infergw_lint.rule import Refused, Rule, report


class RouteTeamLabel(Rule):
    code = "ACME004"
    name = "route-team-label"
    severity = "warning"
    kinds = ("HTTPRoute",)
    fix_title = "Set metadata.labels.team to the route's namespace"

    def check(self, doc, ctx):
        team = ctx.index.namespace_of(doc)
        labels = doc.get("metadata", "labels")
        have = labels.get("team") if isinstance(labels, dict) else None
        if have is None:
            where = ("metadata", "labels") if isinstance(labels, dict) else ("metadata",)
            yield report(where, f"HTTPRoute has no `team` label (expected {team!r}, its namespace)", key=True)
        elif have != team:
            yield report(("metadata", "labels", "team"), f"HTTPRoute's `team` label is {have!r}, its namespace is {team!r}")

    def fix(self, edit, finding, ctx):
        # the editing helpers are imported here, so that linting without --fix never loads them
        from infergw_lint.yamledit import insert_key, new_map_like, set_value

        meta = edit.get(("metadata",))
        if not isinstance(meta, dict):
            raise Refused("metadata is not a mapping")
        team = (finding.resource or {}).get("namespace")
        if not isinstance(team, str) or not team:
            raise Refused("the route's namespace is not known")
        labels = meta.get("labels")
        if labels is None:
            labels = new_map_like(meta)
            keys = list(meta)
            insert_key(meta, keys.index("namespace") + 1 if "namespace" in keys else len(keys), "labels", labels)
        if not isinstance(labels, dict):
            raise Refused("metadata.labels is not a mapping")
        if "team" in labels:
            old = labels["team"]
            set_value(labels, "team", team)
            return f"team label {old!r} -> {team!r}"
        insert_key(labels, len(labels), "team", team)
        return f"added the label team: {team}"


RULE = RouteTeamLabel()
