"""A suppression without a reason, or one that cannot be read.

## What it does

Reports an inline `# infergw-lint: disable=...` comment or an `infergw-lint.io/ignore`
annotation that gives no reason (`reason="..."`, or the `infergw-lint.io/ignore-reason`
annotation), names no rule, or carries an `ignore-until` that is not a date. Such a
suppression suppresses nothing: the findings it meant to hide are still reported.

## Why

A suppression is a decision someone has to be able to review later. Without the reason, the
next reader cannot tell an accepted risk from a forgotten hack, and cannot know when it may go.

## Example

```yaml
# infergw-lint: disable=IGW401
service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
```

## Fix

Say why, and for annotations optionally until when:

```yaml
# infergw-lint: disable=IGW401 reason="staging NLB behind IP allow-list, ticket NET-42"

metadata:
  annotations:
    infergw-lint.io/ignore: "IGW401"
    infergw-lint.io/ignore-reason: "public demo until the CloudFront cut-over"
    infergw-lint.io/ignore-until: "2027-01-31"
```

Autofix: no.
"""

from infergw_lint.rule import EngineRule


class InvalidSuppression(EngineRule):
    code = "IGW002"
    name = "invalid-suppression"
    severity = "warning"
    tags = ("suppression",)
    security_severity = "2.0"


RULE = InvalidSuppression()
