"""A suppression that suppresses nothing.

## What it does

Reports an inline `# infergw-lint: disable=...` comment, a `disable-file` comment or an
`infergw-lint.io/ignore` annotation that matched no finding in this run. It is only
reported when every rule it names ran (`--select` can hide the finding it is for).

## Why

A suppression outlives the problem it hid: once the manifest is fixed, a stale suppression
silently hides the next, different mistake of the same rule on that line or resource.

## Example

```yaml
- name: bifrost-service  # infergw-lint: disable=IGW101 reason="grant lives in the platform repo"
  port: 8080             # (the route no longer crosses namespaces)
```

## Fix

Delete the suppression.

Autofix: no.
"""

from infergw_lint.rule import EngineRule


class UnusedSuppression(EngineRule):
    code = "IGW003"
    name = "unused-suppression"
    severity = "warning"
    tags = ("suppression",)
    security_severity = "1.0"


RULE = UnusedSuppression()
