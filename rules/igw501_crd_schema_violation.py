"""A custom resource the API server rejects: it breaks its CRD's OpenAPI schema.

## What it does

Validates every custom resource whose kind has a CRD -- the bundled Gateway API CRDs of
the release of the stack profile (`--gateway-api-version`, config `versions:`, or the
`gateway.networking.k8s.io/bundle-version` annotation of the Gateway API CRDs in the linted
set; when none states it, the newest bundled release, said in a note;
`--gateway-api-channel experimental` for the experimental channel), the bundled kgateway CRDs
(group `gateway.kgateway.dev`, one bundle per minor release v2.0 to v2.4: the profile's kgateway
release from `--kgateway-version`, config `versions:`, or the controller image; for a release
without a bundle, the nearest one, said in a note; when the release is not known, a resource is
reported only where every bundled release rejects it), and any
`CustomResourceDefinition` in the linted set, in `--context` or in `--crds` -- against the
`openAPIV3Schema` of its version, after applying the schema's defaults as the API server
does. Reports, on the field: a wrong type, a value outside an `enum`, a `pattern`, `format`,
length, item-count or property-count bound, a missing `required` field, an
`x-kubernetes-int-or-string` that is neither, and duplicates in `x-kubernetes-list-type`
`set` and `map` lists. The message is the API server's, followed by the CRD it comes from.

## Why

`kubectl apply` fails with `The HTTPRoute "x" is invalid: spec.rules[0].matches[0].path.type:
Unsupported value: "Prefix"` -- in CI at best, halfway through a rollout at worst. Nothing
of the resource is applied.

## Example

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: chat}
spec:
  parentRefs: [{name: ai-gateway}]
  rules:
  - matches:
    - path: {type: Prefix, value: /v1}     # PathPrefix, Exact or RegularExpression
    backendRefs: [{name: bifrost, port: 8080}]
```

## Fix

Write the field as the CRD describes it (`type: PathPrefix`). When the cluster runs another
release of the CRDs, lint against it: `--gateway-api-version`, or `--crds` with the CRD
files the cluster has.

Autofix: no.
"""

from __future__ import annotations

from infergw_lint.crd import CrdRule


class CrdSchemaViolation(CrdRule):
    code = "IGW501"
    name = "crd-schema-violation"
    severity = "error"
    tags = ("crd", "api-server")
    security_severity = "2.0"


RULE = CrdSchemaViolation()
