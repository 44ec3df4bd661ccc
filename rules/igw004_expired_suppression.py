"""A resource suppression past its `ignore-until` date.

## What it does

Reports an `infergw-lint.io/ignore` annotation whose `infergw-lint.io/ignore-until` date
has passed. The suppression no longer applies: the findings it covered are reported again,
and this warning says why they came back.

## Why

Time-boxed exceptions ("public until the CDN is in place") are only safe if they end. When
the date passes, the linter stops honouring the exception instead of hiding the risk forever.

## Example

```yaml
metadata:
  annotations:
    infergw-lint.io/ignore: "IGW401"
    infergw-lint.io/ignore-reason: "launch week"
    infergw-lint.io/ignore-until: "2025-01-31"
```

## Fix

Fix the findings, or, if the exception is still justified, set a new date and reason.

Autofix: no.
"""

from infergw_lint.rule import EngineRule


class ExpiredSuppression(EngineRule):
    code = "IGW004"
    name = "expired-suppression"
    severity = "warning"
    tags = ("suppression",)
    security_severity = "2.0"


RULE = ExpiredSuppression()
