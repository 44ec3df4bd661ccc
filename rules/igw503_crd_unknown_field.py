"""A field the CRD does not define: the API server prunes it.

## What it does

Reports, on its key, every field of a custom resource that the schema of its CRD (the same
CRDs as IGW501) does not define and does not preserve (`x-kubernetes-preserve-unknown-fields`):
a typo (`backendRef:` for `backendRefs:`), a field of another release or of the experimental
channel, or a field from another kind. `metadata` is left to the API server.

## Why

The API server drops unknown fields of a custom resource without an error: the resource
is stored without the setting, and the gateway behaves as if it was never written. (With
`kubectl apply --validate=strict`, kubectl's default, the request fails instead.)

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: chat}
spec:
  parentRefs: [{name: ai-gateway}]
  rules:
  - backendRef: [{name: bifrost, port: 8080}]     # backendRefs
```

## Fix

Correct the field's name or place, or lint against the CRDs the cluster runs
(`--gateway-api-version`, `--gateway-api-channel experimental`, `--crds`).

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.crd import CrdRule


class CrdUnknownField(CrdRule):
    code = "IGW503"
    name = "crd-unknown-field"
    severity = "warning"
    tags = ("crd", "api-server")
    security_severity = "1.0"


RULE = CrdUnknownField()
