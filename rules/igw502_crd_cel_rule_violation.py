"""A custom resource the API server rejects: a CEL validation rule of its CRD fails.

## What it does

Evaluates every `x-kubernetes-validations` rule of the resource's CRD (the same CRDs as
IGW501) with a CEL engine, on the resource after the API server's pruning and defaulting,
with the Kubernetes CEL library functions (`split`, `substring`, `isIP`, ...). A failing rule
is reported on the field it is attached to (its `fieldPath` when it names one) with the
CRD's `message` (or its `messageExpression`). A rule that reads a field that is not set
fails as in the API server (`no such key`). Transition rules (those reading `oldSelf`)
need the stored object and are skipped; as in the API server, no rule is evaluated
while the resource breaks its schema in a way that blocks them (IGW501: type, required,
enum, too long, too many).

## Why

The Gateway API CRDs state most of their constraints as CEL rules: a path must start with
`/`, listener names must be unique, a RequestRedirect cannot go with backendRefs, a Service
backendRef needs a port. `kubectl apply` rejects the whole resource; kubeconform and other
offline validators check only the OpenAPI part and let these through.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: chat}
spec:
  parentRefs: [{name: ai-gateway}]
  rules:
  - matches:
    - path: {type: PathPrefix, value: v1/chat}     # must start with '/'
    backendRefs: [{name: bifrost, port: 8080}]
```

## Fix

Change the resource as the message says (`value: /v1/chat`). Where a domain rule (such as
IGW106) reports the same defect on the same field, only the domain rule's finding is shown.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.crd import CrdRule


class CrdCelRuleViolation(CrdRule):
    code = "IGW502"
    name = "crd-cel-rule-violation"
    severity = "error"
    tags = ("crd", "api-server", "cel")
    security_severity = "2.0"


RULE = CrdCelRuleViolation()
